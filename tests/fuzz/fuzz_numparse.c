/* fuzz_numparse: libFuzzer harness for numparse_double. The input, cut
 * at its first NUL as a C string would be, must give strtod's value (the
 * same bits; NaN for NaN, whatever its payload) and strtod's end
 * pointer; any difference aborts. The process stays in the C locale, so
 * plain strtod is the reference. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/numparse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *end_got, *end_want;
	double got, want;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	got = numparse_double(s, &end_got);
	want = strtod(s, &end_want);
	if (end_got != end_want)
		abort();
	if (isnan(want) ? !isnan(got) : memcmp(&got, &want, sizeof got) != 0)
		abort();
	free(s);
	return 0;
}
