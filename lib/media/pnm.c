/* pnm.c: P5/P6 reading and writing; see pnm.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/pnm.h"

int
pnm_is_pnm(const uint8_t *buf, size_t len)
{
	return len >= 3 && buf[0] == 'P' && (buf[1] == '5' || buf[1] == '6') &&
	    isspace(buf[2]);
}

/* The next header number: skip whitespace and '#' comments, then digits
 * up to a whitespace byte. */
static int
header_number(const uint8_t *buf, size_t len, size_t *pos, const char *what,
	unsigned long max, unsigned long *out, kv_err *err)
{
	size_t p = *pos;
	unsigned long v = 0;

	for (;;) {
		while (p < len && isspace(buf[p]))
			p++;
		if (p < len && buf[p] == '#') {
			while (p < len && buf[p] != '\n')
				p++;
			continue;
		}
		break;
	}
	if (p >= len)
		return kv_errf(err, "header ends before the %s", what);
	if (!isdigit(buf[p]))
		return kv_errf(err, "header: %s is not a number (byte %zu)",
		    what, p);
	while (p < len && isdigit(buf[p])) {
		v = v * 10 + (buf[p++] - '0');
		if (v > max)
			return kv_errf(err, "header: %s exceeds %lu", what, max);
	}
	if (p >= len || !isspace(buf[p]))
		return kv_errf(err, "header: %s is not followed by whitespace",
		    what);
	if (v < 1)
		return kv_errf(err, "header: %s is 0", what);
	*pos = p;
	*out = v;
	return 0;
}

int
pnm_parse(media_image *img, const uint8_t *buf, size_t len, kv_err *err)
{
	unsigned long w = 0, h = 0, maxval = 0;
	size_t pos = 2;

	if (!pnm_is_pnm(buf, len))
		return kv_errf(err, "not a binary PGM/PPM file (P5/P6)");
	unsigned C = buf[1] == '5' ? 1 : 3;
	if (header_number(buf, len, &pos, "width", 1ul << 24, &w, err) ||
	    header_number(buf, len, &pos, "height", 1ul << 24, &h, err) ||
	    header_number(buf, len, &pos, "maxval", 65535, &maxval, err))
		return -1;
	pos++;	/* the single whitespace byte after maxval */
	if ((unsigned long long)w * h * C > MEDIA_IMAGE_MAX_SAMPLES)
		return kv_errf(err, "%lux%lu image is too large", w, h);
	size_t bps = maxval < 256 ? 1 : 2, n = (size_t)w * h * C;
	if (len - pos < n * bps)
		return kv_errf(err, "truncated: %lux%lu maxval %lu needs %zu "
		    "bytes of samples, the file has %zu", w, h, maxval, n * bps,
		    len - pos);
	if (len - pos > n * bps)
		return kv_errf(err, "%zu bytes of trailing data after the image",
		    len - pos - n * bps);
	uint16_t *pix = malloc(n * sizeof *pix);
	if (!pix)
		return kv_errf(err, "out of memory for a %lux%lu image", w, h);
	const uint8_t *s = buf + pos;
	for (size_t i = 0; i < n; i++) {
		unsigned v = bps == 1 ? s[i] : (unsigned)s[2 * i] << 8 | s[2 * i + 1];
		if (v > maxval) {
			free(pix);
			return kv_errf(err, "sample %u at row %zu, column %zu "
			    "exceeds maxval %lu", v, i / C / w + 1,
			    i / C % w + 1, maxval);
		}
		pix[i] = (uint16_t)v;
	}
	*img = (media_image){ (uint32_t)w, (uint32_t)h, C, (uint32_t)maxval, pix };
	return 0;
}

int
pnm_write(FILE *fp, const media_image *img, kv_err *err)
{
	size_t n = (size_t)img->width * img->height * img->channels;

	if (img->channels != 1 && img->channels != 3)
		return kv_errf(err, "PGM/PPM holds 1 or 3 channels, not %u",
		    img->channels);
	errno = 0;
	fprintf(fp, "P%c\n%u %u\n%u\n", img->channels == 1 ? '5' : '6',
	    img->width, img->height, img->maxval);
	for (size_t i = 0; i < n; i++) {
		if (img->maxval > 255)
			putc(img->pix[i] >> 8, fp);
		putc(img->pix[i] & 0xFF, fp);
	}
	if (ferror(fp))	/* errno from the failed write, e.g. EFBIG */
		return kv_errf(err, "%s", errno ? strerror(errno) :
		    "write error");
	return 0;
}
