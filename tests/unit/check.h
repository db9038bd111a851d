/* check.h: the unit-test harness. Each check prints one TAP line saying
 * what it compared, the worst difference and the tolerance; check_done()
 * prints the plan and gives the exit status. Header-only: one test
 * program per module includes it. */
#ifndef KVAE_CHECK_H
#define KVAE_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int check_count, check_failures;

static void __attribute__((format(printf, 4, 5)))
check_report(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	check_count++;
	if (!ok)
		check_failures++;
	printf("%sok %d - ", ok ? "" : "not ", check_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (%s:%d)", file, line);
	putchar('\n');
	fflush(stdout);
}

/* A condition with a description. */
#define CHECK(cond, ...) check_report((cond) != 0, __FILE__, __LINE__, \
	__VA_ARGS__)

/* |got - want| <= atol + rtol |want|; NaN matches only NaN. */
static int __attribute__((unused))
check_near(double got, double want, double rtol, double atol)
{
	if (isnan(want) || isnan(got))
		return isnan(want) && isnan(got);
	return fabs(got - want) <= atol + rtol * fabs(want);
}

/* Compare two arrays elementwise and report the worst element. */
#define CHECK_ARRAY(name, got, want, n, rtol, atol) \
	check_array_at(__FILE__, __LINE__, name, got, want, n, rtol, atol)

static void __attribute__((unused))
check_array_at(const char *file, int line, const char *name,
	const double *got, const double *want, size_t n, double rtol,
	double atol)
{
	size_t worst = 0, bad = (size_t)-1;
	double worst_err = 0;

	for (size_t i = 0; i < n; i++) {
		double e = fabs(got[i] - want[i]) / (atol + rtol * fabs(want[i]));
		if (!check_near(got[i], want[i], rtol, atol)) {
			if (bad == (size_t)-1)
				bad = i;
			e = INFINITY;
		}
		if (e > worst_err || (isnan(e) && worst_err == 0)) {
			worst_err = e;
			worst = i;
		}
	}
	if (bad != (size_t)-1)
		check_report(0, file, line, "%s: element %zu: got %.17g, want "
		    "%.17g (rtol %g, atol %g)", name, bad, got[bad], want[bad],
		    rtol, atol);
	else
		check_report(1, file, line, "%s: %zu elements, worst [%zu] "
		    "|diff| %.3g (rtol %g, atol %g)", name, n, worst,
		    n ? fabs(got[worst] - want[worst]) : 0.0, rtol, atol);
}

/* A scalar comparison. */
#define CHECK_NEAR(name, got, want, rtol, atol) do { \
	double g_ = (got), w_ = (want); \
	check_report(check_near(g_, w_, rtol, atol), __FILE__, __LINE__, \
	    "%s: got %.17g, want %.17g, |diff| %.3g (rtol %g, atol %g)", \
	    name, g_, w_, fabs(g_ - w_), (double)(rtol), (double)(atol)); \
} while (0)

static int __attribute__((unused))
check_done(void)
{
	printf("1..%d\n", check_count);
	return check_failures == 0 ? 0 : 1;
}

#endif
