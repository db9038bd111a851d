#!/usr/bin/python3
"""Write lib/stream/numfmt_table.h: the powers of ten that
lib/stream/numfmt.c multiplies a binary number by to read its decimal
digits (the Schubfach way: R. Giulietti, "The Schubfach way to render
doubles", 2020).

Usage: gen_numfmt_table.py [OUT]     (default: standard output)

numfmt.c writes every finite non-zero double, and every float widened to
one, as c * 2^q with 2^52 <= c < 2^53 (subnormals shifted up), so
q in [Q_MIN, Q_MAX]. For such a q it takes k = floor(q log10(2)) - 1 and
needs ro(m * 2^q * 10^-k) for integers 0 < m < 2^M_BITS: the floor,
with its lowest bit set when the product is not an integer ("round to
odd", which keeps exactly what rounding decisions need). It multiplies
M = m << h by a 128-bit G[k] ~ 10^-k * 2^(127 - e) (e = floor(log2
10^-k), so 2^127 <= G[k] < 2^128; h = q + 1 + e) into 192 bits: the top
64 are the floor, and the product is taken for an integer when the low
128 bits, read as an integer, are below M.

G[k] is 10^-k rounded up (by less than one unit), so the computed
product P' = M G[k] / 2^128 is at least the true P and exceeds it by
less than M / 2^128 (at most 2^-65). When P is an integer, P' is P plus
a fraction below M / 2^128; both the floor and the test are right. When
P is not, they are right provided P lies at least M / 2^128 from every
integer. The script checks that: for each q whose G[k] is inexact it
finds the nearest approach d of m * 2^q * 10^-k to an integer, from
either side, over all 0 < m < 2^M_BITS, from the continued fraction of
that rational (the nearest approaches come from its convergents and
intermediate fractions; the method is itself checked against brute
force on small cases first), and asserts d >= 2^(M_BITS + h) / 2^128,
more than the error for any m < 2^M_BITS. It also checks the integer
formulas numfmt.c uses for k and e, and the range of h. All arithmetic
is exact (Python integers).

tests/numfmt.bats re-runs this script and compares its output with the
committed header.
"""
import random
import sys
from fractions import Fraction
from math import gcd

Q_MIN = -1126   # 2^-1074 (the least subnormal) is 2^52 * 2^-1126
Q_MAX = 971     # DBL_MAX is (2^53 - 1) * 2^971
M_BITS = 56     # numfmt.c's multipliers m = 4c +- gap stay below 2^56
LOG10_2_18 = 78913     # floor(log10(2) * 2^18), numfmt.c's k formula
LOG2_10_19 = 1741647   # floor(log2(10) * 2^19), numfmt.c's e formula


def floor_log10_pow2(q):
    """The largest k with 10^k <= 2^q, exactly."""
    k = 0
    if q >= 0:
        while 10 ** (k + 1) <= 1 << q:
            k += 1
    else:
        # 10^k <= 2^q  <=>  2^-q <= 10^-k
        while not (1 << -q) <= 10 ** -k:
            k -= 1
    return k


def floor_log2_pow10(e):
    """The largest j with 2^j <= 10^e, exactly."""
    if e >= 0:
        return (10 ** e).bit_length() - 1
    d = 10 ** -e
    return -((d - 1).bit_length())


def entry(k):
    """G[k] (10^-k rounded up into [2^127, 2^128)) and whether it is
    exact."""
    e = floor_log2_pow10(-k)
    s = 127 - e     # G = ceil(10^-k * 2^s)
    num, den = 10 ** max(-k, 0), 10 ** max(k, 0)
    if s >= 0:
        num <<= s
    else:
        den <<= -s
    g = -(-num // den)
    assert 1 << 127 <= g < 1 << 128, k
    return g, num % den == 0


def nearest_approaches(a, b, n):
    """For 0 < a < b, gcd(a, b) = 1, b > n: the least of (m a mod b)
    and of (b - m a mod b) over 0 < m <= n. Successive convergents
    q_i of a/b give residuals r_i = q_i a - p_i b of alternating sign;
    the record lows on each side are at q_{i-2} + j q_{i-1},
    j = 1 .. t_i (the intermediate fractions), residual r_{i-2} +
    j r_{i-1}."""
    low, high = a, b - a            # m = 1
    q2, q1 = 0, 1                   # q_{-1}, q_0
    r2, r1 = -b, a                  # r_{-1}, r_0
    while r1 != 0:
        t = abs(r2) // abs(r1)
        j = min(t, (n - q2) // q1)
        if j >= 1:
            r = r2 + j * r1
            if r > 0:
                low = min(low, r)
            elif r < 0:
                high = min(high, -r)
        if j < t:
            break
        q2, q1 = q1, q2 + t * q1
        r2, r1 = r1, r2 + t * r1
    return low, high


def self_check():
    rng = random.Random(1)
    for _ in range(300):
        b = rng.randrange(3, 5000)
        a = rng.randrange(1, b)
        if gcd(a, b) != 1:
            continue
        n = rng.randrange(1, b)
        got = nearest_approaches(a, b, n)
        want = (min(m * a % b for m in range(1, n + 1)),
                min(b - m * a % b for m in range(1, n + 1)))
        assert got == want, (a, b, n, got, want)


def closest_to_integer(q, k):
    """(d, den): the nearest a non-integer m * 2^q * 10^-k comes to
    an integer over 0 < m < 2^M_BITS is d / den."""
    num, den = 10 ** max(-k, 0), 10 ** max(k, 0)
    if q >= 0:
        num <<= q
    else:
        den <<= -q
    g = gcd(num, den)
    num, den = num // g, den // g
    n = (1 << M_BITS) - 1
    if den <= n:
        # some m make integers; the others come within 1 / den of one
        return 1, den
    low, high = nearest_approaches(num % den, den, n)
    return min(low, high), den


def main():
    self_check()
    ks = {}
    worst = Fraction(1 << 20)
    for q in range(Q_MIN, Q_MAX + 1):
        k = floor_log10_pow2(q) - 1
        assert (q * LOG10_2_18 >> 18) - 1 == k, q
        e = floor_log2_pow10(-k)
        assert (-k * LOG2_10_19) >> 19 == e, k
        h = q + 1 + e
        assert 4 <= h <= 7, q           # m << h < 2^63
        ks[k] = True
        g, exact = entry(k)
        if not exact:
            d, den = closest_to_integer(q, k)
            # d / den >= 2^(M_BITS + h) / 2^128, and by how much
            assert d << 128 >= den << (M_BITS + h), q
            worst = min(worst, Fraction(d << 128, den << (M_BITS + h)))
    k_min, k_max = min(ks), max(ks)
    assert sorted(ks) == list(range(k_min, k_max + 1))
    rows = []
    for k in range(k_min, k_max + 1):
        g, exact = entry(k)
        rows.append("\t{ 0x%016x, 0x%016x },\t/* 10^%d%s */" %
                    (g >> 64, g & ((1 << 64) - 1), -k,
                     "" if exact else ", rounded up"))
    out = open(sys.argv[1], "w") if len(sys.argv) > 1 else sys.stdout
    out.write("""\
/* numfmt_table.h: 10^-k for k in [NUMFMT_K_MIN, NUMFMT_K_MAX] as 128-bit
 * numbers with their top bit set, rounded up, high word first, for
 * numfmt.c. Generated by tests/tools/gen_numfmt_table.py (exact integer
 * arithmetic); do not edit. tests/numfmt.bats checks it is up to date.
 *
 * The script also checked, for every binary exponent q in [%d, %d],
 * that numfmt.c's k = (q * %d >> 18) - 1 is floor(q log10 2) - 1, that
 * e = (-k * %d) >> 19 is floor(log2 10^-k), that the shift h = q + 1 + e
 * is in [4, 7], and that no product m * 2^q * 10^-k with
 * 0 < m < 2^%d that is not an integer comes within 2^(%d + h) / 2^128
 * of one (the closest stays %.2f times that far), so with the rounded-up
 * entry the top 64 bits of the 192-bit product (m << h) * G[k]
 * are its floor, and the low 128 bits are below m << h exactly when it
 * is an integer. */
#ifndef KVAE_NUMFMT_TABLE_H
#define KVAE_NUMFMT_TABLE_H

#include <stdint.h>

#define NUMFMT_K_MIN (%d)
#define NUMFMT_K_MAX %d

static const uint64_t numfmt_pow10[NUMFMT_K_MAX - NUMFMT_K_MIN + 1][2] = {
%s
};

#endif
""" % (Q_MIN, Q_MAX, LOG10_2_18, LOG2_10_19, M_BITS, M_BITS, float(worst), k_min, k_max,
       "\n".join(rows)))
    out.close()


if __name__ == "__main__":
    main()
