/* readall.c: whole inputs into memory; see readall.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "core/readall.h"

int
readall_stream(FILE *fp, const char *name, size_t max, uint8_t **buf,
	size_t *len, kv_err *err)
{
	size_t n = 0, cap = max < 65536 ? max : 65536;
	uint8_t *b = malloc(cap + 1);

	if (!b)
		return kv_errf(err, "%s: out of memory", name);
	for (;;) {
		if (n == cap) {
			/* Full at the limit: only the end of input may follow
			 * (an input of exactly max bytes is taken). */
			if (cap >= max && fgetc(fp) == EOF && !ferror(fp))
				break;
			if (cap >= max) {
				int e = ferror(fp) ? errno : 0;
				free(b);
				return e ? kv_errf(err, "%s: %s", name,
				    strerror(e)) : kv_errf(err, "%s: larger "
				    "than %zu bytes", name, max);
			}
			cap = cap * 2 > max ? max : cap * 2;
			uint8_t *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				return kv_errf(err, "%s: out of memory", name);
			}
			b = nb;
		}
		size_t got = fread(b + n, 1, cap - n, fp);
		n += got;
		if (got == 0) {
			if (ferror(fp)) {
				int e = errno;
				free(b);
				return kv_errf(err, "%s: %s", name, strerror(e));
			}
			break;
		}
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

int
readall_path(const char *path, size_t max, uint8_t **buf, size_t *len,
	kv_err *err)
{
	FILE *fp = infile_open(path, err);

	if (!fp)
		return -1;
	int rc = readall_stream(fp, infile_name(path), max, buf, len, err);
	if (fp != stdin)
		fclose(fp);
	return rc;
}
