/* test_frame_source: what frame_input_is_media says of each kind of
 * input; frames of known images and Y4M (from a file and through a
 * pipe, peeked first) come out as v / 127.5 - 1, planar (C, H, W), with
 * the count, rate, size and name the contract promises; a directory
 * comes in strverscmp order; failures name the input and leave nothing
 * allocated (run under ASan). Byte equality with ffmpeg on real video
 * is tests/frame-source.bats's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "feed.h"
#include "media/frame_source.h"
#include "stream/seq.h"

static char dir[] = "/tmp/test_frame_source.XXXXXX";

static const char *
at(const char *name)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	return path[i];
}

static void
write_file(const char *path, const void *b, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(b, 1, n, fp) != n || fclose(fp) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

/* A PGM (channels 1) or PPM (3) of w x h whose sample (x, y, c) is
 * value(x, y, c, seed). */
static uint8_t
value(int x, int y, int c, int seed)
{
	return (uint8_t)((x * 37 + y * 91 + c * 80 + seed * 13) % 256);
}

static void
write_pnm(const char *path, int w, int h, int channels, int seed)
{
	uint8_t buf[4096];
	int n = snprintf((char *)buf, 64, "P%d\n%d %d\n255\n",
	    channels == 1 ? 5 : 6, w, h);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < channels; c++)
				buf[n++] = value(x, y, c, seed);
	write_file(path, buf, (size_t)n);
}

/* Whether frame `out` (C, H, W) holds the pnm's samples scaled; the
 * worst difference goes into *worst. */
static int
frame_is(const float *out, int w, int h, int channels, int seed,
	double *worst)
{
	int bad = 0;

	*worst = 0;
	for (int c = 0; c < channels; c++)
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				float want = value(x, y, c, seed) / 127.5f - 1.0f;
				float got = out[((size_t)c * h + y) * w + x];
				double d = fabs((double)got - want);
				if (d > *worst)
					*worst = d;
				bad += d > 0;
			}
	return bad == 0;
}

static void
is_media(const char *what, const char *path, int want)
{
	kv_err err = { "" };
	int got = frame_input_is_media(path, NULL, &err);

	CHECK(got == want, "frame_input_is_media(%s): %d, want %d %s", what,
	    got, want, err.msg);
}

static void
test_is_media(void)
{
	unsigned char seq[16] = SEQ_MAGIC;
	kv_err err = { "" };

	mkdir(at("d"), 0700);
	write_pnm(at("d/one.pgm"), 4, 2, 1, 0);
	write_file(at("s.csv"), "1,2\n3,4\n", 8);
	write_file(at("s.kvs"), seq, sizeof seq);
	/* a 16-bit mono WAV at 8000 Hz of two zero samples */
	write_file(at("fake.wav"), "RIFF\x28\0\0\0WAVEfmt \x10\0\0\0\x01\0"
	    "\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data\x04\0\0\0"
	    "\0\0\0\0", 48);
	is_media("a directory", at("d"), 1);
	is_media("a PGM", at("d/one.pgm"), 1);
	is_media("a pattern naming no file", at("x/%04d.png"), 1);
	is_media("a glob", at("d/*.pgm"), 1);
	is_media("a CSV stream", at("s.csv"), 0);
	is_media("a binary seq stream", at("s.kvs"), 0);
	int rc = frame_input_is_media(at("fake.wav"), NULL, &err);
	CHECK(rc == -1 && strstr(err.msg, "fake.wav: a sound file, not "
	    "pictures") != NULL, "a WAV: %d, \"%s\"", rc, err.msg);
	rc = frame_input_is_media(at("missing.png"), NULL, &err);
	CHECK(rc == -1 && strstr(err.msg, "missing.png") != NULL,
	    "a missing file: %d, \"%s\"", rc, err.msg);
}

/* Read everything of `s`, comparing frame i with the pnm of seed
 * seeds[i]; returns the frames read. */
static long
read_all(frame_source *s, int w, int h, int channels, const int *seeds,
	int nseeds, const char *what)
{
	float *out = malloc((size_t)w * h * channels * sizeof *out);
	kv_err err = { "" };
	double worst;
	int rc, i = 0;

	while ((rc = frame_source_read(s, out, &err)) == 1) {
		int ok = i < nseeds && frame_is(out, w, h, channels, seeds[i],
		    &worst);
		CHECK(ok, "%s: frame %d is (v / 127.5 - 1) of its samples, "
		    "(C, H, W): worst |diff| %g (tolerance 0)", what, i + 1,
		    i < nseeds ? worst : -1.0);
		i++;
	}
	CHECK(rc == 0, "%s: ends with 0 after %d frames (%s)", what, i,
	    err.msg);
	CHECK(frame_source_read(s, out, &err) == 0, "%s: and 0 again", what);
	free(out);
	return frame_source_count(s);
}

static void
test_images(void)
{
	kv_err err = { "" };
	frame_source *s;
	int seeds[] = { 1, 2, 10, 11 }, num, den, w, h;

	/* one PPM, three channels, at its own size: the values as they are */
	write_pnm(at("rgb.ppm"), 5, 3, 3, 7);
	s = frame_source_open(at("rgb.ppm"), NULL, 5, 3, 3, &err);
	CHECK(s != NULL, "open a PPM: %s", s ? "ok" : err.msg);
	if (s != NULL) {
		frame_source_size(s, &w, &h);
		frame_source_rate(s, &num, &den);
		CHECK(w == 5 && h == 3 && num == 25 && den == 1, "PPM: size "
		    "%dx%d, rate %d/%d; want 5x3, 25/1", w, h, num, den);
		CHECK(read_all(s, 5, 3, 3, (int[]){ 7 }, 1, "PPM") == 1,
		    "PPM: one frame");
		frame_source_close(s);
	}

	/* a directory: img1, img2, img10, img11 in that order (strverscmp,
	 * not strcmp), files that are not images skipped */
	mkdir(at("seq"), 0700);
	write_pnm(at("seq/img10.pgm"), 4, 2, 1, 10);
	write_pnm(at("seq/img2.pgm"), 4, 2, 1, 2);
	write_pnm(at("seq/img11.pgm"), 4, 2, 1, 11);
	write_pnm(at("seq/img1.pgm"), 4, 2, 1, 1);
	write_file(at("seq/notes.txt"), "x\n", 2);
	s = frame_source_open(at("seq"), NULL, 4, 2, 1, &err);
	CHECK(s != NULL, "open a directory: %s", s ? "ok" : err.msg);
	if (s != NULL) {
		long n = read_all(s, 4, 2, 1, seeds, 4, "directory");
		CHECK(n == 4, "directory: %ld frames, want 4", n);
		frame_source_close(s);
	}
	/* the directory opened as an input first, as a tool that peeks
	 * every input does */
	kv_input *in = input_open(at("seq"), &err);
	int m = in ? frame_input_is_media(at("seq"), in, &err) : -2;
	s = in ? frame_source_open(at("seq"), in, 4, 2, 1, &err) : NULL;
	CHECK(s != NULL && m == 1, "a directory opened as an input: %d, %s",
	    m, s ? "ok" : err.msg);
	if (s != NULL) {
		long n = read_all(s, 4, 2, 1, seeds, 4, "directory as input");
		CHECK(n == 4, "directory as input: %ld frames, want 4", n);
		frame_source_close(s);
	}
	s = frame_source_open(at("seq/img1*.pgm"), NULL, 4, 2, 1, &err);
	CHECK(s != NULL, "open a glob: %s", s ? "ok" : err.msg);
	if (s != NULL) {
		long n = read_all(s, 4, 2, 1, (int[]){ 1, 10, 11 }, 3, "glob");
		CHECK(n == 3, "glob: %ld frames, want 3", n);
		frame_source_close(s);
	}
}

/* A grey Y4M of nframes frames of 4x2 at 5 fps: frame f is the PGM of
 * seed f. */
static size_t
make_y4m(uint8_t *buf, int nframes)
{
	size_t n = (size_t)sprintf((char *)buf, "YUV4MPEG2 W4 H2 F5:1 Ip A1:1 "
	    "Cmono\n");

	for (int f = 0; f < nframes; f++) {
		n += (size_t)sprintf((char *)buf + n, "FRAME\n");
		for (int y = 0; y < 2; y++)
			for (int x = 0; x < 4; x++)
				buf[n++] = value(x, y, 0, f);
	}
	return n;
}

static void
test_y4m(void)
{
	uint8_t y4m[1024];
	size_t len = make_y4m(y4m, 6);
	int seeds[] = { 0, 1, 2, 3, 4, 5 }, num, den;
	kv_err err = { "" };
	frame_source *s;
	kv_input *in;
	feed f;

	write_file(at("clip.y4m"), y4m, len);
	s = frame_source_open(at("clip.y4m"), NULL, 4, 2, 1, &err);
	CHECK(s != NULL, "open a Y4M file: %s", s ? "ok" : err.msg);
	if (s != NULL) {
		frame_source_rate(s, &num, &den);
		CHECK(num == 5 && den == 1, "Y4M file: rate %d/%d, want 5/1",
		    num, den);
		CHECK(read_all(s, 4, 2, 1, seeds, 6, "Y4M file") == 6,
		    "Y4M file: 6 frames");
		frame_source_close(s);
	}

	/* through a pipe, peeked by frame_input_is_media first */
	if (feed_pipe(&f, y4m, len) != 0) {
		CHECK(0, "a pipe");
		return;
	}
	in = input_open(f.path, &err);
	int m = in ? frame_input_is_media(f.path, in, &err) : -1;
	CHECK(m == 1, "a Y4M pipe is media: %d %s", m, err.msg);
	s = in ? frame_source_open(f.path, in, 4, 2, 1, &err) : NULL;
	CHECK(s != NULL, "open the peeked pipe: %s", s ? "ok" : err.msg);
	if (s != NULL) {
		CHECK(strcmp(frame_source_name(s), f.path) == 0, "name %s",
		    frame_source_name(s));
		CHECK(read_all(s, 4, 2, 1, seeds, 6, "Y4M pipe") == 6,
		    "Y4M pipe: 6 frames");
		frame_source_close(s);
	}
	feed_end(&f);

	/* a regular file handed over opened and peeked */
	in = input_open(at("clip.y4m"), &err);
	m = in ? frame_input_is_media(at("clip.y4m"), in, &err) : -1;
	s = in ? frame_source_open(at("clip.y4m"), in, 4, 2, 1, &err) : NULL;
	CHECK(m == 1 && s != NULL, "a peeked regular file: %d, %s", m,
	    s ? "ok" : err.msg);
	if (s != NULL) {
		CHECK(read_all(s, 4, 2, 1, seeds, 6, "peeked file") == 6,
		    "peeked file: 6 frames");
		frame_source_close(s);
	}

	/* cut in its fourth frame: three frames, then an error */
	write_file(at("cut.y4m"), y4m, len - 40);
	s = frame_source_open(at("cut.y4m"), NULL, 4, 2, 1, &err);
	if (s != NULL) {
		float out[8];
		int rc, n = 0;
		while ((rc = frame_source_read(s, out, &err)) == 1)
			n++;
		CHECK(rc == -1 && strstr(err.msg, "cut.y4m: the input ends "
		    "early") != NULL, "a cut Y4M: %d frames, then %d \"%s\"",
		    n, rc, err.msg);
		frame_source_close(s);
	} else {
		CHECK(0, "open a cut Y4M: %s", err.msg);
	}
}

static void
fails(const char *what, const char *path, int w, int h, int c,
	const char *want)
{
	kv_err err = { "" };
	frame_source *s = frame_source_open(path, NULL, w, h, c, &err);

	CHECK(s == NULL && strstr(err.msg, want) != NULL, "%s: %s, \"%s\" "
	    "holds \"%s\"", what, s ? "opened" : "NULL", err.msg, want);
	frame_source_close(s);
}

static void
test_failures(void)
{
	mkdir(at("empty"), 0700);
	write_file(at("junk.png"), "\x01\x02 not a picture at all", 23);
	fails("a missing file", at("none.mkv"), 4, 4, 1, "none.mkv: No such");
	fails("an empty directory", at("empty"), 4, 4, 1, "empty: no images");
	fails("a pattern naming nothing", at("empty/%03d.png"), 4, 4, 1,
	    "%03d.png: no files match");
	fails("a glob matching nothing", at("empty/*.png"), 4, 4, 1,
	    "*.png: no files match");
	fails("bytes of no format", at("junk.png"), 4, 4, 1, "junk.png: ");
	fails("2 channels", at("rgb.ppm"), 4, 4, 2, "rgb.ppm: 2 channels");
	fails("a width of 0", at("rgb.ppm"), 0, 4, 1, "frame size 0x4");
	frame_source_close(NULL);
	CHECK(1, "frame_source_close(NULL) returns");
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_is_media();
	test_images();
	test_y4m();
	test_failures();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return check_done();
}
