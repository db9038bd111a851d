/* file.h: the .mek codec (codec.h) from file to file, as
 * `me-kalman --compress/--decompress` runs it.
 *
 * Inputs are read once (core/input.h), so a pipe or FIFO works; outputs
 * are written atomically (core/outfile.h). Every message names the file
 * it is about. */
#ifndef KVAE_MEK_FILE_H
#define KVAE_MEK_FILE_H

#include "core/err.h"
#include "mek/codec.h"

/* Compress the image at `in` ("-" or NULL: stdin; grey or RGB, 8 or 16
 * bit: PGM/PPM, or any image file libavformat reads, see
 * media/image_file.h) into a .mek file written to `out` ("-" or NULL:
 * stdout). Fails on an input that is not such an image or parameters
 * out of range. */
int mek_compress_file(const char *in, const char *out, const mek_params *par,
	kv_err *err);

/* Decompress the .mek file at `in` to an image at `out`: PGM/PPM on
 * stdout or for a .pgm/.ppm/.pnm name, else the format the suffix names
 * (through libavformat). Fails on a damaged or truncated .mek, or an
 * image of channels other than 1 or 3. */
int mek_decompress_file(const char *in, const char *out, kv_err *err);

#endif
