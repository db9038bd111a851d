/* test_seq_load: every sequence of several streams in memory
 * (load.h): records end to end with their lengths, variances kept or
 * dropped, and malformed input refused with a message naming the file
 * and the place. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "stream/load.h"
#include "stream/seq.h"

static char dir[] = "/tmp/test_seq_load.XXXXXX";

/* dir/name, in one of a few rotating buffers. */
static const char *
path(const char *name)
{
	static char buf[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static const char *
write_text(const char *name, const char *text)
{
	const char *p = path(name);
	FILE *fp = fopen(p, "w");

	fputs(text, fp);
	fclose(fp);
	return p;
}

/* Replace the one float64 `from` in the file at p by `to`. */
static void
patch_double(const char *p, double from, double to)
{
	unsigned char buf[4096], a[8], b[8];
	FILE *fp = fopen(p, "r+b");
	size_t n = fread(buf, 1, sizeof buf, fp);

	memcpy(a, &from, 8);	/* little-endian, as the stream */
	memcpy(b, &to, 8);
	for (size_t i = 0; i + 8 <= n; i++)
		if (memcmp(buf + i, a, 8) == 0) {
			fseek(fp, (long)i, SEEK_SET);
			fwrite(b, 1, 8, fp);
			break;
		}
	fclose(fp);
}

/* A binary stream of dim 2 with variances: sequences of lengths T[0..n),
 * record t of sequence s = (10 s + t, -t), variances (t + 1, NaN). With
 * `inf_at` > 0 the value 1 of that record (1-based over the stream) is
 * +inf. */
static const char *
write_bin(const char *name, const size_t *T, size_t n, size_t inf_at)
{
	const char *p = path(name);
	seq_layout l = { .dim = 2, .has_var = 1, .format = SEQ_BIN,
	    .scalar = SEQ_F64 };
	FILE *fp = fopen(p, "wb");
	seq_writer *w = seq_writer_open(fp, p, &l, NULL);
	size_t k = 0;

	for (size_t s = 0; s < n; s++) {
		for (size_t t = 0; t < T[s]; t++) {
			double x[2] = { 10.0 * s + t, -(double)t };
			double v[2] = { t + 1.0, NAN };
			if (++k == inf_at)
				x[0] = 12345.5;	/* made +inf below: the
						   writer refuses inf */
			seq_write(w, x, v, NULL);
		}
		seq_write_break(w, NULL);
	}
	seq_writer_close(w, NULL);
	fclose(fp);
	if (inf_at > 0)
		patch_double(p, 12345.5, INFINITY);
	return p;
}

static int
same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* Load paths and expect failure with a message containing want. */
static void
refused(const char *what, const char *const *paths, size_t n,
	const char *want)
{
	seq_set s;
	kv_err err = { "" };
	int rc = seq_load_all(&s, paths, n, 0, &err);

	CHECK(rc == -1 && strstr(err.msg, want) != NULL && s.x == NULL &&
	    s.T == NULL && s.nseq == 0, "%s: refused with \"%s\" (got rc %d, "
	    "\"%s\")", what, want, rc, err.msg);
	seq_set_free(&s);
}

static void
test_good(void)
{
	static const size_t bin_T[] = { 3, 1 };
	const char *a = write_text("a.csv",
	    "# two sequences, one with a missing value\n"
	    "u,v\n1,2\n3,nan\n\n\n5,\n");
	const char *b = write_bin("b.bin", bin_T, 2, 0);
	const char *paths[] = { a, b };
	/* expected: a.csv (2 records), (1 record), b.bin (3), (1) */
	static const size_t want_T[] = { 2, 1, 3, 1 };
	static const double want_x[] = { 1, 2, 3, NAN, 5, NAN,
	    0, 0, 1, -1, 2, -2, 10, 0 };
	static const double want_var[] = { NAN, NAN, NAN, NAN, NAN, NAN,
	    1, NAN, 2, NAN, 3, NAN, 1, NAN };
	size_t off_ok = 1, x_ok = 1, var_ok = 1, worst = 0;
	seq_set s;
	kv_err err;
	int rc;

	rc = seq_load_all(&s, paths, 2, 0, &err);
	CHECK(rc == 0 && s.dim == 2 && s.nseq == 4 && s.N == 7,
	    "a CSV and a binary stream: dim %zu, %zu sequences, %zu records "
	    "(want 2, 4, 7)%s%s", s.dim, s.nseq, s.N, rc ? ": " : "",
	    rc ? err.msg : "");
	if (rc != 0)
		return;
	for (size_t i = 0, o = 0; i < s.nseq; o += s.T[i], i++)
		if (s.T[i] != want_T[i] || s.off[i] != o)
			off_ok = 0;
	CHECK(off_ok, "lengths 2,1,3,1 and offsets 0,2,3,6 (got %zu,%zu,%zu,"
	    "%zu)", s.T[0], s.T[1], s.T[2], s.T[3]);
	for (size_t i = 0; i < 14; i++)
		if (!same(s.x[i], want_x[i]) && x_ok) {
			x_ok = 0;
			worst = i;
		}
	CHECK(x_ok, "values end to end, NaN and empty fields missing: "
	    "14 compared exactly, first difference %s%zu: %g, want %g",
	    x_ok ? "none; shown " : "at ", worst, s.x[worst], want_x[worst]);
	CHECK(s.var == NULL, "variance columns dropped by default");
	seq_set_free(&s);

	rc = seq_load_all(&s, paths, 2, SEQ_LOAD_VARIANCES, &err);
	CHECK(rc == 0 && s.var != NULL, "with SEQ_LOAD_VARIANCES: loaded");
	if (rc == 0 && s.var != NULL) {
		worst = 0;
		for (size_t i = 0; i < 14; i++)
			if (!same(s.var[i], want_var[i]) && var_ok) {
				var_ok = 0;
				worst = i;
			}
		CHECK(var_ok, "variances kept, NaN for the stream without: "
		    "14 compared exactly, first difference %s%zu: %g, want %g",
		    var_ok ? "none; shown " : "at ", worst, s.var[worst],
		    want_var[worst]);
	}
	seq_set_free(&s);
	CHECK(s.x == NULL && s.T == NULL && s.nseq == 0,
	    "seq_set_free leaves an empty set");
}

static void
test_bad(void)
{
	static const size_t two[] = { 2, 2 };
	const char *a = write_text("a.csv", "1,2\n3,4\n");
	const char *wide = write_text("wide.csv", "1,2,3\n");
	const char *paths[2];
	char want[512];

	paths[0] = a;
	paths[1] = wide;
	snprintf(want, sizeof want, "%s: records have 3 values, %s had 2",
	    wide, a);
	refused("dims differ between files", paths, 2, want);

	paths[0] = write_text("seqdim.csv", "1,2\n3,4\n\n5,6,7\n");
	snprintf(want, sizeof want, "%s:4: 3 fields, expected 2", paths[0]);
	refused("dims differ between sequences of a CSV stream", paths, 1,
	    want);

	{	/* cat of two binary streams of dims 2 and 1 */
		const char *p = path("catdim.bin");
		seq_layout l = { .dim = 1, .format = SEQ_BIN, .scalar = SEQ_F32 };
		FILE *fp;
		seq_writer *w;
		double x = 1;
		write_bin("catdim.bin", two, 1, 0);
		fp = fopen(p, "ab");
		w = seq_writer_open(fp, p, &l, NULL);
		seq_write(w, &x, NULL, NULL);
		seq_writer_close(w, NULL);
		fclose(fp);
		paths[0] = p;
		snprintf(want, sizeof want, "%s: sequence 2: dim 1, the stream "
		    "began with dim 2 with variances", p);
		refused("dims differ between sequences of a binary stream",
		    paths, 1, want);
	}

	paths[0] = write_text("empty.csv", "");
	snprintf(want, sizeof want, "%s: empty stream: no records", paths[0]);
	refused("an empty stream", paths, 1, want);

	paths[0] = a;
	paths[1] = write_text("blank.csv", "# nothing\n\n\n");
	snprintf(want, sizeof want, "%s: empty stream: no records", paths[1]);
	refused("an empty stream after a good one", paths, 2, want);

	paths[0] = write_text("header.csv", "u,v\n");
	snprintf(want, sizeof want, "%s: no records after the header",
	    paths[0]);
	refused("a header without records", paths, 1, want);

	paths[0] = a;
	paths[1] = write_text("nan.csv", "1,2\n\n# c\n3,x\n");
	snprintf(want, sizeof want, "%s:4: field 2: 'x' is not a number",
	    paths[1]);
	refused("a non-number in the second file", paths, 2, want);

	paths[0] = write_text("inf.csv", "1,2\n3,-inf\n");
	snprintf(want, sizeof want, "%s:2: field 2: '-inf' is not finite",
	    paths[0]);
	refused("an infinite value (CSV)", paths, 1, want);

	paths[0] = write_bin("inf.bin", two, 2, 3);
	snprintf(want, sizeof want, "%s: record 3: value 1 is infinite",
	    paths[0]);
	refused("an infinite value (binary)", paths, 1, want);

	paths[0] = path("nosuch.csv");
	snprintf(want, sizeof want, "%s: No such file", paths[0]);
	refused("a missing file", paths, 1, want);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_good();
	test_bad();
	{
		static const char *const names[] = { "a.csv", "b.bin", "wide.csv",
		    "seqdim.csv", "catdim.bin", "empty.csv", "blank.csv",
		    "header.csv", "nan.csv", "inf.csv", "inf.bin" };
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			unlink(path(names[i]));
		rmdir(dir);
	}
	return check_done();
}
