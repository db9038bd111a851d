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

/* ---- CSV as people write it ---- */

/* Write `text` to a temporary file; returns its path (static). */
static const char *
text_file(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/test_seq_csv.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

/* Read `text` with the column choice `spec` (NULL: all): the values of
 * all records (up to max), with the layout and count. 0, or -1 with the
 * message in err (its file name replaced by "F"). */
static int
read_text(const char *text, const char *spec, double *vals, size_t max,
	size_t *nvals, seq_layout *layout, kv_err *err)
{
	const char *path = text_file(text);
	seqcols cols = { 0 };
	seq_reader *r;
	double x[8], var[8];
	int rc = -1;

	*nvals = 0;
	if (spec != NULL && seqcols_parse(&cols, spec, err) != 0)
		goto done;
	r = seq_reader_open_columns(path, spec ? &cols : NULL, err);
	if (r == NULL)
		goto done;
	*layout = *seq_reader_layout(r);
	while ((rc = seq_read(r, x, var, err)) > 0)
		for (size_t i = 0; rc == SEQ_RECORD && i < layout->dim &&
		    *nvals < max; i++)
			vals[(*nvals)++] = x[i];
	if (rc == 0 && layout->names != NULL) {
		/* keep the names beyond the reader: join them into err */
		err->msg[0] = '\0';
		for (size_t i = 0; i < layout->dim; i++)
			snprintf(err->msg + strlen(err->msg), sizeof err->msg -
			    strlen(err->msg), "%s%s", i ? "|" : "",
			    layout->names[i]);
	}
	layout->names = NULL;
	seq_reader_close(r);
done:
	seqcols_free(&cols);
	unlink(path);
	if (rc < 0) {
		/* messages begin with the temporary path: call it F */
		char *at = strstr(err->msg, path);
		if (at != NULL) {
			size_t n = strlen(path);
			at[0] = 'F';
			memmove(at + 1, at + n, strlen(at + n) + 1);
		}
	}
	return rc < 0 ? -1 : 0;
}

static int
same_values(const double *got, size_t n, const double *want, size_t m)
{
	if (n != m)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isnan(want[i]) ? isnan(got[i]) : got[i] == want[i]))
			return 0;
	return 1;
}

/* Quoted fields, empty header names, and column choice: what is read. */
static void
csv_dialect(void)
{
	static const struct {
		const char *text, *spec;
		size_t dim;
		const char *names;	/* joined by '|', or NULL */
		double want[8];
		size_t nwant;
	} cases[] = {
		/* pandas: an unnamed index column */
		{ ",a,b\n0,1.5,2\n1,3,4\n", NULL, 3, "|a|b",
		    { 0, 1.5, 2, 1, 3, 4 }, 6 },
		/* a date column left out by name, never parsed */
		{ ",a,b\n1959-03-31,1.5,2\n1959-06-30,3,4\n", "b,a", 2, "b|a",
		    { 2, 1.5, 4, 3 }, 4 },
		{ "d,a,b\n1959-03-31,1.5,2\n", "2-", 2, "a|b", { 1.5, 2 }, 2 },
		{ "d,a,b\n1959-03-31,1.5,2\n", "-1,3", 2, "d|b", { NAN, 2 }, 0 },
		/* quoted numbers, quoted names with commas and quotes */
		{ "\"a,b\",\"say \"\"hi\"\"\"\n\"1.5\", \"2\" \n", NULL, 2,
		    "a,b|say \"hi\"", { 1.5, 2 }, 2 },
		{ "\"a,b\",c\n1,2\n", "c,\"a,b\"", 2, "c|a,b", { 2, 1 }, 2 },
		/* an empty quoted field is missing; no header: positions */
		{ "\"\",1\n3,\"\"\n", "2,1", 2, NULL, { 1, NAN, NAN, 3 }, 4 },
		/* not a header: all empty, or a number among the names */
		{ ",\n1,2\n", NULL, 2, NULL, { NAN, NAN, 1, 2 }, 4 },
		{ ",1,2\n3,4,5\n", NULL, 3, NULL, { NAN, 1, 2, 3, 4, 5 }, 6 },
		/* variances go with their column */
		{ "x,y,var_x,var_y\n1,2,0.1,0.2\n", "y", 1, "y", { 2 }, 1 },
		/* a repeated header (with an empty name) starts a sequence */
		{ ",a\n0,1\n,a\n0,2\n", "a", 1, "a", { 1, 2 }, 2 },
	};

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		double got[16];
		size_t n;
		seq_layout l = { 0 };
		kv_err err = { "" };
		int rc = read_text(cases[k].text, cases[k].spec, got, 16, &n,
		    &l, &err);
		int names_ok = cases[k].names ? strcmp(err.msg,
		    cases[k].names) == 0 : err.msg[0] == '\0';
		/* case 4 wants its date parsed as not a number: an error */
		if (cases[k].nwant == 0) {
			CHECK(rc != 0 && strstr(err.msg, "F:2: field 1: "
			    "'1959-03-31' is not a number"), "csv case %zu "
			    "refused: %s", k, err.msg);
			continue;
		}
		CHECK(rc == 0 && l.dim == cases[k].dim && names_ok &&
		    same_values(got, n, cases[k].want, cases[k].nwant),
		    "csv case %zu: dim %zu (want %zu), names '%s' (want '%s'), "
		    "%zu values, exact", k, l.dim, cases[k].dim, err.msg,
		    cases[k].names ? cases[k].names : "", n);
	}
}

/* Malformed CSV and column choices: refused, naming file and line. */
static void
csv_dialect_errors(void)
{
	static const struct {
		const char *text, *spec, *want;
	} cases[] = {
		{ "a,b\n1,2\n\"3,4\n", NULL, "F:3: field 1: a quoted field has "
		    "no closing quote (a quoted field cannot span lines)" },
		{ "a,b\n1,2\n3,4\"5\n", NULL, "F:3: field 2: '4\"5' has a "
		    "quote inside" },
		{ "a,b\n\"1\"2,3\n", NULL, "F:2: field 1: text after the "
		    "closing quote" },
		{ "a,b\n\"1\" x,3\n", NULL, "F:2: field 1: text after" },
		{ "a,b\n1,2\n", "a,c", "F:1: no column 'c' in the header" },
		{ "# x\n1,2\n", "a", "F:2: column 'a' chosen by name, but the "
		    "stream has no header" },
		{ "a,b\n1,2\n", "3", "F:1: column 3, the stream has 2" },
		{ "a,b\n1,2\n", "2-4", "F:1: column 4, the stream has 2" },
		{ "a,b\n1,2,3\n", "1", "F:2: 3 fields, expected 2" },
		{ ",a,b\n1959-03-31,1,2\n", NULL, "F:2: field 1: '1959-03-31' "
		    "is not a number (to leave out columns that are not "
		    "numbers: kvae-cat --columns 2-)" },
		{ "d,a,e,b\nx,1,y,2\n", NULL, "--columns 2,4)" },
		{ "a,b\n1,2\n1,x\n", NULL, "F:3: field 2: 'x' is not a number" },
		{ "a,b\n1,2\n", "1,,2", "'1,,2': an empty item" },
		{ "a,b\n1,2\n", "2-1", "range 2-1 ends before it starts" },
		{ "a,b\n1,2\n", "0", "'0' is not a column position" },
		{ "a,b\n1,2\n", "\"a", "has no closing quote" },
		{ "a,b\n1,2\n", "\"a\"b", "text after a quoted name" },
		{ "a,b\n1,2\n", "a\"b", "a quote inside a name" },
	};

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		double got[16];
		size_t n;
		seq_layout l = { 0 };
		kv_err err = { "" };
		int rc = read_text(cases[k].text, cases[k].spec, got, 16, &n,
		    &l, &err);
		int exact_end = k == 11;	/* no hint after the first record */
		CHECK(rc != 0 && strstr(err.msg, cases[k].want) != NULL &&
		    (!exact_end || strcmp(strstr(err.msg, cases[k].want),
		    cases[k].want) == 0), "refused (%s): %s", cases[k].want,
		    err.msg);
	}
}

/* Binary streams take a column choice by position, not by name. */
static void
binary_columns(void)
{
	const char *p = write_stream(SEQ_BIN, SEQ_F64, 1);
	seqcols cols = { 0 };
	kv_err err = { "" };
	seq_reader *r;
	double x[DIM], var[DIM];
	size_t bad = 0, records = 0;

	seqcols_parse(&cols, "3,1", &err);
	r = seq_reader_open_columns(p, &cols, &err);
	CHECK(r != NULL && seq_reader_layout(r)->dim == 2 &&
	    seq_reader_layout(r)->has_var, "binary, columns 3,1: dim 2 with "
	    "variances (%s)", r ? "ok" : err.msg);
	while (r != NULL && seq_read(r, x, var, &err) == SEQ_RECORD &&
	    records < lens[0]) {
		const size_t c[2] = { 2, 0 };
		for (size_t i = 0; i < 2; i++) {
			double wx = value(0, records, c[i]);
			double wv = variance(0, records, c[i]);
			bad += !(isnan(wx) ? isnan(x[i]) : x[i] == wx);
			bad += !(isnan(wv) ? isnan(var[i]) : var[i] == wv);
		}
		records++;
	}
	CHECK(bad == 0 && records == lens[0], "binary, columns 3,1: %zu "
	    "records of the first sequence, %zu mismatches", records, bad);
	seq_reader_close(r);
	seqcols_free(&cols);
	seqcols_parse(&cols, "x", &err);
	r = seq_reader_open_columns(p, &cols, &err);
	CHECK(r == NULL && strstr(err.msg, "chosen by name, but the stream "
	    "has no header"), "binary, a name: %s", err.msg);
	seqcols_free(&cols);
	unlink(p);
}

/* The CSV writer quotes names that need it and names x<N> a column whose
 * name a header cannot carry; the header reads back. */
static void
writer_names(void)
{
	char *names[5] = { "a,b", "", "say \"hi\"", "2.5", " pad" };
	seq_layout l = { .dim = 5, .format = SEQ_CSV, .scalar = SEQ_F64,
	    .names = names };
	double x[5] = { 1, 2, 3, 4, 5 }, got[8];
	char buf[256] = "";
	kv_err err = { "" };
	FILE *fp = fmemopen(buf, sizeof buf, "w");
	seq_writer *w = seq_writer_open(fp, "out", &l, &err);
	const char *want = "\"a,b\",x2,\"say \"\"hi\"\"\",x4,\" pad\"\n"
	    "1,2,3,4,5\n";
	size_t n;
	seq_layout back;

	seq_write(w, x, NULL, &err);
	seq_writer_close(w, &err);
	fclose(fp);
	CHECK(strcmp(buf, want) == 0, "CSV header with awkward names: %.*s",
	    (int)strcspn(buf, "\n"), buf);
	CHECK(read_text(buf, NULL, got, 8, &n, &back, &err) == 0 &&
	    strcmp(err.msg, "a,b|x2|say \"hi\"|x4| pad") == 0 && n == 5,
	    "the header reads back: %s", err.msg);
}

/* A binary header with the names flag, dim 2, then `names` (n bytes, the
 * count given as `count`), then one record (1, 2) when `record`. */
static const char *
named_bin(uint32_t count, const char *names, size_t n, int record)
{
	static char path[64];
	unsigned char b[128];
	size_t len = 0;
	int fd;

	memcpy(b, SEQ_MAGIC, 8);
	b[8] = SEQ_VERSION;
	b[9] = 8;
	b[10] = SEQ_FLAG_NAMES;
	b[11] = 0;
	b[12] = 2;
	b[13] = b[14] = b[15] = 0;
	len = 16;
	for (int i = 0; i < 4; i++)
		b[len++] = (unsigned char)(count >> (8 * i));
	memcpy(b + len, names, n);
	len += n;
	if (record) {
		double v[2] = { 1, 2 };
		memcpy(b + len, v, sizeof v);	/* little-endian host */
		len += sizeof v;
	}
	strcpy(path, "/tmp/test_seq_bin.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, b, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

/* Binary column names: read, chosen by name, and each malformed case. */
static void
binary_names(void)
{
	static const struct {
		uint32_t count;
		const char *names;
		size_t n;
		int record;
		const char *want;	/* error, or NULL */
	} cases[] = {
		{ 5, "a\0bc", 5, 1, NULL },
		{ 3, "\0b", 3, 1, NULL },
		{ 4, "a\0b", 3, 0, "truncated column names (3 of 4 bytes)" },
		{ 1, "a", 1, 1, "column names of 1 bytes, expected 2" },
		{ 5, "a\0bc", 5, 1, NULL },
		{ 3, "abc", 3, 1, "do not end in a NUL byte" },
		{ 6, "a\0b\0c", 6, 1, "more than 2 column names" },
		{ 3, "ab", 3, 1, "1 column names for dim 2" },
		{ 0x7fffffff, "", 0, 0, "column names of 2147483647 bytes" },
	};

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const char *p = named_bin(cases[k].count, cases[k].names,
		    cases[k].n, cases[k].record);
		seqcols cols = { 0 };
		kv_err err = { "" };
		seq_reader *r;

		/* case 4 chooses a column by name */
		if (k == 4)
			seqcols_parse(&cols, "bc", &err);
		r = seq_reader_open_columns(p, k == 4 ? &cols : NULL, &err);
		if (cases[k].want != NULL) {
			CHECK(r == NULL && strstr(err.msg, cases[k].want),
			    "binary names case %zu refused (%s): %s", k,
			    cases[k].want, err.msg);
		} else {
			const seq_layout *l = r ? seq_reader_layout(r) : NULL;
			double x[2] = { 0, 0 };
			int ok = l != NULL && l->names != NULL &&
			    seq_read(r, x, NULL, &err) == SEQ_RECORD;
			if (ok && k == 4)
				ok = l->dim == 1 && strcmp(l->names[0], "bc") == 0
				    && x[0] == 2;
			else if (ok)
				ok = l->dim == 2 && strcmp(l->names[0],
				    cases[k].names) == 0 && strcmp(l->names[1],
				    cases[k].names + strlen(cases[k].names) + 1)
				    == 0 && x[0] == 1 && x[1] == 2;
			CHECK(ok, "binary names case %zu read (%s)", k,
			    r ? "ok" : err.msg);
		}
		seq_reader_close(r);
		seqcols_free(&cols);
		unlink(p);
	}
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
	csv_dialect();
	csv_dialect_errors();
	binary_columns();
	writer_names();
	binary_names();
	return check_done();
}
