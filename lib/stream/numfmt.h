/* numfmt.h: doubles and floats to the shortest decimal text that reads
 * back to them, without printf or strtod (numfmt.c: Schubfach).
 *
 * The text is the one kvae-tools has always written, and its users'
 * CSV files hold: that of the loop
 *
 *	for (P = 15; P <= 17; P++)		(floats: 6 to 9)
 *		text = printf("%.*g", P, v); stop if it reads back to v
 *
 * byte for byte (but for one float, below). %.Pg rounds v's exact value
 * to P significant digits, ties to even; drops trailing zeros, and a '.'
 * left last; and writes d[.ddd]e+XX (at least two exponent digits, sign
 * always) when the decimal exponent X of the rounded number is below -4
 * or at least P, the plain number otherwise. P is then the number of
 * digits, or 15 (6) when that is more. "-0" for negative zero, "inf"
 * and "-inf", "nan" for every NaN (no sign). Always a '.', whatever the
 * locale (kvae-tools never sets one).
 *
 * For normal numbers the loop's digits are the shortest that read back
 * and, of those, the closest to v (ties to the even digit), but for
 * some powers of two; for subnormals they need not be the shortest. The
 * loop, not "shortest", defines the result, so these stay as they were:
 *
 *   - Subnormals (below 2.2250738585072014e-308; floats below
 *     1.1754944e-38) whose shortest text has fewer than 15 (6) digits
 *     get 15 (6) digits, trailing zeros dropped: 4.94065645841247e-324
 *     for the least double, where 5e-324 reads back too; 1.4013e-45 for
 *     the least float, not 1e-45. Their interval of numbers that read
 *     back is wide enough to hold several 15-digit numbers, and %.15g
 *     gives the nearest, not the shortest.
 *   - Powers of two, whose lower neighbour is half as far as the upper
 *     one: when the 16-digit (float: 8-digit) number nearest v lies
 *     below v, outside the interval, while the next one up is inside,
 *     the loop goes on to 17 (9) digits. 46 positive normal doubles,
 *     2^-1017 to 2^976, e.g. 2^-24 = 5.9604644775390625e-08 (and
 *     5.960464477539063e-08 reads back); and 3 floats: 2^-96 =
 *     1.26217745e-29, 2^87 = 1.54742505e+26, 2^90 = 1.23794004e+27.
 *     tests/unit/test_numfmt.c checks every power of two.
 *
 * Floats: the text reads back to v with strtof and with strtod rounded
 * to float (the old loop's test, and how kvae-tools reads float streams
 * from CSV); the two differ only for text within half a double unit of
 * a point halfway between two floats. The old loop's test alone lets
 * through one text in all 2^32 floats that strtof misreads:
 * 0x1.5c87fcp-84 (and its negative) printed as 7.038531e-26, which
 * strtof reads as the float below. numfmt prints 7.0385313e-26, the
 * 8-digit text both read back; every other float's text is the old
 * loop's (found by comparing all 2^32, once). */
#ifndef KVAE_NUMFMT_H
#define KVAE_NUMFMT_H

#define NUMFMT_MAX 32	/* bytes, with the NUL, that any result fits */

/* Write the text of v (above) and a NUL into buf (NUMFMT_MAX bytes);
 * returns its length (at most 24). strtod reads it back to exactly v
 * (NaN to a NaN). Never fails; thread-safe. */
int numfmt_double(char *buf, double v);

/* The same for a float: 6 to 9 significant digits, at most 15 bytes
 * and the NUL; strtof, and strtod then rounded to float, read it back to
 * exactly v. A double bound for a float stream is rounded to float
 * first, by the caller. */
int numfmt_float(char *buf, float v);

#endif
