/* numfmt_check.h: the checks of one numfmt text, shared by
 * tests/unit/test_numfmt.c and tests/tools/numfmt_sweep.c. Header-only,
 * all static: a text is NUL-ended within NUMFMT_MAX bytes, reads back to
 * the same bits, and no text one digit shorter reads back, except where
 * numfmt.h says the old printf loop (which numfmt reproduces) stops
 * later: subnormals at its first precision, and some powers of two.
 * Floats are read back both with strtof and with strtod then rounded to
 * float; a shorter text that only one of them takes back is noted. */
#ifndef KVAE_NUMFMT_CHECK_H
#define KVAE_NUMFMT_CHECK_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/numfmt.h"

/* What the checks of one value found, worst first. */
enum {
	NC_OK,
	NC_SUB_ROUNDED,	/* a subnormal at 15 (6) digits: the loop's start */
	NC_POW2_LONGER,	/* a power of two one digit over the shortest */
	NC_ONE_READER,	/* a float's shorter text only one reader takes */
	NC_BAD_SHORT,	/* a shorter text reads back: a failure */
	NC_BAD_STRTOF,	/* a float's text misread by strtof: a failure */
	NC_BAD_BACK,	/* the text reads back to another value */
	NC_BAD_LEN,	/* no NUL, or past NUMFMT_MAX, or the wrong length */
	NC_KINDS
};

static uint64_t __attribute__((unused))
nc_double_bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return u;
}

static uint32_t __attribute__((unused))
nc_float_bits(float v)
{
	uint32_t u;

	memcpy(&u, &v, sizeof u);
	return u;
}

/* The significant digits of a numfmt text into dig (NUL-ended, no
 * leading or trailing zeros) and the power of ten of the last one;
 * returns how many. */
static int
nc_digits(const char *t, char *dig, int *exp_last)
{
	const char *p = t;
	int n = 0, after = 0, point = 0;

	if (*p == '-')
		p++;
	for (; *p != '\0' && *p != 'e'; p++) {
		if (*p == '.') {
			point = 1;
			continue;
		}
		if (point)
			after++;
		if (n > 0 || *p != '0')
			dig[n++] = *p;
	}
	*exp_last = (*p == 'e' ? atoi(p + 1) : 0) - after;
	while (n > 1 && dig[n - 1] == '0') {
		n--;
		(*exp_last)++;
	}
	dig[n] = '\0';
	return n;
}

/* The numbers of n - 1 digits either side of the text's value: its
 * digits less the last, and that plus one in its last place. The value
 * lies strictly between them (its last digit is not 0, and it is within
 * half a unit of that digit of v), so when neither reads back to v no
 * shorter text does. */
static void
nc_shorter(const char *dig, int n, int exp_last, int neg, char *down,
	char *up)
{
	char d[32];
	int i;

	memcpy(d, dig, (size_t)n - 1);
	d[n - 1] = '\0';
	sprintf(down, "%s%se%d", neg ? "-" : "", d, exp_last + 1);
	for (i = n - 2; i >= 0 && d[i] == '9'; i--)
		d[i] = '0';
	if (i < 0) {
		memmove(d + 1, d, (size_t)n);
		d[0] = '1';
	} else
		d[i]++;
	sprintf(up, "%s%se%d", neg ? "-" : "", d, exp_last + 1);
}

/* Whether numfmt's text for a value is laid out within its bounds;
 * otherwise says so in msg. */
static int
nc_length_ok(const char *buf, int len, const char *name, double v,
	char *msg, size_t size)
{
	if (len >= 0 && len < NUMFMT_MAX && buf[len] == '\0' &&
	    (int)strlen(buf) == len)
		return 1;
	snprintf(msg, size, "%s %a: length %d, text '%.*s'", name, v, len,
	    NUMFMT_MAX, buf);
	return 0;
}

/* Check numfmt_double(v), v finite; an NC_ code, with a message in msg
 * for a failure or an exception. */
static int __attribute__((unused))
nc_check_double(double v, char *msg, size_t size)
{
	char buf[NUMFMT_MAX + 8], dig[32], down[48], up[48];
	uint64_t u = nc_double_bits(v);
	int len, n, e, down_back, up_back;

	memset(buf, 'x', sizeof buf);
	len = numfmt_double(buf, v);
	if (!nc_length_ok(buf, len, "double", v, msg, size))
		return NC_BAD_LEN;
	if (nc_double_bits(strtod(buf, NULL)) != u) {
		snprintf(msg, size, "double %a: '%s' reads back as %a", v, buf,
		    strtod(buf, NULL));
		return NC_BAD_BACK;
	}
	n = nc_digits(buf, dig, &e);
	if (n < 2)
		return NC_OK;
	nc_shorter(dig, n, e, v < 0, down, up);
	down_back = strtod(down, NULL) == v;
	up_back = strtod(up, NULL) == v;
	if (!down_back && !up_back)
		return NC_OK;
	snprintf(msg, size, "double %a: '%s', but '%s' reads back too", v,
	    buf, down_back ? down : up);
	if (fabs(v) < DBL_MIN && n <= 15)
		return NC_SUB_ROUNDED;
	/* the interval reaches twice as far up as down: the nearest
	 * 16 digits fell below it, those above v are in */
	if ((u & (((uint64_t)1 << 52) - 1)) == 0 && n == 17 && up_back &&
	    !down_back)
		return NC_POW2_LONGER;
	return NC_BAD_SHORT;
}

/* Whether both readers take text back to the float v: strtof, and
 * strtod then rounded to float (how kvae-tools reads float streams from
 * CSV); 1 when only one does. */
static int
nc_float_back(const char *text, float v)
{
	int a = (float)strtod(text, NULL) == v, b = strtof(text, NULL) == v;

	return a && b ? 2 : a || b;
}

/* The same for a float: the text must read back with both readers; a
 * shorter text counts when both read it back. */
static int __attribute__((unused))
nc_check_float(float v, char *msg, size_t size)
{
	char buf[NUMFMT_MAX + 8], dig[32], down[48], up[48];
	uint32_t u = nc_float_bits(v);
	int len, n, e, down_back, up_back;

	memset(buf, 'x', sizeof buf);
	len = numfmt_float(buf, v);
	if (!nc_length_ok(buf, len, "float", v, msg, size))
		return NC_BAD_LEN;
	if (nc_float_bits((float)strtod(buf, NULL)) != u) {
		snprintf(msg, size, "float %a: '%s' reads back (strtod) as %a",
		    (double)v, buf, (double)(float)strtod(buf, NULL));
		return NC_BAD_BACK;
	}
	if (nc_float_bits(strtof(buf, NULL)) != u) {
		snprintf(msg, size, "float %a: '%s' reads back (strtof) as %a",
		    (double)v, buf, (double)strtof(buf, NULL));
		return NC_BAD_STRTOF;
	}
	n = nc_digits(buf, dig, &e);
	if (n < 2)
		return NC_OK;
	nc_shorter(dig, n, e, v < 0, down, up);
	down_back = nc_float_back(down, v);
	up_back = nc_float_back(up, v);
	if (down_back + up_back == 0)
		return NC_OK;
	if (down_back < 2 && up_back < 2) {
		snprintf(msg, size, "float %a: '%s'; '%s' reads back with "
		    "%s only", (double)v, buf, down_back ? down : up,
		    (float)strtod(down_back ? down : up, NULL) == v ?
		    "strtod" : "strtof");
		return NC_ONE_READER;
	}
	down_back = down_back == 2;
	up_back = up_back == 2;
	snprintf(msg, size, "float %a: '%s', but '%s' reads back too",
	    (double)v, buf, down_back ? down : up);
	if (fabsf(v) < FLT_MIN && n <= 6)
		return NC_SUB_ROUNDED;
	if ((u & ((1u << 23) - 1)) == 0 && n > 6 && up_back && !down_back)
		return NC_POW2_LONGER;
	return NC_BAD_SHORT;
}

#endif
