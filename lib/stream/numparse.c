/* numparse.c: decimal text to double; see numparse.h.
 *
 * The text is read into w * 10^q, w the first 19 significant digits
 * (which fit in 64 bits), noting whether a nonzero digit was dropped
 * after them (longer mantissas are read a second time, digit by digit,
 * to find their first 19). Then, in order:
 *   - Clinger's path: w <= 2^53 and |q| <= 22 are both exact doubles, so
 *     one IEEE multiplication or division rounds w * 10^q correctly;
 *   - Eisel-Lemire (D. Lemire, "Number parsing at a gigabyte per second",
 *     Software: Practice and Experience 51(8), 2021): multiply w by a
 *     128-bit approximation of 5^q and read the double's 53 bits and the
 *     rounding bit off the top of the product. N. Mushtak and D. Lemire,
 *     "Fast number parsing without fallback" (2023), prove the 128-bit
 *     product always decides for every 64-bit w and q in the table's
 *     range, so there is no "cannot tell" case inside the algorithm;
 *   - when digits were dropped, the true value lies in [w, w + 1) * 10^q:
 *     if both ends round to the same double, so does the value;
 *   - anything else goes to strtod_l in the C locale.
 * Exact ties between two doubles need 5^|q| to divide w or to fit with
 * it in 64 bits; they are resolved to even inside the algorithm. */
#include "stream/numparse.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/numparse_table.h"

#define MAX_DIGITS	19	/* 10^19 - 1 and 10^19 fit in a uint64_t */
#define MAX_EXP		1000000	/* exponents from here on are left to strtod */

/* The C locale for the slow path, made once: strtod itself would follow
 * the process's locale (a decimal comma under de_DE, say). */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
make_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* strtod in the C locale, errno kept. Out of line: it is the rare case,
 * and keeping it apart keeps the fast path's registers free. */
static double __attribute__((noinline, cold))
slow(const char *s, char **end)
{
	int saved = errno;
	double v;

	pthread_once(&c_locale_once, make_c_locale);
	if (c_locale != (locale_t)0)
		v = strtod_l(s, end, c_locale);
	else
		v = strtod(s, end);	/* no locale object: the default is C */
	errno = saved;
	return v;
}

/* floor(q * log2(10)) for q in the table's range: 217706 / 2^16 is
 * log2(10) closely enough there (the generator checks every q).
 * The right shift of a negative number is arithmetic in gcc and clang,
 * which is the floor wanted. */
static inline int
floor_log2_pow10(int q)
{
	return (217706 * q) >> 16;
}

/* The bits of the double nearest w * 10^q (ties to even), for w != 0 and
 * q in [NUMPARSE_Q_MIN, NUMPARSE_Q_MAX]: the Eisel-Lemire algorithm. */
static uint64_t
eisel_lemire(uint64_t w, int q)
{
	const uint64_t *t = numparse_pow5[q - NUMPARSE_Q_MIN];
	unsigned __int128 prod;
	uint64_t hi, lo, m;
	int lz, upper, shift, e2;

	/* w with its top bit set, so the product's top bit is at 127 or 126
	 * and its top 64 bits hold at least 63 significant bits. */
	lz = __builtin_clzll(w);
	w <<= lz;
	prod = (unsigned __int128)w * t[0];
	hi = (uint64_t)(prod >> 64);
	lo = (uint64_t)prod;
	/* We need 55 bits of hi (53, the rounding bit, and one the product
	 * may lack at the top). The part of w * 5^q beyond t[0] adds less
	 * than 2^64 to (hi, lo): it can carry into those 55 bits only when
	 * the 9 bits of hi below them are all ones, so only then add it.
	 * hi cannot overflow: w * t[0] < 2^128 - 2^65. */
	if ((hi & 0x1ff) == 0x1ff) {
		uint64_t mid = (uint64_t)(((unsigned __int128)w * t[1]) >> 64);

		lo += mid;
		hi += lo < mid;
	}
	upper = (int)(hi >> 63);
	shift = upper + 9;
	m = hi >> shift;	/* 54 bits: the significand and a rounding bit */
	/* The biased exponent for m's top bit: hi * 2^(e + 1 - lz) is
	 * w * 10^q with e = floor(q log2 10), m's top bit is hi's bit
	 * 62 + upper, and the bias is 1023. */
	e2 = floor_log2_pow10(q) + 63 + upper - lz + 1023;
	if (e2 <= 0) {
		/* Subnormal, or zero: the significand has 1 - e2 fewer bits.
		 * No exact tie is possible this small (it would need 5^-q to
		 * divide w), so rounding half up is rounding to nearest. */
		if (1 - e2 >= 64)
			return 0;
		m >>= 1 - e2;
		m += m & 1;
		/* A carry to 2^52 is the smallest normal number, whose bits
		 * (exponent field 1, fraction 0) are the same integer. */
		return m >> 1;
	}
	/* An exact tie: the rounding bit is set, nothing below it is, and
	 * the significand is even; round down instead of up. Ties need
	 * q in [-4, 23] (5^q below 2^54, or 5^-q dividing a 64-bit w).
	 * There t is exact (q >= 0) or rounded up by less than a unit
	 * (q < 0), and the product of a tie exceeds it by less than the
	 * 2^64 that (hi, lo) drops, so lo is 0; the papers test lo <= 1,
	 * and so does this. */
	if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 &&
	    (m << shift) == hi)
		m &= ~(uint64_t)1;
	m += m & 1;
	m >>= 1;
	if (m >> 53) {		/* rounded up to the next power of two */
		m >>= 1;
		e2++;
	}
	if (e2 >= 0x7ff)
		return (uint64_t)0x7ff << 52;	/* infinity */
	return (uint64_t)e2 << 52 | (m & ~((uint64_t)1 << 52));
}

#if FLT_EVAL_METHOD == 0
/* The powers of ten that are exact doubles (5^22 < 2^53). */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
#endif

static inline int
is_digit(unsigned c)
{
	return c - '0' <= 9;
}

/* Append the run of digits at p to *w (w = 10 w + d each, wrapping: the
 * caller counts the digits and redoes runs too long for 64 bits) and
 * return its end. (Eight digits at a time, SWAR, measured no faster on
 * CSV-like numbers: mispredicted branches, not this chain of
 * multiplications, set the pace.) */
static inline const unsigned char *
take_digits(const unsigned char *p, uint64_t *w)
{
	uint64_t v = *w;

	for (; is_digit(*p); p++)
		v = v * 10 + (*p - '0');
	*w = v;
	return p;
}

/* The mantissa at p (after the sign and any leading zeros) when it has
 * more than MAX_DIGITS significant digits: its first MAX_DIGITS in *w,
 * whether any digit dropped after them is nonzero in *dropped, and the
 * power of ten that scales *w to the digits' value returned. */
static int64_t __attribute__((noinline))
long_mantissa(const unsigned char *p, uint64_t *w, unsigned *dropped)
{
	int64_t q = 0;
	int sig = 0;
	unsigned d;

	*w = 0;
	*dropped = 0;
	for (; (d = *p - (unsigned)'0') <= 9; p++)
		if (sig < MAX_DIGITS) {
			*w = *w * 10 + d;
			sig++;
		} else {
			q++;
			*dropped |= d;
		}
	if (*p != '.')
		return q;
	p++;
	if (sig == 0)
		for (; *p == '0'; p++)
			q--;
	for (; (d = *p - (unsigned)'0') <= 9; p++)
		if (sig < MAX_DIGITS) {
			*w = *w * 10 + d;
			sig++;
			q--;
		} else
			*dropped |= d;
	return q;
}

double
numparse_double(const char *s, char **end)
{
	const unsigned char *p = (const unsigned char *)s, *num, *run;
	uint64_t w = 0, bits;
	int64_t q = 0;		/* the value is w * 10^q (plus what dropped) */
	size_t nsig;		/* significant digits */
	unsigned dropped = 0;	/* nonzero when a nonzero digit was dropped */
	int neg = 0, point = 0;
	double v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	/* strtod reads "0x" as the start of a hex float */
	if (p[0] == '0' && (p[1] | 0x20) == 'x')
		return slow(s, end);

	/* Leading zeros say nothing; then the integer digits, and the
	 * fraction's, which each divide by ten. Before the first
	 * significant digit, the fraction's zeros only move the point. */
	num = p;
	while (*p == '0')
		p++;
	run = p;
	p = take_digits(p, &w);
	nsig = (size_t)(p - run);
	if (*p == '.') {
		p++;
		point = 1;
		if (nsig == 0) {
			run = p;
			while (*p == '0')
				p++;
			q -= p - run;
		}
		run = p;
		p = take_digits(p, &w);
		nsig += (size_t)(p - run);
		q -= p - run;
	}
	/* No digits: white space, inf, nan, a lone sign or point, or
	 * nothing at all; strtod knows which. */
	if (p - num == point)
		return slow(s, end);
	if (nsig > MAX_DIGITS) {
		while (*num == '0')
			num++;
		q = long_mantissa(num, &w, &dropped);
	}

	/* The exponent counts only with a digit after e and its sign. */
	if ((*p | 0x20) == 'e') {
		const unsigned char *e = p + 1;
		int eneg = 0;
		int64_t x = 0;
		unsigned d;

		if (*e == '-' || *e == '+')
			eneg = *e++ == '-';
		if (is_digit(*e)) {
			for (; (d = *e - (unsigned)'0') <= 9; e++) {
				x = x * 10 + d;
				if (x >= MAX_EXP)
					return slow(s, end);
			}
			q += eneg ? -x : x;
			p = e;
		}
	}

	if (w == 0) {
		v = 0;
		goto done;
	}
#if FLT_EVAL_METHOD == 0
	if (!dropped && w <= (uint64_t)1 << 53 && q >= -22 && q <= 22) {
		v = (double)w;
		v = q < 0 ? v / pow10_exact[-q] : v * pow10_exact[q];
		goto done;
	}
#endif
	if (q < NUMPARSE_Q_MIN || q > NUMPARSE_Q_MAX)
		return slow(s, end);
	bits = eisel_lemire(w, (int)q);
	if (dropped && eisel_lemire(w + 1, (int)q) != bits)
		return slow(s, end);
	memcpy(&v, &bits, sizeof v);
done:
	if (end != NULL)
		*end = (char *)p;
	return neg ? -v : v;
}
