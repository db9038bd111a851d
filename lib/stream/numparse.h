/* numparse.h: decimal text to double, fast and bit-identical to strtod.
 *
 * CSV fields are mostly short decimal numbers; glibc's strtod spends most
 * of its time on generality (locales, hex, arbitrary precision). This
 * module parses [+-]?digits[.digits][(e|E)[+-]?digits] itself with up to
 * 19 significant digits (Clinger's exact path for small cases, then the
 * Eisel-Lemire algorithm) and hands everything else to strtod in the C
 * locale: leading white space, inf, nan, hex floats, decimal exponents
 * outside [-342, 308], and longer mantissas whose truncation leaves the
 * rounding in doubt. */
#ifndef KVAE_NUMPARSE_H
#define KVAE_NUMPARSE_H

/* Parse a number at s as strtod(s, end) does in the C locale (whatever
 * the process's locale): the same value, bit for bit, and the same *end
 * (s itself, and 0, when s does not begin with a number). end may be
 * NULL. errno is left as it was, overflow and underflow included: the
 * caller sees an infinity or a zero (or a subnormal) and decides. Assumes
 * the default floating-point rounding mode (to nearest), as the rest of
 * the project does. Thread-safe; never allocates. */
double numparse_double(const char *s, char **end);

#endif
