/* pattern.c: printf integer patterns in file names. */
#include "media/pattern.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *
pattern_find(const char *name, const char **end)
{
	for (const char *p = strchr(name, '%'); p != NULL;
	    p = strchr(p + 1, '%')) {
		const char *q = p + 1;
		if (*q == '%') {
			p = q;
			continue;
		}
		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == 'd') {
			*end = q + 1;
			return p;
		}
	}
	return NULL;
}

int
pattern_expand(const char *name, long n, char *out, size_t size)
{
	const char *end = NULL, *p = pattern_find(name, &end);
	int width = 0, zero = p != NULL && p[1] == '0';
	size_t k = 0;

	for (const char *q = p ? p + 1 : NULL; q && *q >= '0' && *q <= '9'; q++)
		if (width < 64)
			width = width * 10 + (*q - '0');
	for (const char *s = name; *s != '\0'; s++) {
		if (k + 80 >= size)
			return -1;
		if (s == p) {
			k += (size_t)snprintf(out + k, size - k, zero ? "%0*ld" :
			    "%*ld", width > 64 ? 64 : width, n);
			s = end - 1;
			continue;
		}
		if (s[0] == '%' && s[1] == '%')
			s++;
		out[k++] = *s;
	}
	out[k] = '\0';
	return 0;
}

int
pattern_is_image_name(const char *name)
{
	static const char *const suffixes[] = { ".png", ".pgm", ".ppm", ".pnm",
	    ".bmp", ".tif", ".tiff", ".jpg", ".jpeg", NULL };
	const char *dot = strrchr(name, '.');

	for (int i = 0; dot != NULL && suffixes[i] != NULL; i++)
		if (strcasecmp(dot, suffixes[i]) == 0)
			return 1;
	return 0;
}
