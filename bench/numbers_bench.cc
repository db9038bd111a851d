// numbers_bench: nanoseconds a number to print and to parse doubles,
// kvae-tools' numfmt and numparse against printf/strtod (the loop
// numfmt replaced) and Google's double-conversion (Debian's
// libdouble-conversion, C++), on the same random N(0,1) doubles.
// C++ only because double-conversion is; bench/numbers builds it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <time.h>
#include <vector>

#include <double-conversion/double-conversion.h>

extern "C" {
#include "stream/numfmt.h"
#include "stream/numparse.h"
}

using double_conversion::DoubleToStringConverter;
using double_conversion::StringBuilder;
using double_conversion::StringToDoubleConverter;

static double
now()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// The loop numfmt replaced: %.15g, %.16g, %.17g until one reads back.
static int
printf_loop(char *buf, double v)
{
	int n = 0;

	for (int p = 15; p <= 17; p++) {
		n = snprintf(buf, 32, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

static int
dc_shortest(char *buf, double v)
{
	static const DoubleToStringConverter &conv =
	    DoubleToStringConverter::EcmaScriptConverter();
	StringBuilder sb(buf, 32);

	conv.ToShortest(v, &sb);
	return sb.position();
}

template <class F>
static void
time_print(const char *label, const std::vector<double> &x, F fmt)
{
	char buf[64];
	size_t total = 0;
	double t0 = now();

	for (double v : x)
		total += fmt(buf, v);
	double ns = (now() - t0) / x.size() * 1e9;
	printf("  print  %-34s %7.1f ns  (%zu bytes)\n", label, ns, total);
}

template <class F>
static void
time_parse(const char *label, const std::vector<std::string> &s, F parse)
{
	double sum = 0;
	double t0 = now();

	for (const std::string &t : s)
		sum += parse(t.c_str());
	double ns = (now() - t0) / s.size() * 1e9;
	printf("  parse  %-34s %7.1f ns  (sum %.17g)\n", label, ns, sum);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000;
	std::mt19937_64 rng(20261204);
	std::normal_distribution<double> normal;
	std::vector<double> x(n);
	std::vector<std::string> text(n);
	char buf[64];

	for (size_t i = 0; i < n; i++) {
		x[i] = normal(rng);
		numfmt_double(buf, x[i]);
		text[i] = buf;
	}
	printf("%zu N(0,1) doubles, one thread\n", n);
	time_print("numfmt_double (Schubfach)", x, numfmt_double);
	time_print("double-conversion ToShortest", x, dc_shortest);
	time_print("printf loop %.15g..%.17g + strtod", x, printf_loop);
	time_print("snprintf %.17g alone", x, [](char *b, double v) {
		return snprintf(b, 32, "%.17g", v);
	});

	StringToDoubleConverter sconv(StringToDoubleConverter::NO_FLAGS,
	    0.0, NAN, "inf", "nan");
	time_parse("numparse_double (Eisel-Lemire)", text,
	    [](const char *s) { return numparse_double(s, NULL); });
	time_parse("double-conversion StringToDouble", text,
	    [&](const char *s) {
		int used;
		return sconv.StringToDouble(s, (int)strlen(s), &used);
	});
	time_parse("strtod", text,
	    [](const char *s) { return strtod(s, NULL); });
	return 0;
}
