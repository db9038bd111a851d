/* numfmt.c: doubles and floats to decimal text; see numfmt.h.
 *
 * The digits are found the Schubfach way (R. Giulietti, "The Schubfach
 * way to render doubles", 2020): a positive number v = c 2^q, with c
 * brought to 53 bits, and the ends of the interval of numbers that read
 * back to it, c -+ half a unit, are multiplied by 10^-k for the k that
 * puts v * 10^-k in [10^16, 10^18). One 64 x 128-bit product each gives
 * the floor of the result, exactly, and whether it is an integer
 * ("round to odd"; tests/tools/gen_numfmt_table.py checks that the
 * table's precision always decides). That is all it takes to round v to
 * P significant digits as printf does, for each P the old printf loop
 * tried (numfmt.h), and to see whether the rounded number lies inside
 * the interval, i.e. reads back to v, without a strtod.
 *
 * Both kinds go through the same code: a float is a double with a wider
 * interval. In units of 2^(q-2), v is 4c and its interval runs from
 * 4c - lo to 4c + hi, ends included unless `open`; the quarter units
 * keep both the halfway points and the asymmetric interval of a power
 * of two integers. */
#include "stream/numfmt.h"

#include <stdint.h>
#include <string.h>

#include "stream/numfmt_table.h"

/* v = c 2^q with 2^52 <= c < 2^53, and the interval that reads back to
 * it: (4c - lo, 4c + hi) in units of 2^(q-2), or [4c - lo, 4c + hi]. */
struct binary {
	uint64_t c;
	int q;
	uint64_t lo, hi;
	int open;
};

/* v rounded to p significant digits: digits * 10^exp10 (digits may be
 * 10^p when rounding carried). */
struct decimal {
	uint64_t digits;
	int exp10;
	int p;
};

static const uint64_t powers_of_ten[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000,
};

/* ro(m 2^q 10^-k), i.e. four times m quarter units, times 10^-k: the
 * floor, with its lowest bit set when the product is not an integer.
 * Passed M = m << h and g = the table's 10^-k, it is the top 64 of the
 * 192 bits of M * g, and the bit says whether the low 128 are M or more. g is rounded up by less than one unit, so
 * the product is over by less than M / 2^128; a true integer shows as
 * low 128 bits below M, and the generator checks that no true fraction
 * comes that close to an integer. */
static inline uint64_t
round_odd(const uint64_t g[2], uint64_t M)
{
	unsigned __int128 lo = (unsigned __int128)M * g[1];
	unsigned __int128 hi = (unsigned __int128)M * g[0];
	unsigned __int128 mid = (lo >> 64) + (uint64_t)hi;
	uint64_t top = (uint64_t)(hi >> 64) + (uint64_t)(mid >> 64);

	return top | ((uint64_t)mid != 0 || (uint64_t)lo >= M);
}

/* vb = ro(4 v 10^-k) rounded to s's leading digits (s = vb / 4, `div`
 * = 10^(digits of s - p)), ties to even, as a multiple of div (in units
 * of 10^k). vb's low two bits say where the fraction f of v 10^-k lies
 * (0: f = 0, 1: below 1/2, 2: 1/2 exactly, 3: above), so comparing
 * 4 (r + f) with 2 div is exact. */
static inline uint64_t
round_digits(uint64_t vb, uint64_t div)
{
	uint64_t a = (vb >> 2) / div;
	uint64_t rem4 = vb - 4 * a * div;	/* ro(4 (r + f)) */

	if (rem4 > 2 * div || (rem4 == 2 * div && (a & 1)))
		a++;
	return a * div;
}

/* The first p in [pmin, pmax] for which v rounded to p digits lies in
 * the interval (pmax unconditionally: the caller's pmax always reads
 * back). nd is the number of digits of vb / 4 (17 or 18), a constant
 * where this is inlined, so that the divisions are by constants. */
static inline __attribute__((always_inline)) struct decimal
first_fit(uint64_t vb, uint64_t vbl, uint64_t vbr, int open, int k,
	int nd, int pmin, int pmax)
{
	struct decimal d;
	uint64_t t = 0;
	int p;

	/* unrolled, so that every 10^(nd - p) is a constant */
	#pragma GCC unroll 4
	for (p = pmin; p <= pmax; p++) {
		t = round_digits(vb, powers_of_ten[nd - p]);
		/* in the interval: with L the lower end in units of 10^k
		 * and vbl = ro(4L), L < t iff vbl + 1 <= 4t and L <= t iff
		 * vbl <= 4t (when 4L is not an integer vbl is odd, 4t even);
		 * the same at the upper end */
		if (p == pmax || (vbl + (uint64_t)open <= 4 * t &&
		    4 * t + (uint64_t)open <= vbr))
			break;
	}
	d.digits = t / powers_of_ten[nd - p];
	d.exp10 = k + nd - p;
	d.p = p;
	return d;
}

/* v rounded to the fewest digits in [pmin, pmax] that land inside its
 * interval. */
static inline __attribute__((always_inline)) struct decimal
to_decimal(const struct binary *b, int pmin, int pmax)
{
	/* k = floor(q log10 2) - 1 and e = floor(log2 10^-k), by integer
	 * formulas the generator checks over the whole range (>> of a
	 * negative int is arithmetic with gcc and clang) */
	int k = (b->q * 78913 >> 18) - 1;
	int h = b->q + 1 + (-k * 1741647 >> 19);
	const uint64_t *g = numfmt_pow10[k - NUMFMT_K_MIN];
	uint64_t vb = round_odd(g, 4 * b->c << h);
	uint64_t vbl = round_odd(g, (4 * b->c - b->lo) << h);
	uint64_t vbr = round_odd(g, (4 * b->c + b->hi) << h);

	/* v 10^-k = c 2^q 10^-k is in [10, 100) c, with 17 or 18 digits */
	if ((vb >> 2) >= powers_of_ten[17])
		return first_fit(vb, vbl, vbr, b->open, k, 18, pmin, pmax);
	return first_fit(vb, vbl, vbr, b->open, k, 17, pmin, pmax);
}

static const char pairs[] =
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

/* The digits of x (> 0) before end, at most 20 of them; returns where
 * they start. Eight at a time in 32 bits, two at a time from a table:
 * the divisions become short multiplications. */
static char *
put_digits(char *end, uint64_t x)
{
	char *p = end;
	uint32_t y;

	while (x >= 100000000) {
		y = (uint32_t)(x % 100000000);
		x /= 100000000;
		for (int i = 0; i < 4; i++) {
			p -= 2;
			memcpy(p, pairs + y % 100 * 2, 2);
			y /= 100;
		}
	}
	y = (uint32_t)x;
	while (y >= 100) {
		p -= 2;
		memcpy(p, pairs + y % 100 * 2, 2);
		y /= 100;
	}
	if (y >= 10) {
		p -= 2;
		memcpy(p, pairs + y * 2, 2);
	} else
		*--p = (char)('0' + y);
	return p;
}

/* Lay d out as printf's %.{d.p}g does, after `neg` signs; NUL-ended.
 * Returns the length. */
static int
layout(char *buf, int neg, struct decimal d)
{
	char tmp[20], *dig, *p = buf;
	uint64_t x = d.digits;
	int e = d.exp10, n, x10;

	while (x % 10 == 0) {	/* %g drops trailing zeros */
		x /= 10;
		e++;
	}
	dig = put_digits(tmp + sizeof tmp, x);
	n = (int)(tmp + sizeof tmp - dig);
	x10 = e + n - 1;	/* the decimal exponent of the leading digit */
	if (neg)
		*p++ = '-';
	if (x10 < -4 || x10 >= d.p) {
		*p++ = dig[0];
		if (n > 1) {
			*p++ = '.';
			memcpy(p, dig + 1, (size_t)n - 1);
			p += n - 1;
		}
		*p++ = 'e';
		*p++ = x10 < 0 ? '-' : '+';
		if (x10 < 0)
			x10 = -x10;
		if (x10 >= 100)
			*p++ = (char)('0' + x10 / 100);
		*p++ = (char)('0' + x10 / 10 % 10);
		*p++ = (char)('0' + x10 % 10);
	} else if (x10 < 0) {
		*p++ = '0';
		*p++ = '.';
		memset(p, '0', (size_t)(-x10 - 1));
		p += -x10 - 1;
		memcpy(p, dig, (size_t)n);
		p += n;
	} else if (n <= x10 + 1) {
		memcpy(p, dig, (size_t)n);
		p += n;
		memset(p, '0', (size_t)(x10 + 1 - n));
		p += x10 + 1 - n;
	} else {
		memcpy(p, dig, (size_t)x10 + 1);
		p += x10 + 1;
		*p++ = '.';
		memcpy(p, dig + x10 + 1, (size_t)(n - x10 - 1));
		p += n - x10 - 1;
	}
	*p = '\0';
	return (int)(p - buf);
}

/* Zeros, infinities and NaN; -1 when v is a finite non-zero number. */
static int
special(char *buf, int neg, int finite, int zero, int nan)
{
	const char *s;

	if (nan)
		s = "nan";
	else if (!finite)
		s = neg ? "-inf" : "inf";
	else if (zero)
		s = neg ? "-0" : "0";
	else
		return -1;
	strcpy(buf, s);
	return (int)strlen(s);
}

int
numfmt_double(char *buf, double v)
{
	uint64_t bits, frac;
	int bexp, neg, t, len;
	struct binary b;

	memcpy(&bits, &v, sizeof bits);
	neg = (int)(bits >> 63);
	bexp = (int)(bits >> 52 & 0x7ff);
	frac = bits & (((uint64_t)1 << 52) - 1);
	len = special(buf, neg, bexp != 0x7ff, bexp == 0 && frac == 0,
	    bexp == 0x7ff && frac != 0);
	if (len >= 0)
		return len;
	if (bexp != 0) {
		b.c = frac | (uint64_t)1 << 52;
		b.q = bexp - 1075;
		t = 0;
	} else {	/* subnormal: shift c up, the interval stays as wide */
		t = __builtin_clzll(frac) - 11;
		b.c = frac << t;
		b.q = -1074 - t;
	}
	/* half a unit either side, in quarter units; a power of two's
	 * lower neighbour is half as far */
	b.hi = (uint64_t)2 << t;
	b.lo = frac == 0 && bexp > 1 ? 1 : b.hi;
	/* strtod breaks a tie to the even neighbour */
	b.open = (int)(b.c >> t & 1);
	return layout(buf, neg, to_decimal(&b, 15, 17));
}

int
numfmt_float(char *buf, float v)
{
	uint32_t bits, frac;
	uint64_t c;
	int bexp, neg, t, len;
	struct binary b;

	memcpy(&bits, &v, sizeof bits);
	neg = (int)(bits >> 31);
	bexp = (int)(bits >> 23 & 0xff);
	frac = bits & ((1u << 23) - 1);
	len = special(buf, neg, bexp != 0xff, bexp == 0 && frac == 0,
	    bexp == 0xff && frac != 0);
	if (len >= 0)
		return len;
	c = bexp != 0 ? frac | 1u << 23 : frac;
	t = __builtin_clzll(c) - 11;
	b.c = c << t;
	b.q = (bexp != 0 ? bexp - 150 : -149) - t;
	/* The float's half units either side, in quarter units of the
	 * double form. */
	b.hi = (uint64_t)2 << t;
	b.lo = frac == 0 && bexp > 1 ? (uint64_t)1 << t : b.hi;
	b.open = (int)(c & 1);
	/* The text must read back both with strtof and as kvae-tools reads
	 * float streams from CSV: strtod, then rounded to float. In the
	 * second a number within half a double unit of an end rounds to
	 * the end itself, an exact tie, which goes to the even float: the
	 * interval is as wide (to within half a double unit) but grows when
	 * it is closed and shrinks when open. So an open interval shrinks
	 * by half a double unit at each end, to what both readers take; a
	 * closed one stays. A double unit is 4 quarter units in v's binade
	 * and 2 in the one below, where the lower end of a power of two
	 * lies. (The old loop checked with the second reader alone, so it
	 * let the closed intervals grow: see numfmt.h.) */
	if (b.open) {
		b.lo -= 4 * b.c - b.lo >= (uint64_t)1 << 54 ? 2 : 1;
		b.hi -= 2;
	}
	return layout(buf, neg, to_decimal(&b, 6, 9));
}
