/* test_numfmt: numfmt's text reads back to the same bits (strtod; for
 * floats strtof and strtod-then-float), no text one digit shorter does
 * (but where numfmt.h says so), and it is byte for byte the text of the
 * printf loop it replaces.
 *
 * The values are pseudo-random from a fixed seed, so a run repeats;
 * NUMFMT_SEED in the environment picks another (the seed is printed and a
 * failure names the value in %a).
 * tests/tools/numfmt_sweep.c runs the long sweeps (every float, hundreds
 * of millions of doubles). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "numfmt_check.h"
#include "stream/numfmt.h"

/* ---- the reference: the loop seq_format_number ran before numfmt ---- */

static int
old_format(char *buf, size_t size, double v, int is_float)
{
	int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17;
	int len = 0;

	if (isnan(v))
		return snprintf(buf, size, "nan");
	for (int prec = lo; prec <= hi; prec++) {
		double back;
		len = snprintf(buf, size, "%.*g", prec, v);
		back = strtod(buf, NULL);
		if (is_float ? (float)back == (float)v : back == v)
			break;
	}
	return len;
}

/* ---- random values ---- */

static uint64_t rng_state;

static uint64_t
rng(void)	/* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double
bits_double(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof v);
	return v;
}

static float
bits_float(uint32_t u)
{
	float v;

	memcpy(&v, &u, sizeof v);
	return v;
}

/* A double of each kind the checks draw (k below), finite. */
enum { ANY_BITS, NEAR_POW10, SUBNORMAL, INTEGER, TYPICAL, NKINDS };
static const char *const kind_name[NKINDS] = {
	"random bit patterns", "within 8 units of a power of ten",
	"subnormals", "integers below 2^53", "N(0,1) times 10^U(-3,3)",
};

static double
draw(int kind)
{
	double v, u1, u2;
	uint64_t r;

	switch (kind) {
	case ANY_BITS:
		do
			v = bits_double(rng());
		while (!isfinite(v));
		return v;
	case NEAR_POW10:	/* pow need not round correctly: "near" */
		v = pow(10, (double)(int)(rng() % 632) - 323);
		r = nc_double_bits(v) + rng() % 17;
		return r >= 8 && isfinite(bits_double(r - 8)) ?
		    bits_double(r - 8) : v;
	case SUBNORMAL:
		r = rng();
		r = (r & ((uint64_t)1 << 63)) |
		    ((r & (((uint64_t)1 << 52) - 1)) >> (rng() % 52));
		return bits_double(r | 1);
	case INTEGER:
		r = rng();
		return (double)(r >> (11 + rng() % 53));
	default:	/* Box-Muller */
		u1 = ((double)(rng() >> 11) + 1) / 9007199254740992.0;
		u2 = (double)(rng() >> 11) / 9007199254740992.0;
		v = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		return v * pow(10, (double)(rng() % 6001) / 1000 - 3);
	}
}

/* ---- the checks over many values ---- */

/* What one batch of values came to: a count per NC_ code and the first
 * message of each. */
struct tally {
	long n, count[NC_KINDS];
	char first[NC_KINDS][200];
};

static void
tally_double(struct tally *t, double v)
{
	char msg[200];
	int r = nc_check_double(v, msg, sizeof msg);

	t->n++;
	if (t->count[r]++ == 0 && r != NC_OK)
		strcpy(t->first[r], msg);
}

static void
tally_float(struct tally *t, float v)
{
	char msg[200];
	int r = nc_check_float(v, msg, sizeof msg);

	t->n++;
	if (t->count[r]++ == 0 && r != NC_OK)
		strcpy(t->first[r], msg);
}

/* The TAP lines of one batch. */
static void
report(const struct tally *t, const char *type, const char *what)
{
	int f = strcmp(type, "float") == 0;
	long bad = 0;

	for (int r = NC_BAD_SHORT; r < NC_KINDS; r++)
		bad += t->count[r];
	CHECK(bad - t->count[NC_BAD_SHORT] == 0, "%s, %s: %ld texts "
	    "NUL-ended within NUMFMT_MAX bytes, read back to the same bits "
	    "(%s)%s%s%s%s%s%s", type, what, t->n,
	    f ? "strtod then rounded to float, and strtof" : "strtod",
	    t->count[NC_BAD_LEN] ? "; " : "", t->first[NC_BAD_LEN],
	    t->count[NC_BAD_BACK] ? "; " : "", t->first[NC_BAD_BACK],
	    t->count[NC_BAD_STRTOF] ? "; " : "", t->first[NC_BAD_STRTOF]);
	CHECK(t->count[NC_BAD_SHORT] == 0, "%s, %s: no text one digit "
	    "shorter reads back%s, but in %ld subnormals at the loop's %s "
	    "digits and %ld powers of two one digit longer, as numfmt.h "
	    "says%s%s", type, what, f ? " with both readers" : "",
	    t->count[NC_SUB_ROUNDED], f ? "6" : "15",
	    t->count[NC_POW2_LONGER], t->count[NC_BAD_SHORT] ? "; " : "",
	    t->first[NC_BAD_SHORT]);
	if (t->count[NC_ONE_READER] > 0)
		printf("# %ld shorter texts only one reader takes back, e.g. "
		    "%s\n", t->count[NC_ONE_READER], t->first[NC_ONE_READER]);
}

/* The values whose text numfmt.h says differs from the old loop's: the
 * loop accepted the first, which strtof reads as the float below. The
 * full sweep (numfmt_sweep --float32-all against the loop, once) found
 * no other in all 2^32 floats, and there are none among doubles. */
static const struct {
	float v;
	const char *text, *old;
} documented[] = {
	{ 0x1.5c87fcp-84f, "7.0385313e-26", "7.038531e-26" },
	{ -0x1.5c87fcp-84f, "-7.0385313e-26", "-7.038531e-26" },
};

/* Against the old loop: count the values whose text differs, and print
 * the first few. */
static long old_compared, old_differ;
static char old_first[200];

static void
compare_old(double v, int is_float)
{
	char want[64], got[NUMFMT_MAX];

	old_format(want, sizeof want, v, is_float);
	if (is_float)
		numfmt_float(got, (float)v);
	else
		numfmt_double(got, v);
	old_compared++;
	for (size_t i = 0; is_float && i < sizeof documented /
	    sizeof documented[0]; i++)
		if ((float)v == documented[i].v)
			return;
	if (strcmp(want, got) != 0) {
		old_differ++;
		if (old_first[0] == '\0')
			snprintf(old_first, sizeof old_first, "%s %a: old "
			    "'%s', numfmt '%s'", is_float ? "float" : "double",
			    v, want, got);
		if (old_differ <= 20)
			printf("# differs: %s %a: old '%s', numfmt '%s'\n",
			    is_float ? "float" : "double", v, want, got);
	}
}

/* ---- the checks ---- */

/* Values whose text is known. */
static void
known(void)
{
	static const struct {
		double v;
		const char *text;
	} d[] = {
		{ 0.0, "0" }, { -0.0, "-0" }, { 1.0, "1" }, { -1.5, "-1.5" },
		{ 0.1, "0.1" }, { 1.0 / 3, "0.3333333333333333" },
		{ 2.0 / 3, "0.6666666666666666" }, { 100, "100" },
		{ 1e14, "100000000000000" }, { 1e15, "1e+15" },
		{ 123456789012345, "123456789012345" },
		{ 1234567890123456, "1234567890123456" },
		{ 12345678901234568.0, "12345678901234568" },
		{ 1e17, "1e+17" }, { 1e23, "1e+23" }, { 1e-4, "0.0001" },
		{ 1.5e-5, "1.5e-05" }, { 0.00012345, "0.00012345" },
		{ 9007199254740992.0, "9007199254740992" },
		{ 562949953421312.25, "562949953421312.2" },	/* tie: even */
		{ 5.9604644775390625e-08, "5.9604644775390625e-08" },	/* 2^-24 */
		{ DBL_MAX, "1.7976931348623157e+308" },
		{ -DBL_MAX, "-1.7976931348623157e+308" },
		{ DBL_MIN, "2.2250738585072014e-308" },
		{ DBL_TRUE_MIN, "4.94065645841247e-324" },
		{ 1e-300, "1e-300" }, { 1e100, "1e+100" },
		{ INFINITY, "inf" }, { -INFINITY, "-inf" }, { NAN, "nan" },
		{ -NAN, "nan" },
	};
	static const struct {
		float v;
		const char *text;
	} f[] = {
		{ 0.0f, "0" }, { -0.0f, "-0" }, { 0.1f, "0.1" },
		{ 1.0f / 3, "0.33333334" }, { 16777216.0f, "16777216" },
		{ 1e6f, "1e+06" }, { 1e7f, "1e+07" },
		{ 123456.0f, "123456" }, { 1234567.0f, "1234567" },
		{ 3e-5f, "3e-05" }, { FLT_MAX, "3.4028235e+38" },
		{ FLT_MIN, "1.1754944e-38" }, { FLT_TRUE_MIN, "1.4013e-45" },
		{ 0x1p-96f, "1.26217745e-29" },		/* 2^-96 */
		{ INFINITY, "inf" }, { -INFINITY, "-inf" }, { NAN, "nan" },
	};
	char buf[NUMFMT_MAX], old[64];
	int len;

	/* the wanted text is also the old loop's, or the table is wrong */
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
		len = numfmt_double(buf, d[i].v);
		old_format(old, sizeof old, d[i].v, 0);
		CHECK(strcmp(buf, d[i].text) == 0 && len == (int)strlen(buf) &&
		    strcmp(old, d[i].text) == 0, "double %a: '%s' (length %d), "
		    "want '%s' (the old loop's: '%s')", d[i].v, buf, len,
		    d[i].text, old);
	}
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		len = numfmt_float(buf, f[i].v);
		old_format(old, sizeof old, f[i].v, 1);
		CHECK(strcmp(buf, f[i].text) == 0 && len == (int)strlen(buf) &&
		    strcmp(old, f[i].text) == 0, "float %a: '%s' (length %d), "
		    "want '%s' (the old loop's: '%s')", (double)f[i].v, buf, len,
		    f[i].text, old);
	}
	/* NaN of any sign and payload */
	len = numfmt_double(buf, bits_double(0xfff0000000000001u));
	CHECK(strcmp(buf, "nan") == 0 && len == 3, "double NaN, sign set, "
	    "payload 1: '%s'", buf);
	len = numfmt_float(buf, bits_float(0xffbfffffu));
	CHECK(strcmp(buf, "nan") == 0 && len == 3, "float NaN, sign set, "
	    "signalling: '%s'", buf);
	for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++) {
		float v = documented[i].v;
		numfmt_float(buf, v);
		old_format(old, sizeof old, v, 1);
		CHECK(strcmp(buf, documented[i].text) == 0 &&
		    strcmp(old, documented[i].old) == 0 &&
		    strtof(buf, NULL) == v && (float)strtod(buf, NULL) == v &&
		    strtof(old, NULL) != v && (float)strtod(old, NULL) == v,
		    "float %a: '%s', not the old loop's '%s' (want '%s' and "
		    "'%s'): strtof reads that as %a, strtod then float as %a",
		    (double)v, buf, old, documented[i].text, documented[i].old,
		    (double)strtof(old, NULL), (double)(float)strtod(old, NULL));
	}
}

/* Floats: a stride through all 2^32 patterns from a random start, and
 * the edges: powers of two and of ten, the subnormals' ends, the
 * extremes, each with its neighbours. */
static void
floats(void)
{
	struct tally t = { 0 }, e = { 0 };
	const uint32_t stride = 16381;	/* odd: every low bit pattern */
	uint32_t start = (uint32_t)rng() % stride;
	char what[96];

	for (uint64_t u = start; u < (uint64_t)1 << 32; u += stride) {
		float v = bits_float((uint32_t)u);
		if (isfinite(v))
			tally_float(&t, v);
	}
	snprintf(what, sizeof what, "every %uth pattern from %u", stride,
	    start);
	report(&t, "float", what);

	for (int s = 0; s < 2; s++) {
		uint32_t sign = s ? 0x80000000u : 0;
		for (uint32_t b = 0; b < 0x7f800000u; b += 1u << 23)
			for (int d = -3; d <= 3; d++)	/* powers of two */
				if ((int64_t)b + d >= 0 &&
				    (int64_t)b + d < 0x7f800000)
					tally_float(&e, bits_float(sign |
					    (uint32_t)((int64_t)b + d)));
		for (uint32_t u = 1; u <= 64; u++) {	/* subnormal ends */
			tally_float(&e, bits_float(sign | u));
			tally_float(&e, bits_float(sign | (0x800000u - u)));
		}
		for (uint32_t u = 1; u < 0x800000u; u <<= 1)
			for (int d = -1; d <= 1; d++)
				tally_float(&e, bits_float(sign |
				    (uint32_t)((int64_t)u + d)));
		for (int p = -45; p <= 38; p++) {	/* powers of ten */
			char ten[16];
			uint32_t u;
			snprintf(ten, sizeof ten, "1e%d", p);
			u = nc_float_bits(strtof(ten, NULL));
			for (int d = -3; d <= 3; d++)
				if (isfinite(bits_float(u + (uint32_t)d)) &&
				    u + (uint32_t)d != 0)
					tally_float(&e, bits_float(sign |
					    (u + (uint32_t)d)));
		}
		tally_float(&e, s ? -FLT_MAX : FLT_MAX);
		tally_float(&e, s ? -FLT_MIN : FLT_MIN);
		tally_float(&e, s ? -FLT_TRUE_MIN : FLT_TRUE_MIN);
	}
	report(&e, "float", "powers of two and ten, subnormal ends, "
	    "extremes, and neighbours");
}

/* Doubles: random draws of each kind, then every power of two and its
 * neighbours, the extremes. */
static void
doubles(void)
{
	static const long count[NKINDS] = { 700000, 200000, 200000, 200000,
	    400000 };
	struct tally e = { 0 };
	char what[96];

	for (int k = 0; k < NKINDS; k++) {
		struct tally t = { 0 };
		for (long i = 0; i < count[k]; i++)
			tally_double(&t, draw(k));
		snprintf(what, sizeof what, "%s", kind_name[k]);
		report(&t, "double", what);
	}
	for (int s = 0; s < 2; s++) {
		uint64_t sign = s ? (uint64_t)1 << 63 : 0;
		for (uint64_t b = 0; b < 0x7ff0000000000000u;
		    b += (uint64_t)1 << 52)
			for (int d = -3; d <= 3; d++)
				if ((int64_t)b + d > 0 &&
				    (int64_t)b + d < 0x7ff0000000000000)
					tally_double(&e, bits_double(sign |
					    (uint64_t)((int64_t)b + d)));
		for (uint64_t u = 1; u < (uint64_t)1 << 52; u <<= 1)
			for (int d = -1; d <= 1; d++)
				tally_double(&e, bits_double(sign | (u + d)));
		for (uint64_t u = 1; u <= 64; u++)
			tally_double(&e, bits_double(sign |
			    ((((uint64_t)1 << 52)) - u)));
		tally_double(&e, s ? -DBL_MAX : DBL_MAX);
		tally_double(&e, s ? -DBL_MIN : DBL_MIN);
		tally_double(&e, s ? -DBL_TRUE_MIN : DBL_TRUE_MIN);
	}
	report(&e, "double", "powers of two, subnormal ends, extremes, and "
	    "neighbours");
}

/* Byte for byte against the old loop: every power of two (where the
 * interval is lopsided) with its neighbours, and a sample of the rest. */
static void
against_old(void)
{
	static const long count[NKINDS] = { 50000, 20000, 20000, 20000,
	    50000 };

	for (int k = 0; k < NKINDS; k++)
		for (long i = 0; i < count[k]; i++)
			compare_old(draw(k), 0);
	for (int e = -1074; e <= 1023; e++)
		for (int d = -1; d <= 1; d++) {
			double v = ldexp(1, e);
			compare_old(d < 0 ? nextafter(v, 0) : d > 0 ?
			    nextafter(v, INFINITY) : v, 0);
		}
	for (long i = 0; i < 40000; i++) {
		float v;
		do
			v = bits_float((uint32_t)rng());
		while (!isfinite(v));
		compare_old(v, 1);
	}
	for (int e = -149; e <= 127; e++)
		for (int d = -1; d <= 1; d++) {
			float v = ldexpf(1, e);
			compare_old(d < 0 ? nextafterf(v, 0) : d > 0 ?
			    nextafterf(v, INFINITY) : v, 1);
		}
	CHECK(old_differ == 0, "the old printf loop's text, byte for byte: "
	    "%ld of %ld values differ (every power of two with its "
	    "neighbours, random doubles of each kind, random floats)%s%s",
	    old_differ, old_compared, old_differ ? "; first: " : "",
	    old_first);
}

int
main(void)
{
	const char *s = getenv("NUMFMT_SEED");
	uint64_t seed = s != NULL ? strtoull(s, NULL, 0) : 20261204;

	rng_state = seed;
	printf("# seed %llu (NUMFMT_SEED=%llu repeats this run)\n",
	    (unsigned long long)seed, (unsigned long long)seed);
	known();
	floats();
	doubles();
	against_old();
	return check_done();
}
