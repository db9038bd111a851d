/* mekio.h: me-kalman's glue to media.h: frame planes as doubles and
 * back, and frames as mek_image pixel buffers and back. */
#ifndef KVAE_MEKIO_H
#define KVAE_MEKIO_H

#include <stddef.h>

#include "err.h"
#include "mek.h"
#include "media.h"

/* Plane c of a frame as plane_w[c] x plane_h[c] doubles, row by row, in
 * the samples' own scale. */
void mekio_plane_get(double *out, const media_format *f,
	const media_frame *fr, int c);

/* Store doubles into a plane buffer (rows `stride` bytes apart) of
 * plane c's size: rounded and clamped to 0..media_sample_max (floats
 * clamped only). */
void mekio_plane_put(void *buf, ptrdiff_t stride, const double *in,
	const media_format *f, int c);

/* A grey or RGB frame of 8- or 16-bit samples as a mek_image (pix
 * malloc'd). Fails, naming `name`, on other layouts (YUV, float). */
int mekio_image_from_frame(mek_image *im, const media_format *f,
	const media_frame *fr, const char *name, kv_err *err);

/* The media format of a mek_image: grey or planar RGB, 8 or 16 bit.
 * Only maxval 255 and 65535 map onto a format exactly; others fail. */
int mekio_format_for_image(media_format *f, const mek_image *im,
	kv_err *err);

/* The image's samples as planes in buf (width * height * channels
 * samples of the format's size) and a frame pointing into it. */
void mekio_frame_for_image(media_frame *fr, void *buf,
	const media_format *f, const mek_image *im);

#endif
