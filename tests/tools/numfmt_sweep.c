/* numfmt_sweep: the long checks of lib/stream/numfmt, too slow for the
 * unit test (tests/unit/test_numfmt.c runs a sample of each).
 *
 *   numfmt_sweep --float32-all
 *   numfmt_sweep --float64 N [--seed S]
 *
 * --float32-all checks every one of the 2^32 float patterns: each
 * positive finite float's text reads back to it (strtod then rounded to
 * float, and strtof) and no text one digit shorter does (but where
 * numfmt.h says the old printf loop stops later); each negative one's
 * text is '-' and the positive one's; every NaN is "nan" and the
 * infinities "inf" and "-inf". --float64 checks the same of N random
 * doubles (random bit patterns, values near powers of ten, subnormals,
 * integers below 2^53, N(0,1) times 10^U(-3,3), a fifth each); the i-th
 * value depends only on S and i, so a run repeats whatever the threads.
 * The work is spread over the CPUs (OpenMP).
 *
 * Prints one TAP line per sweep with the counts and the time taken, and
 * the first values that fail; exits 1 on any failure, 2 on bad usage. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/numfmt_check.h"
#include "stream/numfmt.h"

#define MAX_SHOWN 20	/* failures printed in full */

static const char usage[] =
    "usage: numfmt_sweep --float32-all\n"
    "       numfmt_sweep --float64 N [--seed S]\n";

/* Counts per NC_ code, summed over the threads. */
struct tally {
	long count[NC_KINDS];
	long shown;
	char example[NC_KINDS][200];	/* the first of each kind */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Record a result of nc_check_*; failures are printed as they come. */
static void
record(struct tally *t, int r, const char *msg)
{
	#pragma omp atomic
	t->count[r]++;
	if (r == NC_OK)
		return;
	#pragma omp critical(numfmt_sweep_record)
	{
		if (t->example[r][0] == '\0')
			snprintf(t->example[r], sizeof t->example[r], "%s", msg);
		if (r >= NC_BAD_SHORT && t->shown++ < MAX_SHOWN)
			printf("# fails: %s\n", msg);
	}
}

static long
failures(const struct tally *t)
{
	long n = 0;

	for (int r = NC_BAD_SHORT; r < NC_KINDS; r++)
		n += t->count[r];
	return n;
}

/* The TAP line of a sweep; returns 1 when it failed. */
static int
report(const struct tally *t, const char *what, long n, double seconds)
{
	long bad = failures(t);

	printf("%sok 1 - %s: %ld values in %.0f s (%.0f ns a value); %ld "
	    "failures; exceptions as numfmt.h says: "
	    "%ld subnormals at the loop's first precision, %ld powers of two "
	    "one digit longer, %ld shorter texts that only one float reader "
	    "takes back\n", bad ? "not " : "", what, n, seconds,
	    seconds * 1e9 / (double)n, bad, t->count[NC_SUB_ROUNDED],
	    t->count[NC_POW2_LONGER], t->count[NC_ONE_READER]);
	for (int r = NC_SUB_ROUNDED; r < NC_KINDS; r++)
		if (t->example[r][0] != '\0')
			printf("# %s: %s\n", r < NC_BAD_SHORT ? "e.g." : "first",
			    t->example[r]);
	printf("1..1\n");
	return bad != 0;
}

/* A negative float's text: '-' and the positive one's. */
static int
check_negative(float v, const char *pos, char *msg, size_t size)
{
	char buf[NUMFMT_MAX];

	numfmt_float(buf, -v);
	if (buf[0] == '-' && strcmp(buf + 1, pos) == 0)
		return NC_OK;
	snprintf(msg, size, "float %a: '%s', and '%s' for %a", (double)-v,
	    buf, pos, (double)v);
	return NC_BAD_BACK;
}

/* An infinity's or NaN's text. */
static int
special(float v, char *msg, size_t size)
{
	char buf[NUMFMT_MAX];
	const char *want = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";

	numfmt_float(buf, v);
	if (strcmp(buf, want) == 0)
		return NC_OK;
	snprintf(msg, size, "float %a: '%s', not '%s'", (double)v, buf, want);
	return NC_BAD_BACK;
}

static int
float32_all(void)
{
	struct tally t = { 0 };
	double t0 = now();

	/* the positive half; each pattern's negative goes with it */
	#pragma omp parallel for schedule(dynamic, 1)
	for (uint32_t hi = 0; hi < 0x8000; hi++) {
		char msg[200], neg[200], pos[NUMFMT_MAX];
		for (uint32_t lo = 0; lo < 0x10000; lo++) {
			uint32_t u = hi << 16 | lo;
			float v;
			int r, rn;
			memcpy(&v, &u, sizeof v);
			if (isfinite(v)) {
				r = nc_check_float(v, msg, sizeof msg);
				numfmt_float(pos, v);
				rn = check_negative(v, pos, neg, sizeof neg);
			} else {
				r = special(v, msg, sizeof msg);
				rn = special(-v, neg, sizeof neg);
			}
			if (rn > r) {
				r = rn;
				strcpy(msg, neg);
			}
			record(&t, r, msg);
		}
	}
	return report(&t, "float32: all 2^32 patterns, as 2^31 with their "
	    "negatives", 1L << 31, now() - t0);
}

/* The i-th random double of a sweep seeded with seed. */
static double
nth_double(uint64_t seed, uint64_t i)
{
	/* four splitmix64 steps of its own per value */
	uint64_t s = seed * 0xd1b54a32d192ed03u + i * 4 * 0x9e3779b97f4a7c15u;
	uint64_t r[4];
	double v, u1, u2;

	for (int j = 0; j < 4; j++) {
		uint64_t z = (s += 0x9e3779b97f4a7c15u);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		r[j] = z ^ (z >> 31);
	}
	switch (i % 5) {
	case 0:		/* any finite bit pattern */
		memcpy(&v, &r[0], sizeof v);
		if (!isfinite(v))
			r[0] &= ~((uint64_t)1 << 62);	/* exponent < 0x7ff */
		memcpy(&v, &r[0], sizeof v);
		return v;
	case 1:		/* near a power of ten (pow may be a unit off) */
		v = pow(10, (double)(int)(r[0] % 632) - 323);
		r[1] = nc_double_bits(v) + r[1] % 17;
		if (r[1] < 8)
			return v;
		memcpy(&u1, &(uint64_t){ r[1] - 8 }, sizeof u1);
		return isfinite(u1) ? u1 : v;
	case 2:		/* subnormal */
		r[0] = (r[0] & ((uint64_t)1 << 63)) |
		    (((r[0] & (((uint64_t)1 << 52) - 1)) >> (r[1] % 52)) | 1);
		memcpy(&v, &r[0], sizeof v);
		return v;
	case 3:		/* integer below 2^53 */
		return (double)(r[0] >> (11 + r[1] % 53));
	default:	/* N(0,1) 10^U(-3,3), Box-Muller */
		u1 = ((double)(r[0] >> 11) + 1) / 9007199254740992.0;
		u2 = (double)(r[1] >> 11) / 9007199254740992.0;
		v = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
		return v * pow(10, (double)(r[2] % 6001) / 1000 - 3);
	}
}

static int
float64(long n, uint64_t seed)
{
	struct tally t = { 0 };
	char what[96];
	double t0 = now();

	#pragma omp parallel for schedule(dynamic, 65536)
	for (long i = 0; i < n; i++) {
		char msg[200];
		int r = nc_check_double(nth_double(seed, (uint64_t)i), msg,
		    sizeof msg);
		record(&t, r, msg);
	}
	snprintf(what, sizeof what, "float64: %ld random values, seed %llu",
	    n, (unsigned long long)seed);
	return report(&t, what, n, now() - t0);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "float32-all", no_argument, NULL, 'a' },
		{ "float64", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long n = -1;
	uint64_t seed = 1;
	int all = 0, c;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		case 'd':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n <= 0) {
				fprintf(stderr, "numfmt_sweep: --float64: '%s' is "
				    "not a positive count\n", optarg);
				return 2;
			}
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end != '\0' || *optarg == '\0') {
				fprintf(stderr, "numfmt_sweep: --seed: '%s' is "
				    "not a whole number\n", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc || all == (n > 0)) {
		fputs(usage, stderr);
		return 2;
	}
	return all ? float32_all() : float64(n, seed);
}
