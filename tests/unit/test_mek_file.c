/* test_mek_file: the codec from file to file: PGM/PPM and PNG in, the
 * same .mek from a file, a pipe and a FIFO; back bit-exact as PGM/PPM
 * and PNG; errors name the file and leave nothing at the output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "feed.h"
#include "media/image_file.h"
#include "mek/file.h"

static char dir[] = "/tmp/test_mek_file.XXXXXX";
static const char *how_name[] = { "file", "pipe", "FIFO" };

static media_image
make_image(uint32_t w, uint32_t h, uint32_t c, uint32_t maxval)
{
	media_image im = { w, h, c, maxval, malloc((size_t)w * h * c * 2) };
	for (size_t y = 0; y < h; y++)
		for (size_t x = 0; x < w; x++)
			for (size_t k = 0; k < c; k++)
				im.pix[(y * w + x) * c + k] = (uint16_t)(((x * x +
				    3 * y + 50 * k) * (maxval / 255 + 1) +
				    (x * y) % 5) % (maxval + 1));
	return im;
}

/* Compress `in` read as a file, through a pipe or a FIFO. */
static int
compress_via(const char *in, int how, const char *out, kv_err *err)
{
	mek_params par = { 0, MEK_DEFAULT_ORDER };
	size_t len = 0;
	unsigned char *bytes = how ? feed_slurp(in, &len) : NULL;
	char fifo[256];
	feed f;
	int rc;

	if (how == 1)
		feed_pipe(&f, bytes, len);
	else if (how == 2) {
		snprintf(fifo, sizeof fifo, "%s/fifo", dir);
		feed_fifo(&f, fifo, bytes, len);
	}
	rc = mek_compress_file(how ? f.path : in, out, &par, err);
	if (how)
		feed_end(&f);
	free(bytes);
	return rc;
}

static int
same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	unsigned char *x = feed_slurp(a, &la), *y = feed_slurp(b, &lb);
	int same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

static void
round_trip(const char *name, const media_image *im)
{
	char in[256], mek[256], ref[256], back[256], png[256];
	kv_err err = { "" };

	snprintf(in, sizeof in, "%s/%s", dir, name);
	snprintf(mek, sizeof mek, "%s/a.mek", dir);
	snprintf(ref, sizeof ref, "%s/ref.mek", dir);
	snprintf(back, sizeof back, "%s/back%s", dir, strrchr(name, '.'));
	snprintf(png, sizeof png, "%s/back.png", dir);
	image_file_write(in, im, &err);
	for (int how = 0; how < 3; how++) {
		CHECK(compress_via(in, how, how ? mek : ref, &err) == 0,
		    "%s: compress through a %s: %s", name, how_name[how],
		    err.msg);
		if (how)
			CHECK(same_file(mek, ref), "%s: the .mek through a %s is "
			    "the file's", name, how_name[how]);
	}
	CHECK(mek_decompress_file(ref, back, &err) == 0 &&
	    same_file(in, back), "%s: back bit-exact: %s", name,
	    err.msg[0] ? err.msg : "same bytes");
	if (im->maxval == 255 || im->maxval == 65535) {
		media_image got;
		kv_input *inp = NULL;
		int rc = mek_decompress_file(ref, png, &err);
		if (rc == 0 && (inp = input_open(png, &err)) != NULL)
			rc = image_file_read(&got, inp, &err);
		input_close(inp);
		CHECK(rc == 0 && memcmp(got.pix, im->pix, (size_t)im->width *
		    im->height * im->channels * 2) == 0, "%s: back as PNG, the "
		    "same samples: %s", name, rc ? err.msg : "yes");
		if (rc == 0)
			free(got.pix);
		/* and the PNG compresses to the same .mek, from a pipe too */
		for (int how = 0; how < 2; how++)
			CHECK(compress_via(png, how, mek, &err) == 0 &&
			    same_file(mek, ref), "%s: its PNG through a %s "
			    "compresses to the same .mek: %s", name,
			    how_name[how], err.msg[0] ? err.msg : "yes");
		unlink(png);
	}
	unlink(in);
	unlink(mek);
	unlink(ref);
	unlink(back);
}

int
main(void)
{
	char path[256], out[256];
	kv_err err = { "" };
	media_image im;

	if (mkdtemp(dir) == NULL)
		return 1;
	im = make_image(37, 23, 1, 255);
	round_trip("g8.pgm", &im);
	free(im.pix);
	im = make_image(29, 17, 1, 65535);
	round_trip("g16.pgm", &im);
	free(im.pix);
	im = make_image(21, 19, 3, 255);
	round_trip("rgb8.ppm", &im);
	free(im.pix);
	im = make_image(20, 10, 1, 1023);
	round_trip("g10.pgm", &im);
	free(im.pix);

	/* errors */
	snprintf(path, sizeof path, "%s/x.txt", dir);
	snprintf(out, sizeof out, "%s/out.mek", dir);
	FILE *fp = fopen(path, "w");
	fputs("hello\n", fp);
	fclose(fp);
	CHECK(mek_decompress_file(path, out, &err) != 0 &&
	    strstr(err.msg, "x.txt: not a .mek file") != NULL &&
	    access(out, F_OK) != 0, "decompress text: %s", err.msg);
	CHECK(compress_via(path, 1, out, &err) != 0 &&
	    strstr(err.msg, ": not a binary PGM/PPM image") != NULL &&
	    access(out, F_OK) != 0, "compress text through a pipe: %s",
	    err.msg);
	snprintf(path, sizeof path, "%s/missing.pgm", dir);
	CHECK(compress_via(path, 0, out, &err) != 0 &&
	    strstr(err.msg, "missing.pgm: No such file") != NULL,
	    "missing input: %s", err.msg);

	/* a 2-channel .mek: the codec holds it, no image file does */
	im = make_image(8, 8, 2, 255);
	uint8_t *mek;
	size_t len;
	mek_params par = { 0, 4 };
	mek_compress(&mek, &len, &im, &par, &err);
	snprintf(path, sizeof path, "%s/two.mek", dir);
	fp = fopen(path, "wb");
	fwrite(mek, 1, len, fp);
	fclose(fp);
	snprintf(out, sizeof out, "%s/two.pgm", dir);
	CHECK(mek_decompress_file(path, out, &err) != 0 &&
	    strstr(err.msg, "two.mek: 2 channels cannot be written") != NULL &&
	    access(out, F_OK) != 0, "2 channels: %s", err.msg);
	free(mek);
	free(im.pix);
	unlink(path);
	snprintf(path, sizeof path, "%s/x.txt", dir);
	unlink(path);
	rmdir(dir);
	return check_done();
}
