/* test_image_file: one image written and read back sample for sample:
 * PGM/PPM here (any maxval), PNG through libav*; read from a file, a
 * pipe and a FIFO; output names that mean PGM/PPM; errors name the
 * file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "feed.h"
#include "media/image_file.h"
#include "media/planes.h"
#include "media/video.h"

static char dir[] = "/tmp/test_image_file.XXXXXX";

static media_image
make_image(uint32_t w, uint32_t h, uint32_t c, uint32_t maxval)
{
	media_image im = { w, h, c, maxval, malloc((size_t)w * h * c * 2) };
	for (size_t i = 0; i < (size_t)w * h * c; i++)
		im.pix[i] = (uint16_t)((i * 37 + i / 7) % (maxval + 1));
	return im;
}

static int
same_image(const media_image *a, const media_image *b)
{
	return a->width == b->width && a->height == b->height &&
	    a->channels == b->channels && a->maxval == b->maxval &&
	    memcmp(a->pix, b->pix, (size_t)a->width * a->height *
	    a->channels * sizeof *a->pix) == 0;
}

/* Read path's bytes back as a file (through), a pipe or a FIFO. */
static int
read_back(media_image *im, const char *path, int how, kv_err *err)
{
	size_t len = 0;
	unsigned char *bytes = feed_slurp(path, &len);
	char fifo[256];
	feed f;
	int rc;

	if (how == 1)
		feed_pipe(&f, bytes, len);
	else if (how == 2) {
		snprintf(fifo, sizeof fifo, "%s/fifo", dir);
		feed_fifo(&f, fifo, bytes, len);
	}
	kv_input *in = input_open(how ? f.path : path, err);
	rc = in ? image_file_read(im, in, err) : -1;
	input_close(in);
	if (how)
		feed_end(&f);
	free(bytes);
	return rc;
}

static void
round_trip(const char *name, const media_image *im)
{
	static const char *how[] = { "file", "pipe", "FIFO" };
	char path[256];
	kv_err err = { "" };

	snprintf(path, sizeof path, "%s/%s", dir, name);
	CHECK(image_file_write(path, im, &err) == 0, "write %s: %s", name,
	    err.msg);
	for (int h = 0; h < 3; h++) {
		media_image back = { 0 };
		int rc = read_back(&back, path, h, &err);
		CHECK(rc == 0 && same_image(im, &back), "%s %ux%ux%u maxval %u "
		    "back through a %s: %s", name, im->width, im->height,
		    im->channels, im->maxval, how[h], rc ? err.msg :
		    "same samples");
		free(back.pix);
	}
	unlink(path);
}

static void
write_file(const char *path, const void *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	fwrite(b, 1, n, fp);
	fclose(fp);
}

int
main(void)
{
	char path[256];
	kv_err err = { "" };
	media_image im, back;

	if (mkdtemp(dir) == NULL)
		return 1;
	CHECK(image_file_pnm_name(NULL) && image_file_pnm_name("-") &&
	    image_file_pnm_name("a.pgm") && image_file_pnm_name("a.PPM") &&
	    image_file_pnm_name("d.x/a.pnm") && !image_file_pnm_name("a.png") &&
	    !image_file_pnm_name("pgm") && !image_file_pnm_name("a.pgm.gz"),
	    "PGM/PPM output names: stdout, .pgm/.ppm/.pnm in any case");

	im = make_image(37, 23, 1, 255);
	round_trip("g8.pgm", &im);
	round_trip("g8.png", &im);
	free(im.pix);
	im = make_image(20, 11, 1, 1023);
	round_trip("g10.pgm", &im);
	free(im.pix);
	im = make_image(19, 13, 3, 65535);
	round_trip("rgb16.ppm", &im);
	round_trip("rgb16.png", &im);
	free(im.pix);

	/* not an image: from a file libav says so; from a pipe the message
	 * says what was tried */
	snprintf(path, sizeof path, "%s/x.txt", dir);
	write_file(path, "hello\n", 6);
	CHECK(read_back(&back, path, 0, &err) != 0 &&
	    strncmp(err.msg, path, strlen(path)) == 0, "text file: %s",
	    err.msg);
	CHECK(read_back(&back, path, 1, &err) != 0 &&
	    strstr(err.msg, ": not a binary PGM/PPM image (P5/P6), nor an "
	    "image ffmpeg reads (") != NULL, "text through a pipe: %s",
	    err.msg);
	snprintf(path, sizeof path, "%s/h.pgm", dir);
	write_file(path, "P5\n4 x\n255\n", 11);
	CHECK(read_back(&back, path, 2, &err) != 0 &&
	    strstr(err.msg, "fifo: header: height is not a number") != NULL,
	    "bad PGM header through a FIFO: %s", err.msg);

	/* two frames: not one image */
	im = make_image(16, 16, 1, 255);
	media_format f;
	media_frame fr;
	void *buf = malloc(16 * 16 * 2);
	media_format_for_image(&f, &im, &err);
	media_frame_for_image(&fr, buf, &f, &im);
	snprintf(path, sizeof path, "%s/two.y4m", dir);
	media_writer *w = media_writer_open(path, &f, NULL, NULL, &err);
	media_write(w, &fr, &err);
	fr.index = 1;
	media_write(w, &fr, &err);
	CHECK(media_writer_close(w, &err) == 0, "two-frame Y4M written: %s",
	    err.msg);
	for (int h = 0; h < 2; h++)
		CHECK(read_back(&back, path, h, &err) != 0 &&
		    strstr(err.msg, ": holds more than one frame") != NULL,
		    "two frames (%s): %s", h ? "pipe" : "file", err.msg);
	free(buf);
	unlink(path);

	/* an unwritable output: named, nothing left */
	snprintf(path, sizeof path, "%s/none/a.pgm", dir);
	CHECK(image_file_write(path, &im, &err) != 0 &&
	    strstr(err.msg, path) != NULL, "PGM into a missing directory: %s",
	    err.msg);
	snprintf(path, sizeof path, "%s/none/a.png", dir);
	CHECK(image_file_write(path, &im, &err) != 0 &&
	    strstr(err.msg, path) != NULL, "PNG into a missing directory: %s",
	    err.msg);
	/* a maxval no other format holds exactly */
	free(im.pix);
	im = make_image(8, 8, 1, 1000);
	snprintf(path, sizeof path, "%s/m.png", dir);
	CHECK(image_file_write(path, &im, &err) != 0 &&
	    strncmp(err.msg, path, strlen(path)) == 0 &&
	    access(path, F_OK) != 0, "maxval 1000 as PNG refused: %s",
	    err.msg);
	free(im.pix);

	snprintf(path, sizeof path, "%s/x.txt", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/h.pgm", dir);
	unlink(path);
	rmdir(dir);
	return check_done();
}
