/* planes.h: a frame (video.h) as planes of doubles and back, and as a
 * media_image pixel buffer and back. */
#ifndef KVAE_PLANES_H
#define KVAE_PLANES_H

#include <stddef.h>

#include "core/err.h"
#include "media/image.h"
#include "media/video.h"

/* Plane c of a frame as plane_w[c] x plane_h[c] doubles, row by row, in
 * the samples' own scale. */
void media_plane_get(double *out, const media_format *f,
	const media_frame *fr, int c);

/* Store doubles into a plane buffer (rows `stride` bytes apart) of
 * plane c's size: rounded and clamped to 0..media_sample_max (floats
 * clamped only). */
void media_plane_put(void *buf, ptrdiff_t stride, const double *in,
	const media_format *f, int c);

/* A grey or RGB frame of 8- or 16-bit samples as a media_image (pix
 * malloc'd). Fails, naming `name`, on other layouts (YUV, float). */
int media_image_from_frame(media_image *im, const media_format *f,
	const media_frame *fr, const char *name, kv_err *err);

/* The media format of a media_image: grey or planar RGB, 8 or 16 bit.
 * Only maxval 255 and 65535 map onto a format exactly; others fail. */
int media_format_for_image(media_format *f, const media_image *im,
	kv_err *err);

/* The image's samples as planes in buf (width * height * channels
 * samples of the format's size) and a frame pointing into it. */
void media_frame_for_image(media_frame *fr, void *buf,
	const media_format *f, const media_image *im);

#endif
