/* test_cli: option-argument parsers and the record chooser. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/cli.h"
#include "stream/select.h"

static void
ranges(void)
{
	static const struct {
		const char *arg;
		size_t n, lo, hi;
	} cases[] = {
		{ "10:60", 100, 10, 60 }, { "10:60", 30, 10, 30 },
		{ ":5", 3, 0, 3 }, { "-20:", 100, 80, 100 },
		{ ":-1", 10, 0, 9 }, { "5:2", 10, 5, 5 }, { ":", 7, 0, 7 },
		{ "-100:-50", 10, 0, 0 },
	};
	kv_err err;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		optarg_range r;
		size_t lo, hi;
		int rc = optarg_range_parse("--range", cases[i].arg, &r, &err);
		optarg_range_resolve(&r, cases[i].n, &lo, &hi);
		CHECK(rc == 0 && lo == cases[i].lo && hi == cases[i].hi,
		    "range '%s' of %zu records is [%zu, %zu), want [%zu, %zu)",
		    cases[i].arg, cases[i].n, lo, hi, cases[i].lo, cases[i].hi);
	}
	for (const char **bad = (const char *[]){ "5", "1:2:3", "a:b", "1.5:",
	    " 1:2", NULL }; *bad; bad++) {
		optarg_range r;
		CHECK(optarg_range_parse("--range", *bad, &r, &err) != 0 &&
		    strstr(err.msg, "--range") != NULL, "range '%s' refused: %s",
		    *bad, err.msg);
	}
}

static void
range_lists(void)
{
	optarg_range *r = NULL;
	size_t n = 0, lo, hi;
	kv_err err;
	int rc = optarg_range_list_parse("--drop", "12,40:45,-3:,-1", &r, &n,
	    &err);

	CHECK(rc == 0 && n == 4, "range list: 4 items (rc %d, n %zu)", rc, n);
	if (rc == 0 && n == 4) {
		size_t want[4][2] = { { 12, 13 }, { 40, 45 }, { 97, 100 },
		    { 99, 100 } };
		for (size_t i = 0; i < 4; i++) {
			optarg_range_resolve(&r[i], 100, &lo, &hi);
			CHECK(lo == want[i][0] && hi == want[i][1], "item %zu of "
			    "100 records is [%zu, %zu), want [%zu, %zu)", i, lo,
			    hi, want[i][0], want[i][1]);
		}
	}
	free(r);
	for (const char **bad = (const char *[]){ "", ",", "1,", ",1", "1,,2",
	    "x", "1:2:3", " 1", NULL }; *bad; bad++) {
		rc = optarg_range_list_parse("--drop", *bad, &r, &n, &err);
		CHECK(rc != 0 && r == NULL && n == 0 &&
		    strstr(err.msg, "--drop") != NULL, "range list '%s' refused: "
		    "%s", *bad, err.msg);
	}
}

static void
columns(void)
{
	size_t *cols = NULL, n = 0;
	kv_err err;
	int rc = optarg_columns("--columns", "3,1-2,5", 10, &cols, &n, &err);

	CHECK(rc == 0 && n == 4 && cols[0] == 2 && cols[1] == 0 &&
	    cols[2] == 1 && cols[3] == 4, "columns '3,1-2,5' -> 2,0,1,4 "
	    "(0-based)");
	free(cols);
	for (const char **bad = (const char *[]){ "", "0", "2-1", "1,,2", "1-",
	    "11", "x", "1 ,2", NULL }; *bad; bad++)
		CHECK(optarg_columns("--columns", *bad, 10, &cols, &n, &err)
		    != 0, "columns '%s' refused: %s", *bad, err.msg);
}

static void
numbers(void)
{
	long long i;
	double d;
	kv_err err;

	CHECK(optarg_int("--n", "42", 0, 100, &i, &err) == 0 && i == 42,
	    "int '42'");
	CHECK(optarg_int("--n", "101", 0, 100, &i, &err) != 0, "int '101' "
	    "out of [0, 100]: %s", err.msg);
	CHECK(optarg_int("--n", "4x", 0, 100, &i, &err) != 0, "int '4x': %s",
	    err.msg);
	CHECK(optarg_int("--n", "99999999999999999999", 0, 1LL << 62, &i,
	    &err) != 0, "int overflow refused: %s", err.msg);
	CHECK(optarg_double("--p", "0.25", 0, 1, &d, &err) == 0 && d == 0.25,
	    "double '0.25'");
	CHECK(optarg_double("--p", "nan", 0, 1, &d, &err) != 0, "double 'nan' "
	    "refused: %s", err.msg);
	CHECK(optarg_double("--p", "1.5", 0, 1, &d, &err) != 0, "double '1.5' "
	    "out of [0, 1]: %s", err.msg);
	for (const char **v = (const char *[]){ "inf", "-inf", "1e400",
	    "-1e999", NULL }; *v; v++)
		CHECK(optarg_double("--q", *v, -1e308, 1e308, &d, &err) != 0 &&
		    strstr(err.msg, "is not a finite number") != NULL,
		    "double '%s' refused where the bounds are finite: %s", *v,
		    err.msg);
	CHECK(optarg_double("--q", "inf", 0, INFINITY, &d, &err) == 0 &&
	    isinf(d), "double 'inf' taken where the bound is inf");
}

/* --keep-every / --drop-last / --head / --tail on a sequence of 10. */
static void
chooser(void)
{
	seqsel s = { .keep_every = 3 };
	char got[16];
	size_t n = 10;

	for (size_t i = 0; i < n; i++)
		got[i] = "sKm"[seqsel_decide(&s, i, SEQSEL_UNKNOWN)];
	got[n] = '\0';
	CHECK(strcmp(got, "KmmKmmKmmK") == 0, "keep-every 3: %s", got);
	s = (seqsel){ .drop_last = 2, .head = 6 };
	for (size_t i = 0; i < n; i++)
		got[i] = "sKm"[seqsel_decide(&s, i, n)];
	CHECK(strcmp(got, "KKKKmmssss") == 0, "head 6, drop-last 2: %s", got);
	s = (seqsel){ .tail = 4, .keep_every = 2 };
	optarg_range_parse("--range", "1:-1", &s.range, NULL);
	for (size_t i = 0; i < n; i++)
		got[i] = "sKm"[seqsel_decide(&s, i, n)];
	CHECK(strcmp(got, "sssssKmKms") == 0, "range 1:-1, tail 4, keep-every "
	    "2: %s", got);
	CHECK(seqsel_needs_length(&s) && !seqsel_needs_length(&(seqsel){
	    .keep_every = 2, .head = 3 }), "needs the length only for tail, "
	    "drop-last, negative range ends");
}

int
main(void)
{
	ranges();
	range_lists();
	columns();
	numbers();
	chooser();
	return check_done();
}
