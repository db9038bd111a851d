/* test_seq: kvae-seq(5) streams round-trip exactly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "stream/seq.h"

#define DIM 3
#define NSEQ 3

static const size_t lens[NSEQ] = { 5, 1, 17 };

/* Awkward values: shortest round trip needs 17 digits for some. */
/* The scalar type of the stream being written and read (the extremes
 * differ). */
static int stream_scalar = SEQ_F64;

static double
value(size_t s, size_t t, size_t i)
{
	double v = (double)(s + 1) / 3.0 + (double)t * 1e-7 - (double)i * M_PI;

	if ((s + t + i) % 7 == 3)
		return NAN;
	if (t == 2 && i == 1)
		return 1e-300 * (double)(s + 1);
	if (t == 3 && i == 0)
		return stream_scalar == SEQ_F32 ? -3.4028234663852886e38 :
		    -1.7976931348623157e308;	/* -FLT_MAX, -DBL_MAX */
	return v;
}

static double
variance(size_t s, size_t t, size_t i)
{
	return (s + t + i) % 5 == 0 ? NAN : exp((double)(t + i) / 3.0);
}

/* Write the test stream with the given layout into a temporary file. */
static char *
write_stream(int format, int scalar, int has_var)
{
	static char path[64];
	seq_layout l = { .dim = DIM, .has_var = has_var, .format = format,
	    .scalar = scalar };
	double x[DIM], var[DIM];
	kv_err err;
	seq_writer *w;
	FILE *fp;
	int fd;

	strcpy(path, "/tmp/test_seq.XXXXXX");
	fd = mkstemp(path);
	fp = fdopen(fd, "wb");
	w = seq_writer_open(fp, path, &l, &err);
	for (size_t s = 0; s < NSEQ; s++) {
		for (size_t t = 0; t < lens[s]; t++) {
			for (size_t i = 0; i < DIM; i++) {
				x[i] = value(s, t, i);
				var[i] = variance(s, t, i);
			}
			seq_write(w, x, var, &err);
		}
		seq_write_break(w, &err);
	}
	CHECK(seq_writer_close(w, &err) == 0, "write %s %s%s",
	    format == SEQ_CSV ? "csv" : "bin", scalar == SEQ_F32 ? "f32" : "f64",
	    has_var ? " with variances" : "");
	fclose(fp);
	return path;
}

/* Read back and compare every value, NaN and boundary. */
static void
read_and_compare(const char *path, const char *what, int scalar, int has_var)
{
	kv_err err = { "" };
	seq_reader *r = seq_reader_open(path, &err);
	double x[DIM], var[DIM];
	size_t s = 0, t = 0, bad = 0, breaks = 0;
	int rc;

	if (r == NULL) {
		CHECK(0, "%s: open: %s", what, err.msg);
		return;
	}
	CHECK(seq_reader_layout(r)->dim == DIM &&
	    seq_reader_layout(r)->has_var == has_var, "%s: layout dim %zu "
	    "variances %d", what, seq_reader_layout(r)->dim,
	    seq_reader_layout(r)->has_var);
	while ((rc = seq_read(r, x, var, &err)) > 0) {
		if (rc == SEQ_BREAK) {
			bad += t != lens[s];
			breaks++;
			s++;
			t = 0;
			continue;
		}
		for (size_t i = 0; i < DIM && s < NSEQ; i++) {
			double wx = value(s, t, i), wv = variance(s, t, i);
			/* float32 data are exact at float precision: CSV text
			 * holds the shortest digits, not the float's value. */
			if (scalar == SEQ_F32) {
				wx = (float)wx;
				wv = (float)wv;
				x[i] = (float)x[i];
				var[i] = (float)var[i];
			}
			if (!(isnan(wx) ? isnan(x[i]) : x[i] == wx))
				bad++;
			if (has_var && !(isnan(wv) ? isnan(var[i]) : var[i] == wv))
				bad++;
			if (!has_var && !isnan(var[i]))
				bad++;
		}
		t++;
	}
	CHECK(rc == SEQ_EOF && bad == 0 && breaks == NSEQ, "%s: %zu "
	    "sequences, %zu mismatches, exact equality (%s)", what, breaks,
	    bad, rc < 0 ? err.msg : "ok");
	seq_reader_close(r);
}

/* CSV -> bin -> CSV, bin -> CSV -> bin through the library's own copy. */
static void
convert(const char *from, const char *to, int format, int scalar)
{
	kv_err err;
	seq_reader *r = seq_reader_open(from, &err);
	seq_layout l = seq_layout_output(seq_reader_layout(r), format, scalar);
	FILE *fp = fopen(to, "wb");
	seq_writer *w = seq_writer_open(fp, to, &l, &err);
	double x[DIM], var[DIM];
	int rc;

	while ((rc = seq_read(r, x, var, &err)) > 0)
		if (rc == SEQ_BREAK)
			seq_write_break(w, &err);
		else
			seq_write(w, x, var, &err);
	seq_writer_close(w, &err);
	fclose(fp);
	seq_reader_close(r);
}

static void
round_trips(int scalar, int has_var)
{
	char csv[64], bin[64];
	const char *p;

	stream_scalar = scalar;
	p = write_stream(SEQ_CSV, scalar, has_var);
	strcpy(csv, p);
	read_and_compare(csv, "csv", scalar, has_var);
	strcpy(bin, "/tmp/test_seq_bin.XXXXXX");
	close(mkstemp(bin));
	convert(csv, bin, SEQ_BIN, scalar);
	read_and_compare(bin, "csv->bin", scalar, has_var);
	convert(bin, csv, SEQ_CSV, 0);
	read_and_compare(csv, "csv->bin->csv", scalar, has_var);
	unlink(csv);
	unlink(bin);

	p = write_stream(SEQ_BIN, scalar, has_var);
	strcpy(bin, p);
	read_and_compare(bin, "bin", scalar, has_var);
	strcpy(csv, "/tmp/test_seq_csv.XXXXXX");
	close(mkstemp(csv));
	convert(bin, csv, SEQ_CSV, 0);
	read_and_compare(csv, "bin->csv", scalar, has_var);
	convert(csv, bin, SEQ_BIN, scalar);
	read_and_compare(bin, "bin->csv->bin", scalar, has_var);
	unlink(csv);
	unlink(bin);
}

/* Shortest round-trip text is the shortest, and exact. */
static void
number_format(void)
{
	char buf[64];
	double third = 1.0 / 3.0;

	seq_format_number(buf, sizeof buf, 0.1, SEQ_F64);
	CHECK(strcmp(buf, "0.1") == 0, "0.1 prints as '%s'", buf);
	seq_format_number(buf, sizeof buf, third, SEQ_F64);
	CHECK(strtod(buf, NULL) == third, "1/3 prints as '%s' and reads back "
	    "exactly", buf);
	seq_format_number(buf, sizeof buf, (float)third, SEQ_F32);
	CHECK((float)strtod(buf, NULL) == (float)third && strlen(buf) <= 11,
	    "float 1/3 prints as '%s'", buf);
	seq_format_number(buf, sizeof buf, NAN, SEQ_F64);
	CHECK(strcmp(buf, "nan") == 0, "NaN prints as '%s'", buf);
}

/* Values a reader would refuse are refused when written, naming the
 * record: infinities, and finite doubles past float32's range in a
 * float32 stream. */
static void
unwritable_values(void)
{
	static const struct {
		int scalar, has_var;
		double x, var;
		const char *want;
	} cases[] = {
		{ SEQ_F64, 0, INFINITY, 0, "value 2 is inf, which a stream "
		    "cannot hold" },
		{ SEQ_F32, 0, 1e39, 0, "value 2 is 1e+39, which is beyond "
		    "float32's range" },
		{ SEQ_F64, 1, 1, -INFINITY, "variance 2 is -inf" },
	};

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		seq_layout l = { .dim = 2, .has_var = cases[k].has_var,
		    .format = SEQ_BIN, .scalar = cases[k].scalar };
		double x[2] = { 1, 1 }, var[2] = { 1, 1 };
		kv_err err = { "" };
		FILE *fp = fopen("/dev/null", "wb");
		seq_writer *w = seq_writer_open(fp, "out", &l, &err);
		int rc1 = seq_write(w, x, var, &err), rc2;

		x[1] = cases[k].x;
		var[1] = cases[k].var;
		rc2 = seq_write(w, x, var, &err);
		CHECK(rc1 == 0 && rc2 != 0 && strstr(err.msg, "out: record 2: ")
		    && strstr(err.msg, cases[k].want), "write refused: %s",
		    err.msg);
		seq_writer_close(w, &err);
		fclose(fp);
	}
}

/* Whole-sequence reading keeps lengths and variances. */
static void
whole_sequences(void)
{
	const char *p = write_stream(SEQ_BIN, SEQ_F64, 1);
	kv_err err;
	seq_reader *r = seq_reader_open(p, &err);
	seq_buf b = { 0 };
	size_t n = 0, ok = 0;

	while (seq_read_sequence(r, &b, &err) == 1) {
		ok += b.T == lens[n] && b.var != NULL &&
		    (isnan(value(n, 0, 0)) ? isnan(b.x[0]) : b.x[0] == value(n, 0, 0));
		n++;
	}
	CHECK(n == NSEQ && ok == NSEQ, "seq_read_sequence: %zu sequences, "
	    "%zu with the right length and values", n, ok);
	seq_buf_free(&b);
	seq_reader_close(r);
	unlink(p);
}

int
main(void)
{
	number_format();
	for (int has_var = 0; has_var <= 1; has_var++) {
		round_trips(SEQ_F64, has_var);
		round_trips(SEQ_F32, has_var);
	}
	whole_sequences();
	unwritable_values();
	return check_done();
}
