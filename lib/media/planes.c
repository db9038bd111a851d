/* planes.c: frames <-> planes of doubles and media images; see planes.h. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "media/planes.h"

#define ROW(fr, c, y) ((const char *)(fr)->plane[c] + (ptrdiff_t)(y) * \
	(fr)->stride[c])

void
media_plane_get(double *out, const media_format *f, const media_frame *fr,
	int c)
{
	int w = f->plane_w[c], h = f->plane_h[c];

	for (int y = 0; y < h; y++) {
		const char *row = ROW(fr, c, y);
		for (int x = 0; x < w; x++)
			out[(size_t)y * w + x] = f->sample == MEDIA_U8 ?
			    ((const uint8_t *)row)[x] : f->sample == MEDIA_U16 ?
			    ((const uint16_t *)row)[x] : ((const float *)row)[x];
	}
}

void
media_plane_put(void *buf, ptrdiff_t stride, const double *in,
	const media_format *f, int c)
{
	int w = f->plane_w[c], h = f->plane_h[c];
	double hi = media_sample_max(f);

	for (int y = 0; y < h; y++) {
		char *row = (char *)buf + (ptrdiff_t)y * stride;
		for (int x = 0; x < w; x++) {
			double v = in[(size_t)y * w + x];
			if (f->sample != MEDIA_F32)
				v = nearbyint(v);
			v = v < 0 ? 0 : v > hi ? hi : v;
			if (f->sample == MEDIA_U8)
				((uint8_t *)row)[x] = (uint8_t)v;
			else if (f->sample == MEDIA_U16)
				((uint16_t *)row)[x] = (uint16_t)v;
			else
				((float *)row)[x] = (float)v;
		}
	}
}

int
media_image_from_frame(media_image *im, const media_format *f,
	const media_frame *fr, const char *name, kv_err *err)
{
	if (f->sample == MEDIA_F32 || f->color == MEDIA_YUV)
		return kv_errf(err, "%s: %s: --compress takes grey or RGB "
		    "images of 8 or 16 bits", name, f->pix_fmt);
	size_t w = (size_t)f->width, h = (size_t)f->height, C = (size_t)f->nplanes;
	uint16_t *pix = malloc(w * h * C * sizeof *pix);
	if (!pix)
		return kv_errf(err, "%s: out of memory", name);
	for (size_t c = 0; c < C; c++)
		for (size_t y = 0; y < h; y++) {
			const char *row = ROW(fr, c, y);
			for (size_t x = 0; x < w; x++)
				pix[(y * w + x) * C + c] = f->sample == MEDIA_U8 ?
				    ((const uint8_t *)row)[x] :
				    ((const uint16_t *)row)[x];
		}
	*im = (media_image){ (uint32_t)w, (uint32_t)h, (uint32_t)C,
	    (1u << f->depth) - 1, pix };
	return 0;
}

int
media_format_for_image(media_format *f, const media_image *im, kv_err *err)
{
	int deep = im->maxval > 255;
	const char *ne = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "be" : "le";

	if (im->maxval != 255 && im->maxval != 65535)
		return kv_errf(err, "maxval %u is kept exactly only by PGM/PPM "
		    "output (.pgm, .ppm)", im->maxval);
	if (im->channels != 1 && im->channels != 3)
		return kv_errf(err, "%u channels: only grey and RGB images can "
		    "be written", im->channels);
	*f = (media_format){ .width = (int)im->width, .height = (int)im->height,
	    .nplanes = (int)im->channels, .sample = deep ? MEDIA_U16 : MEDIA_U8,
	    .depth = deep ? 16 : 8,
	    .color = im->channels == 1 ? MEDIA_GRAY : MEDIA_RGB,
	    .matrix = MEDIA_BT601, .full_range = 1, .fps_num = 25,
	    .fps_den = 1 };
	for (int c = 0; c < f->nplanes; c++) {
		f->plane_w[c] = f->width;
		f->plane_h[c] = f->height;
	}
	snprintf(f->pix_fmt, sizeof f->pix_fmt, "%s%s%s",
	    im->channels == 1 ? "gray" : "gbrp", deep ? "16" : "",
	    deep ? ne : "");
	return 0;
}

void
media_frame_for_image(media_frame *fr, void *buf, const media_format *f,
	const media_image *im)
{
	size_t w = im->width, h = im->height, C = im->channels;
	size_t bps = f->sample == MEDIA_U16 ? 2 : 1;

	for (size_t c = 0; c < C; c++) {
		char *plane = (char *)buf + c * w * h * bps;
		for (size_t i = 0; i < w * h; i++) {
			uint16_t v = im->pix[i * C + c];
			if (bps == 2)
				((uint16_t *)plane)[i] = v;
			else
				((uint8_t *)plane)[i] = (uint8_t)v;
		}
		fr->plane[c] = plane;
		fr->stride[c] = (ptrdiff_t)(w * bps);
	}
	fr->index = 0;
}
