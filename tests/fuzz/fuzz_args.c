/* fuzz_args: libFuzzer harness for the option-argument parsers
 * (--range, --columns, whole numbers, numbers). Any text must be parsed
 * or refused with a message, never crash; what is accepted must make
 * sense (columns within bounds, ranges resolve inside the sequence). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = malloc(size + 1);
	size_t *cols = NULL, ncols = 0, lo, hi;
	optarg_range range;
	long long i;
	double d;
	kv_err err;

	memcpy(arg, data, size);
	arg[size] = '\0';
	if (optarg_columns("--columns", arg, 1000, &cols, &ncols, &err) == 0) {
		for (size_t k = 0; k < ncols; k++)
			if (cols[k] >= 1000)
				abort();
		free(cols);
	}
	if (optarg_range_parse("--range", arg, &range, &err) == 0)
		for (size_t n = 0; n < 40; n += 7) {
			optarg_range_resolve(&range, n, &lo, &hi);
			if (lo > hi || hi > n)
				abort();
		}
	if (optarg_int("--head", arg, -5, 1LL << 40, &i, &err) == 0 &&
	    (i < -5 || i > 1LL << 40))
		abort();
	if (optarg_double("--p", arg, 0, 1, &d, &err) == 0 &&
	    !(d >= 0 && d <= 1))
		abort();
	free(arg);
	return 0;
}
