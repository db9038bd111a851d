/* file.c: the .mek codec from file to file; see file.h. */
#include "mek/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/input.h"
#include "core/outfile.h"
#include "media/image_file.h"

static int
write_bytes(const char *path, const uint8_t *buf, size_t len, kv_err *err)
{
	outfile *out = outfile_open(path, err);

	if (out == NULL)
		return -1;
	if (fwrite(buf, 1, len, outfile_stream(out)) != len) {
		kv_errf(err, "%s: %s", outfile_name(out), strerror(errno));
		outfile_abort(out);
		return -1;
	}
	return outfile_commit(out, err);
}

int
mek_compress_file(const char *in, const char *out, const mek_params *par,
	kv_err *err)
{
	kv_input *inp = input_open(in, err);
	media_image im;
	uint8_t *mek;
	size_t len;
	int rc;

	if (inp == NULL)
		return -1;
	rc = image_file_read(&im, inp, err);
	input_close(inp);
	if (rc != 0)
		return -1;
	rc = mek_compress(&mek, &len, &im, par, err);
	free(im.pix);
	if (rc != 0)
		return kv_err_prefix(err, "%s", infile_name(in));
	rc = write_bytes(out, mek, len, err);
	free(mek);
	return rc;
}

int
mek_decompress_file(const char *in, const char *out, kv_err *err)
{
	kv_input *inp = input_open(in, err);
	const char *lossy;
	media_image im;
	uint8_t *buf;
	size_t len;
	int rc;

	if (inp == NULL)
		return -1;
	if ((lossy = image_file_lossy_codec(out)) != NULL) {
		input_close(inp);
		return kv_errf(err, "%s: %s is lossy; a .mek decompresses to a "
		    "lossless format (PNG, TIFF, BMP, PGM/PPM, ...)", out,
		    lossy);
	}
	rc = input_readall(inp, IMAGE_FILE_MAX_BYTES, &buf, &len, err);
	input_close(inp);
	if (rc != 0)
		return -1;
	rc = mek_decompress(&im, buf, len, err);
	free(buf);
	if (rc != 0)
		return kv_err_prefix(err, "%s", infile_name(in));
	if (im.channels != 1 && im.channels != 3)
		rc = kv_errf(err, "%s: %u channels cannot be written as an "
		    "image", infile_name(in), im.channels);
	else
		rc = image_file_write(out, &im, err);
	free(im.pix);
	return rc;
}
