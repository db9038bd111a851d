/* test_numparse.c: numparse_double against strtod, value bits and end
 * pointer: edge cases by hand and by construction, then a sample of each
 * kind of input in numparse_cases.h (tests/tools/numparse_sweep runs the
 * same kinds by the hundred million). Each check names the first input
 * that differs. With --locale NAME it checks instead that the locale NAME
 * (one with a decimal comma) does not change what numparse_double reads;
 * tests/numparse.bats builds one and runs that. */
#include <errno.h>
#include <locale.h>

#include "check.h"
#include "numparse_cases.h"

/* Inputs by hand: syntax and the ends of the range. */
static const char *const edge[] = {
	"", "+", "-", ".", "-.", "+.", ".e1", "e1", "E1", "-e1", "1e", "1e+",
	"1e-", "1E", "1E+5", "1e+-5", "1e5.5", "1..2", "--1", "+-1", "-+1",
	"1.5x", "1.", "5.", ".5", "-.5", "+.5", "+5", "-5.", "1.e5", "1.e",
	"007", "-0", "+0", "0", "0.", ".0", "-.0", "0e0", "-0e-999999",
	"0e99999999999999999999", "00000000000000000000000000001",
	"0.0000000000000000000000000000000000000000001", "1,5", "1_000",
	" 1", "\t1", "\n1", "\v1", "\f1", "\r1", "  -1.5e3", "1 ", "1\t",
	"inf", "-inf", "+inf", "INF", "Inf", "infinity", "-Infinity",
	"INFINITY", "infinit", "infx", "in", "i", "nan", "-nan", "+NaN",
	"NAN", "nan(123)", "nan()", "nan(", "nan(abc_1)", "na", "n",
	"0x1p3", "0X1P-3", "-0x1.8p1", "0x", "-0x", "0xg", "0x.p1", "0x1",
	"00x1", "0.x1", "0e", "0ex", "1p3",
	"1e99999999999999999999", "1e-99999999999999999999",
	"1e999999", "1e1000000", "1e-999999", "1e-1000000",
	/* exponents that wrap a 64-bit integer to a small one */
	"1e18446744073709551621", "1e-18446744073709551621",
	"0.1e18446744073709551617", "1e9223372036854775808",
	"0.000001e1000005", "100000000000000000000000e-1000023",
	/* the end of the double range: DBL_MAX, rounding to it, the tie
	 * above it (to infinity), beyond */
	"1.7976931348623157e308", "1.7976931348623158e308",
	"1.7976931348623158079e308", "1.797693134862315807e308",
	"1.7976931348623159e308", "1.8e308", "-1.8e308", "1e309", "-1e309",
	("179769313486231570814527423731704356798070567525844996598917476803"
	"157260780028538760589558632766878171540458953514382464234321326889"
	"464182768467546703537516986049910576551282076245490090389328944075"
	"868508455133942304583236903222948165808559332123348274797826204144"
	"723168738177180919299881250404026184124858368"),
	("179769313486231580793728971405303415079934132710037826936173778980"
	"444968292764750946649017977587207096330286416692887910946555547851"
	"940402630657488671505820681908902000708383676273854845817711531764"
	"475730270069855571366959622842914819860834936475292719074168444365"
	"510704342711559699508093042880177904174497792"),
	("179769313486231580793728971405303415079934132710037826936173778980"
	"444968292764750946649017977587207096330286416692887910946555547851"
	"940402630657488671505820681908902000708383676273854845817711531764"
	"475730270069855571366959622842914819860834936475292719074168444365"
	"510704342711559699508093042880177904174497791.99999"),
	/* the low end: DBL_MIN, the largest subnormal, the smallest, half of
	 * it (a tie to 0), just above half, underflow to 0 and -0 */
	"2.2250738585072014e-308", "2.2250738585072011e-308",
	"2.2250738585072012e-308", "2.2250738585072013e-308",
	"2.225073858507201136057409796709131975934819546351645648e-308",
	"4.9406564584124654e-324", "5e-324", "4e-324", "3e-324",
	"2.4703282292062328e-324", "2.4703282292062327e-324",
	("2.47032822920623272088284396434110686182529901307162382212792841250"
	"3e-324"), "2.5e-324", "2e-324", "1e-324", "1e-400", "-1e-400",
	"-4.9e-324", "-2e-324", "1e-320", "9.8813129168249309e-324",
	/* famous hard cases */
	"9007199254740993", "9007199254740992.5", "9007199254740993.0000001",
	"4503599627370496.5", "4503599627370497.5", "2251799813685248.25",
	"1125899906842624.125", "562949953421312.0625", "1e23",
	"8.98846567431158e307", "2.2250738585072012e-308",
	"0.1", "0.2", "0.3", "3.14159265358979323846264338327950288",
	"123456789012345678901234567890", "1.00000000000000000000000000001",
	"0.9999999999999999999999999999", "18446744073709551615",
	"18446744073709551616", "9999999999999999999", "10000000000000000000",
	"99999999999999999999", "7.2057594037927933e16",
	"1.0000000000000002", "1.00000000000000011102230246251565404236316680908203125",
	"1.00000000000000011102230246251565404236316680908203124",
	"1.00000000000000011102230246251565404236316680908203126",
};

static void
check_edge(void)
{
	char msg[8 * NPC_BUFSIZE];
	size_t n = sizeof edge / sizeof *edge;

	for (size_t i = 0; i < n; i++)
		if (!npc_compare(edge[i], msg, sizeof msg)) {
			CHECK(0, "edge cases: %s", msg);
			return;
		}
	CHECK(1, "%zu edge cases by hand (syntax, inf, nan, hex, space, "
	    "range ends, hard cases): value bits and end pointer equal "
	    "strtod's", n);
}

/* Runs of zeros: "0.000...01", "000...01", "1000...0", "1000...0e-k". */
static void
check_zero_runs(void)
{
	char text[NPC_BUFSIZE], msg[8 * NPC_BUFSIZE];
	size_t count = 0;

	for (int z = 0; z <= 420; z++) {
		const char *forms[4] = { "0.", "", "1", "-0." };
		for (int f = 0; f < 4; f++) {
			int n = snprintf(text, sizeof text, "%s", forms[f]);
			memset(text + n, '0', (size_t)z);
			n += z;
			n += snprintf(text + n, sizeof text - (size_t)n, "%s",
			    f == 2 ? (z & 1 ? "e-400" : "") : "1");
			count++;
			if (!npc_compare(text, msg, sizeof msg)) {
				CHECK(0, "runs of zeros: %s", msg);
				return;
			}
		}
	}
	CHECK(1, "%zu runs of 0 to 420 zeros (0.0..01, 00..01, 10..0, "
	    "10..0e-400): value bits and end pointer equal strtod's", count);
}

/* Every double at the subnormal boundary and the top of the range,
 * each with the ties either side of it written out exactly. */
static void
check_boundaries(void)
{
	static const uint64_t around[] = {
		0x0000000000000000u, 0x000fffffffffff00u, 0x0010000000000000u,
		0x7fefffffffffff00u,
	};
	char text[NPC_BUFSIZE], msg[8 * NPC_BUFSIZE];
	size_t count = 0;

	for (size_t a = 0; a < sizeof around / sizeof *around; a++)
		for (uint64_t b = around[a]; b < around[a] + 0x200; b++) {
			double x = npc_from_bits(b);
			long double up;
			if (!isfinite(x))
				break;
			up = isinf(nextafter(x, INFINITY)) ?
			    (long double)DBL_MAX + 0x1p970L :
			    ((long double)x + nextafter(x, INFINITY)) / 2;
			snprintf(text, sizeof text, "%.17g", x);
			count++;
			if (!npc_compare(text, msg, sizeof msg))
				goto fail;
			for (int v = -1; v <= 1; v++) {
				long double t = v == 0 ? up :
				    nextafterl(up, v * INFINITY);
				snprintf(text, sizeof text, "%.*Le",
				    NPC_EXACT_DIGITS, t);
				npc_trim_mantissa(text);
				count++;
				if (!npc_compare(text, msg, sizeof msg))
					goto fail;
			}
		}
	CHECK(1, "%zu doubles around 0, the largest subnormal, DBL_MIN and "
	    "DBL_MAX as %%.17g, the ties above each exactly and the long "
	    "doubles either side: value bits and end pointer equal strtod's",
	    count);
	return;
fail:
	CHECK(0, "range boundaries: %s", msg);
}

/* n inputs of one kind from numparse_cases.h. */
static void
check_kind(int kind, size_t n)
{
	char text[NPC_BUFSIZE], msg[8 * NPC_BUFSIZE];
	uint64_t s = 0x6e756d7061727365u + (uint64_t)kind * 0x1000193u;

	for (size_t i = 0; i < n; i++) {
		npc_make(kind, &s, text);
		if (!npc_compare(text, msg, sizeof msg)) {
			CHECK(0, "%s: input %zu of %zu: %s", npc_kind_name[kind],
			    i, n, msg);
			return;
		}
	}
	CHECK(1, "%s: %zu inputs: value bits and end pointer equal "
	    "strtod's", npc_kind_name[kind], n);
}

/* errno stays as it was, overflow and underflow included; a NULL end is
 * allowed. */
static void
check_errno(void)
{
	static const char *const texts[] = {
		"1e999", "-1e999", "1e-999", "1e-320", "1.8e308", "2e-324",
		"abc", "", "1.5",
	};
	int ok = 1;

	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		errno = 4242;
		(void)numparse_double(texts[i], NULL);
		if (errno != 4242) {
			CHECK(0, "errno after numparse_double(\"%s\", NULL): "
			    "%d, want it unchanged (4242)", texts[i], errno);
			ok = 0;
		}
	}
	if (ok)
		CHECK(1, "errno unchanged and end NULL accepted on %zu texts "
		    "(overflow, underflow, subnormal, not a number)",
		    sizeof texts / sizeof *texts);
}

/* Under `name`, a locale with a decimal comma, numparse_double still
 * reads the C locale's point, on the fast path and on strtod_l's, where
 * plain strtod would stop at it. */
static void
check_locale(const char *name)
{
	static const char *const texts[] = { "1.5", "1.5e400", "0x1.8p1" };
	const double want[] = { 1.5, INFINITY, 3.0 };
	char *end;

	if (setlocale(LC_NUMERIC, name) == NULL) {
		CHECK(0, "setlocale(LC_NUMERIC, \"%s\") failed", name);
		return;
	}
	CHECK(strtod("1.5", &end) == 1 && *end == '.', "under %s strtod "
	    "stops at the point of \"1.5\" (a decimal-comma locale)", name);
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		double v = numparse_double(texts[i], &end);
		CHECK(v == want[i] && *end == '\0', "under %s "
		    "numparse_double(\"%s\") gives %g ending at +%td, want "
		    "%g ending at +%zu (the C locale's)", name, texts[i], v,
		    end - texts[i], want[i], strlen(texts[i]));
	}
	setlocale(LC_NUMERIC, "C");
}

int
main(int argc, char **argv)
{
	/* per kind: about 1.5 s in all in the release build */
	static const size_t n[NPC_NKINDS] = {
		[NPC_G17] = 200000, [NPC_G16] = 200000, [NPC_G15] = 200000,
		[NPC_E20] = 100000, [NPC_E30] = 100000, [NPC_NORMAL] = 100000,
		[NPC_FLOAT] = 100000, [NPC_INT] = 100000, [NPC_TINY] = 100000,
		[NPC_DIGITS] = 600000, [NPC_LONG] = 20000,
		[NPC_HALFWAY] = 20000, [NPC_SYNTAX] = 400000,
	};

	/* tests/numparse.bats makes a decimal-comma locale and passes it */
	if (argc == 3 && strcmp(argv[1], "--locale") == 0) {
		check_locale(argv[2]);
		return check_done();
	}
	check_edge();
	check_zero_runs();
	check_boundaries();
	check_errno();
	for (int k = 0; k < NPC_NKINDS; k++)
		check_kind(k, n[k]);
	return check_done();
}
