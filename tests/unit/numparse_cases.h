/* numparse_cases.h: texts for comparing numparse_double with strtod, by
 * kind, each made from a 64-bit random state, and the comparison itself.
 * Shared by tests/unit/test_numparse.c (a sample, in make check) and
 * tests/tools/numparse_sweep.c (hundreds of millions). Header-only, as
 * check.h. */
#ifndef KVAE_NUMPARSE_CASES_H
#define KVAE_NUMPARSE_CASES_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/numparse.h"

/* Room for any text made here: an exact tie in the subnormal range and
 * its long double neighbours need about 820 significant digits. */
#define NPC_BUFSIZE 1200
#define NPC_EXACT_DIGITS 900	/* %.*Le precision that prints them exactly */

enum npc_kind {
	NPC_G17,	/* random doubles as %.17g (all magnitudes, and near 1) */
	NPC_G16,	/* ... as %.16g */
	NPC_G15,	/* ... as %.15g */
	NPC_E20,	/* ... as %.20e */
	NPC_E30,	/* ... as %.30e */
	NPC_NORMAL,	/* N(0,1) doubles, shortest round-trip text */
	NPC_FLOAT,	/* N(0,1) floats, shortest round-trip text */
	NPC_INT,	/* small integers, signs, leading zeros */
	NPC_TINY,	/* subnormals and the doubles just above DBL_MIN */
	NPC_DIGITS,	/* 1-25 random digits, a point, exponent in [-350, 350] */
	NPC_LONG,	/* 50-800 digits, some with long runs of 0 or 9 */
	NPC_HALFWAY,	/* ties between adjacent doubles written out exactly,
			 * a unit in a further decimal place either side, and
			 * the long doubles either side */
	NPC_SYNTAX,	/* short strings of number characters and others */
	NPC_NKINDS
};

static const char *const npc_kind_name[NPC_NKINDS] = {
	"random doubles as %.17g", "random doubles as %.16g",
	"random doubles as %.15g", "random doubles as %.20e",
	"random doubles as %.30e", "N(0,1) doubles, shortest text",
	"N(0,1) floats, shortest text", "small integers",
	"subnormals and just above DBL_MIN",
	"1-25 random digits, point, exponent in [-350, 350]",
	"50-800 digit mantissas", "exact ties, either side, long doubles either side",
	"short strings of number characters",
};

/* splitmix64: one 64-bit state, so a sweep can start input i anywhere */
static inline uint64_t
npc_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (the bias of % is below 2^-50 for these n) */
static inline unsigned
npc_below(uint64_t *s, unsigned n)
{
	return (unsigned)(npc_u64(s) % n);
}

static inline double
npc_unit(uint64_t *s)	/* uniform in (0, 1] */
{
	return (double)((npc_u64(s) >> 11) + 1) * 0x1p-53;
}

static inline double
npc_gauss(uint64_t *s)
{
	double r = sqrt(-2 * log(npc_unit(s)));

	return r * cos(2 * M_PI * npc_unit(s));
}

static inline double
npc_from_bits(uint64_t b)
{
	double x;

	memcpy(&x, &b, sizeof x);
	return x;
}

static inline uint64_t
npc_bits(double x)
{
	uint64_t b;

	memcpy(&b, &x, sizeof b);
	return b;
}

/* A finite double: half of them any bit pattern (every binade equally),
 * half log-uniform in [1e-6, 1e6], the usual data. */
static double
npc_double(uint64_t *s)
{
	double x;

	if (npc_below(s, 2)) {
		do
			x = npc_from_bits(npc_u64(s));
		while (!isfinite(x));
		return x;
	}
	x = exp((npc_unit(s) * 2 - 1) * 6 * M_LN10);
	return npc_below(s, 2) ? -x : x;
}

static inline int
npc_digit(uint64_t *s)
{
	return '0' + (int)npc_below(s, 10);
}

/* Something after the number now and then: strtod's end must still
 * agree. Some of these extend the number ("e5", "5"), which is fine. */
static void
npc_tail(uint64_t *s, char *buf)
{
	static const char *const tails[] = {
		"x", ",", " ", "e", "E+", "e-", ".", "e5x", "\t", "..", "-1",
		"e+07", "E-3", "5", "_", "\n", "0x", "p3", "f", "e+-1",
	};
	size_t n = strlen(buf);

	if (npc_below(s, 8) != 0)
		return;
	snprintf(buf + n, NPC_BUFSIZE - n, "%s",
	    tails[npc_below(s, sizeof tails / sizeof *tails)]);
}

/* Shortest %.*g text of x that reads back as x, from `lo` digits up:
 * what a careful CSV writer produces. */
static void
npc_shortest(char *buf, double x, int lo, int hi, int as_float)
{
	for (int p = lo; p <= hi; p++) {
		snprintf(buf, NPC_BUFSIZE, "%.*g", p, x);
		if (as_float ? strtof(buf, NULL) == (float)x :
		    strtod(buf, NULL) == x)
			return;
	}
}

/* n random digits; the first nonzero unless lead0 */
static char *
npc_digits(uint64_t *s, char *o, int n, int lead0)
{
	for (int i = 0; i < n; i++)
		*o++ = (char)(i == 0 && !lead0 ? '1' + (int)npc_below(s, 9) :
		    npc_digit(s));
	return o;
}

/* [+-]? digits with a point somewhere (or none) and an exponent (or
 * none). `mode` for the long kind: 0 random, 1 and 2 random then a long
 * run of '0' or '9' and maybe a last digit (near the values that the 19
 * leading digits bracket). */
static void
npc_decimal(uint64_t *s, char *buf, int n, int emax)
{
	char digits[NPC_BUFSIZE], *o = buf;
	int point, mode = n > 40 ? (int)npc_below(s, 3) : 0;

	if (npc_below(s, 4) == 0)
		*o++ = npc_below(s, 2) ? '-' : '+';
	if (mode == 0)
		npc_digits(s, digits, n, npc_below(s, 4) == 0);
	else {
		int head = 1 + (int)npc_below(s, 20);

		npc_digits(s, digits, head, 0);
		memset(digits + head, mode == 1 ? '0' : '9', n - head);
		if (npc_below(s, 2))
			digits[n - 1] = (char)npc_digit(s);
	}
	/* point: none, before all digits, or after digit k */
	point = (int)npc_below(s, (unsigned)n + 2) - 1;
	for (int i = 0; i < n; i++) {
		if (i == point)
			*o++ = '.';
		*o++ = digits[i];
	}
	if (point == n)
		*o++ = '.';
	if (npc_below(s, 4) != 0) {
		int e = (int)npc_below(s, 2u * emax + 1) - emax;
		static const char *const forms[] = {
			"e%d", "E%d", "e%+d", "e%03d",
		};
		o += sprintf(o, forms[npc_below(s, 4)], e);
	}
	*o = '\0';
}

/* Drop the zeros that %Le pads its exact digits with (there must be
 * some: else the digits were rounded, and the text is not exact). */
static void
npc_trim_mantissa(char *buf)
{
	char *e = strchr(buf, 'e'), *z = e;

	if (z[-1] != '0')
		abort();
	while (z[-1] == '0')
		z--;
	if (z[-1] == '.')
		z--;
	memmove(z, e, strlen(e) + 1);
}

/* Ties: the midpoint of a double x and the next one up, exactly (a long
 * double holds it: 54 significant bits), then either side of it. Half
 * the x from every binade, half where ties have at most 19 digits
 * (2^40 to 2^66, and around 1), which Eisel-Lemire decides itself. */
static void
npc_halfway(uint64_t *s, char *buf)
{
	double x, y;
	long double mid;
	int variant = (int)npc_below(s, 5), r = (int)npc_below(s, 4);
	char *e;

	do {
		if (r < 2)
			x = fabs(npc_from_bits(npc_u64(s)));
		else if (r == 2)
			x = ldexp(1 + npc_unit(s), 40 + (int)npc_below(s, 27));
		else
			x = ldexp(1 + npc_unit(s), -12 + (int)npc_below(s, 80));
	} while (!isfinite(x));
	y = nextafter(x, INFINITY);	/* DBL_MAX's is inf: the tie that
					 * rounds up to overflow */
	if (isinf(y))
		mid = (long double)DBL_MAX + 0x1p970L;
	else
		mid = ((long double)x + y) / 2;
	if (variant == 3)
		mid = nextafterl(mid, INFINITY);
	else if (variant == 4)
		mid = nextafterl(mid, 0);
	snprintf(buf, NPC_BUFSIZE, "%s%.*Le", npc_below(s, 4) ? "" : "-",
	    NPC_EXACT_DIGITS, mid);
	npc_trim_mantissa(buf);
	e = strchr(buf, 'e');
	if (variant == 1 || variant == 2) {
		/* a unit in a new last place above; or the last digit (not 0
		 * after trimming) one less and a 9 after it: a unit below */
		int point = memchr(buf, '.', (size_t)(e - buf)) != NULL;
		const char *more = variant == 1 ? ".1" : ".9";

		if (variant == 2)
			e[-1]--;
		more += point;
		memmove(e + strlen(more), e, strlen(e) + 1);
		memcpy(e, more, strlen(more));
	}
}

static void
npc_syntax(uint64_t *s, char *buf)
{
	static const char alphabet[] =
	    "0123456789012345678901234567890.....eeEE++--  \tx0XpPinfINFa"
	    "tyNn(),_";
	int n = (int)npc_below(s, 12);

	for (int i = 0; i < n; i++)
		buf[i] = alphabet[npc_below(s, sizeof alphabet - 1)];
	buf[n] = '\0';
}

/* The text of one input of `kind` from state *s, into buf
 * (NPC_BUFSIZE bytes). */
static void
npc_make(int kind, uint64_t *s, char *buf)
{
	static const char *const tiny_formats[] = {
		"%.17g", "%.16g", "%.25e", "%.40e", "%.3g",
	};
	uint64_t b;

	switch (kind) {
	case NPC_G17:
		snprintf(buf, NPC_BUFSIZE, "%.17g", npc_double(s));
		break;
	case NPC_G16:
		snprintf(buf, NPC_BUFSIZE, "%.16g", npc_double(s));
		break;
	case NPC_G15:
		snprintf(buf, NPC_BUFSIZE, "%.15g", npc_double(s));
		break;
	case NPC_E20:
		snprintf(buf, NPC_BUFSIZE, "%.20e", npc_double(s));
		break;
	case NPC_E30:
		snprintf(buf, NPC_BUFSIZE, "%.30e", npc_double(s));
		break;
	case NPC_NORMAL:
		npc_shortest(buf, npc_gauss(s), 15, 17, 0);
		break;
	case NPC_FLOAT:
		npc_shortest(buf, (float)npc_gauss(s), 6, 9, 1);
		break;
	case NPC_INT:
		snprintf(buf, NPC_BUFSIZE, "%s%0*ld",
		    npc_below(s, 3) ? "" : npc_below(s, 2) ? "-" : "+",
		    (int)npc_below(s, 4),
		    (long)(npc_u64(s) % (1ul << (npc_below(s, 40) + 1))));
		break;
	case NPC_TINY:
		/* exponent field 0 (subnormal), 1 or 2 (just above DBL_MIN) */
		b = npc_u64(s) & (((uint64_t)1 << 52) - 1);
		b |= (uint64_t)npc_below(s, 3) << 52;
		if (npc_below(s, 4) == 0)	/* the very smallest */
			b &= 0xff;
		b |= (uint64_t)npc_below(s, 2) << 63;
		snprintf(buf, NPC_BUFSIZE, tiny_formats[npc_below(s,
		    sizeof tiny_formats / sizeof *tiny_formats)],
		    npc_from_bits(b));
		break;
	case NPC_DIGITS:
		npc_decimal(s, buf, 1 + (int)npc_below(s, 25), 350);
		break;
	case NPC_LONG:
		npc_decimal(s, buf, 50 + (int)npc_below(s, 751),
		    npc_below(s, 2) ? 30 : 350);
		break;
	case NPC_HALFWAY:
		npc_halfway(s, buf);
		break;
	default:
		npc_syntax(s, buf);
		return;
	}
	npc_tail(s, buf);
}

/* Write text into out as a C string literal body (escapes for quotes,
 * backslashes and non-printable bytes), cut at outsize. */
static void
npc_quote(char *out, size_t outsize, const char *text)
{
	size_t n = 0;

	for (; *text != '\0' && n + 5 < outsize; text++) {
		unsigned char c = (unsigned char)*text;
		if (c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, outsize - n, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(out + n, outsize - n, "\\x%02x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

/* Compare numparse_double with strtod on text: 1 when the value bits
 * (NaN for NaN) and the end pointer agree; else 0, with what differed
 * in msg. */
static int
npc_compare(const char *text, char *msg, size_t msgsize)
{
	char *end_got, *end_want, quoted[4 * NPC_BUFSIZE];
	double got = numparse_double(text, &end_got);
	double want = strtod(text, &end_want);

	if (end_got == end_want && (npc_bits(got) == npc_bits(want) ||
	    (isnan(got) && isnan(want))))
		return 1;
	npc_quote(quoted, sizeof quoted, text);
	snprintf(msg, msgsize, "input \"%s\": numparse_double gives %a "
	    "(bits %016llx) ending at +%td, strtod %a (bits %016llx) ending "
	    "at +%td", quoted, got, (unsigned long long)npc_bits(got),
	    end_got - text, want, (unsigned long long)npc_bits(want),
	    end_want - text);
	return 0;
}

#endif
