/* test_readall: whole inputs into memory, and the size limit exactly. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/readall.h"

/* Read `len` bytes of a pattern through fmemopen with limit `max`. */
static int
read_len(size_t len, size_t max, size_t *got, kv_err *err)
{
	char *data = malloc(len + 1);
	uint8_t *buf = NULL;
	int rc;

	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	FILE *fp = fmemopen(data, len ? len : 1, "r");
	if (len == 0)
		fgetc(fp);	/* an empty stream: at its end already */
	rc = readall_stream(fp, "mem", max, &buf, got, err);
	if (rc == 0 && (memcmp(buf, data, len) != 0 || buf[len] != 0))
		rc = 2;
	fclose(fp);
	free(buf);
	free(data);
	return rc;
}

int
main(void)
{
	static const struct { size_t len, max; int ok; } cases[] = {
		{ 0, 10, 1 }, { 10, 10, 1 }, { 11, 10, 0 }, { 9, 10, 1 },
		{ 65536, 65536, 1 }, { 65537, 65536, 0 }, { 200000, 1 << 20, 1 },
		{ 1000, 999, 0 }, { 1 << 20, 1 << 20, 1 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		kv_err err = { "" };
		size_t got = 0;
		int rc = read_len(cases[k].len, cases[k].max, &got, &err);
		CHECK(cases[k].ok ? rc == 0 && got == cases[k].len :
		    rc == -1 && strstr(err.msg, "mem: larger than") != NULL,
		    "%zu bytes with limit %zu: %s (rc %d, %zu bytes%s%s)",
		    cases[k].len, cases[k].max, cases[k].ok ? "taken whole" :
		    "refused", rc, got, rc ? ", " : "", rc ? err.msg : "");
	}
	return check_done();
}
