/* image_file.h: one image in and out of a file as a media_image: binary
 * PGM/PPM handled here (exact maxval), other formats through video.h.
 *
 * An input is read once, through core/input.h, so a pipe or FIFO works
 * for every format: PGM/PPM are parsed from memory, other images come
 * through libavformat from the file by its path when it is a regular
 * file, else from the bytes held in memory. */
#ifndef KVAE_IMAGE_FILE_H
#define KVAE_IMAGE_FILE_H

#include <stddef.h>

#include "core/err.h"
#include "core/input.h"
#include "media/image.h"
#include "media/video.h"

/* The most bytes of an image file read into memory (4 GiB). */
#define IMAGE_FILE_MAX_BYTES ((size_t)1 << 32)

/* Whether an image written to `path` is a PGM/PPM written here: stdout
 * ("-" or NULL), or a name ending in .pgm, .ppm or .pnm (any case). */
int image_file_pnm_name(const char *path);

/* The long name of the codec an image written to `path` would be coded
 * with (by its suffix), when that codec is lossy only (libavcodec's
 * AV_CODEC_PROP_LOSSY without AV_CODEC_PROP_LOSSLESS: JPEG, say); NULL
 * for PGM/PPM, lossless codecs, and names with no known format. */
const char *image_file_lossy_codec(const char *path);

/* Parse a PGM/PPM held in memory; the message names `name`. */
int image_file_parse_pnm(media_image *im, const uint8_t *buf, size_t len,
	const char *name, kv_err *err);

/* 0 when a reader's format `f` has no alpha; else -1 and a message
 * naming `name` that says how to flatten it. */
int image_file_refuse_alpha(const media_format *f,
	const char *name, kv_err *err);

/* Read the one image `in` holds (grey or RGB, 8 or 16 bit: PGM/PPM, PNG,
 * TIFF, ...) into im (pix malloc'd). Fails, naming the input, on a
 * malformed PGM/PPM, an input that is not an image libavformat reads,
 * a layout other than grey or RGB (alpha included), or more than one frame. */
int image_file_read(media_image *im, kv_input *in, kv_err *err);

/* Write im (1 or 3 channels) to `path` atomically: PGM/PPM when
 * image_file_pnm_name says so, else in the format the suffix names
 * (16-bit samples need maxval 65535 there, 8-bit 255). Fails naming the
 * path; nothing is left there on failure. */
int image_file_write(const char *path, const media_image *im, kv_err *err);

#endif
