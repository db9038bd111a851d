/* pnm.h: binary PGM and PPM (netpbm P5 and P6), 8 and 16 bit.
 *
 * The images share codec.h's pixel buffer: samples interleaved (height,
 * width, channels) in 0..maxval. Files follow netpbm(5): "P5" or "P6",
 * whitespace- and comment-separated width, height and maxval (1..65535),
 * one whitespace byte, then the rows; samples are one byte when
 * maxval < 256, else two bytes, most significant first. */
#ifndef KVAE_PNM_H
#define KVAE_PNM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "media/image.h"

/* Whether buf starts like a P5 or P6 file. */
int pnm_is_pnm(const uint8_t *buf, size_t len);

/* Parse a whole P5/P6 file held in memory. On success img->pix is
 * malloc'd. Fails on a malformed header, a short file, trailing data or
 * a sample above maxval, naming the place. */
int pnm_parse(media_image *img, const uint8_t *buf, size_t len,
	kv_err *err);

/* Write img as P5 (1 channel) or P6 (3 channels) to fp. */
int pnm_write(FILE *fp, const media_image *img, kv_err *err);

#endif
