/* test_frame_sink: frames given to frame_sink come back through
 * media_open/media_read as round((v + 1) 127.5) of the values given,
 * clipped, for every level (FFV1, Y4M, GIF of at most 256 colours, PNG
 * and PGM patterns); names are
 * accepted or refused as the contract lists them; refused, aborted and
 * failed outputs leave nothing. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "media/frame_sink.h"
#include "media/video.h"

#define W 16
#define H 16
#define NFRAMES 3

static char dir[] = "/tmp/test_frame_sink.XXXXXX";

/* The byte frame f, channel c, pixel i should come back as: every
 * level 0..255 in each plane. */
static int
level(int f, int c, int i)
{
	return (i + 37 * f + 85 * c) % 256;
}

/* The float given for level l: the input side's l / 127.5 - 1, moved
 * by up to 0.45 of a level (rounding finds l again) or, at the ends,
 * out of [-1, 1] (clipping does). */
static float
value(int l, int i)
{
	double d = (i % 7 - 3) * 0.15;

	if (l == 255 && i % 5 == 0)
		return i % 2 ? 2.0f : INFINITY;
	if (l == 0 && i % 5 == 0)
		return i % 2 ? -2.0f : -INFINITY;
	return (float)((l + d) / 127.5 - 1);
}

static void
fill(float *frame, int f, int channels)
{
	for (int c = 0; c < channels; c++)
		for (int i = 0; i < W * H; i++)
			frame[c * W * H + i] = value(level(f, c, i), i);
}

/* Read `path` back and count the samples that are not level(). Grey
 * may come back as three equal planes where the decoder makes RGB
 * (GIF: bgra). */
static void
read_back(const char *name, const char *path, int channels, int nframes)
{
	kv_err err;
	media_reader *r = media_open(path, 1, &err);
	const media_format *m;
	media_frame fr;
	int n = 0, bad = 0, rc;

	if (r == NULL) {
		CHECK(0, "%s: read back: %s", name, err.msg);
		return;
	}
	m = media_reader_format(r);
	while ((rc = media_read(r, &fr, &err)) == 1) {
		for (int c = 0; c < m->nplanes; c++)
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++) {
					const uint8_t *row = (const uint8_t *)
					    fr.plane[c] + y * fr.stride[c];
					bad += row[x] != level(n,
					    channels == 1 ? 0 : c, y * W + x);
				}
		n++;
	}
	CHECK(rc == 0 && n == nframes && bad == 0 && (m->nplanes == channels ||
	    (strstr(name, ".gif") && m->nplanes == 3)) &&
	    m->depth == 8 && m->width == W && m->height == H,
	    "%s: %d frames of %dx%d %s (want %d of %dx%d, %d planes), "
	    "%d samples not round((v+1)*127.5) of the clipped values %s",
	    name, n, m->width, m->height, m->pix_fmt, nframes, W, H, channels,
	    bad, rc < 0 ? err.msg : "");
	media_close(r);
}

/* Write NFRAMES frames to dir/name and read them back. */
static void
round_trip(const char *name, const char *first, int channels)
{
	frame_sink_opts o = { .width = W, .height = H, .channels = channels };
	char path[256], back[256];
	float frame[3 * W * H];
	frame_sink *s;
	kv_err err;
	int ok = 1;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(back, sizeof back, "%s/%s", dir, first ? first : name);
	s = frame_sink_open(path, &o, &err);
	if (s == NULL) {
		CHECK(0, "%s: open: %s", name, err.msg);
		return;
	}
	for (int f = 0; f < NFRAMES && ok; f++) {
		fill(frame, f, channels);
		ok = frame_sink_write(s, frame, &err) == 0;
	}
	if (first != NULL)
		CHECK(access(back, F_OK) != 0, "%s: no file before close",
		    name);
	if (!ok || frame_sink_close(s, &err) != 0) {
		if (ok)
			s = NULL;
		frame_sink_abort(s);
		CHECK(0, "%s: write: %s", name, err.msg);
		return;
	}
	read_back(name, first ? path : back, channels, NFRAMES);
}

static void
test_mapping(void)
{
	int bad = 0, worst = 0;

	/* The inverse of frame_source's v / 127.5 - 1, for every level,
	 * as floats: what a model's output of a frame it read would be. */
	for (int l = 0; l < 256; l++) {
		float v = (float)(l / 127.5 - 1);
		double x = fmin(fmax(v, -1), 1);
		int got = (int)floor((x + 1) * 127.5 + 0.5);
		bad += got != l;
		worst = abs(got - l) > worst ? abs(got - l) : worst;
	}
	CHECK(bad == 0, "round((l/127.5 - 1 + 1) 127.5) == l for l 0..255 as "
	    "float: %d differ, worst by %d", bad, worst);
}

static void
test_names(void)
{
	static const char *const ok[] = {
		"-", "out.mkv", "out.MKV", "out.mp4", "out.gif", "out.y4m",
		"f%04d.png", "d/f%d.pgm", "f%03d.ppm", "f%02d.bmp",
		"f%d.tif", "one.png", "one.bmp", "out.avi", "out.mov",
		"/dev/stdout", "100%.mkv", NULL
	};
	static const char *const bad[] = {
		"out.xyz", "noext", "f%04d.mkv", "f%04d.xyz", "d%d/f.png",
		"out.wav", NULL
	};
	kv_err err;

	for (int i = 0; ok[i] != NULL; i++) {
		err.msg[0] = '\0';
		CHECK(frame_sink_name_ok(ok[i], &err) == 1, "name '%s' "
		    "accepted %s", ok[i], err.msg);
	}
	for (int i = 0; bad[i] != NULL; i++) {
		int r = frame_sink_name_ok(bad[i], &err);
		CHECK(r == 0 && strstr(err.msg, bad[i]) != NULL,
		    "name '%s' refused, naming it: %s", bad[i],
		    r == 0 ? err.msg : "(accepted)");
	}
	CHECK(frame_sink_name_ok("out.xyz", &err) == 0 &&
	    strstr(err.msg, ".mkv") && strstr(err.msg, ".y4m") &&
	    strstr(err.msg, "%04d.png"), "an unknown suffix lists the known "
	    "names: %s", err.msg);
}

static void
test_errors(void)
{
	frame_sink_opts o = { .width = W, .height = H, .channels = 1 };
	float frame[W * H] = { 0 };
	char path[256];
	frame_sink *s;
	kv_err err;

	snprintf(path, sizeof path, "%s/x.xyz", dir);
	CHECK(frame_sink_open(path, &o, &err) == NULL && strstr(err.msg, path)
	    && access(path, F_OK) != 0, "unknown suffix: no sink, no file: "
	    "%s", err.msg);
	snprintf(path, sizeof path, "%s/x.mkv", dir);
	o.channels = 2;
	CHECK(frame_sink_open(path, &o, &err) == NULL &&
	    strstr(err.msg, "2 channels") && access(path, F_OK) != 0,
	    "2 channels refused: %s", err.msg);
	o.channels = 1;
	o.fps_num = -1;
	CHECK(frame_sink_open(path, &o, &err) == NULL &&
	    strstr(err.msg, "frame rate"), "frame rate -1/0 refused: %s",
	    err.msg);
	o.fps_num = 0;
	s = frame_sink_open(path, &o, &err);
	frame[17] = NAN;
	CHECK(s != NULL && frame_sink_write(s, frame, &err) != 0 &&
	    strstr(err.msg, "NaN at channel 0, row 1, column 1"),
	    "NaN is an error naming where: %s", err.msg);
	frame_sink_abort(s);
	CHECK(access(path, F_OK) != 0, "aborted .mkv: no file");
	frame[17] = 0;
	snprintf(path, sizeof path, "%s/p%%02d.png", dir);
	s = frame_sink_open(path, &o, &err);
	CHECK(s != NULL && frame_sink_write(s, frame, &err) == 0,
	    "pattern: a frame written");
	frame_sink_abort(s);
	snprintf(path, sizeof path, "%s/p01.png", dir);
	CHECK(access(path, F_OK) != 0, "aborted pattern: no file");
	snprintf(path, sizeof path, "%s/empty.mkv", dir);
	s = frame_sink_open(path, &o, &err);
	CHECK(s != NULL && frame_sink_close(s, &err) != 0 &&
	    access(path, F_OK) != 0, "no frames: an error, no file: %s",
	    err.msg);
	snprintf(path, sizeof path, "%s/empty%%d.png", dir);
	s = frame_sink_open(path, &o, &err);
	CHECK(s != NULL && frame_sink_close(s, &err) != 0,
	    "no frames for a pattern: an error: %s", err.msg);
	frame_sink_abort(NULL);
}

/* Remove what the round trips left in dir. */
static void
clean(void)
{
	static const char *const names[] = {
		"gray.mkv", "rgb.mkv", "gray.y4m", "gray.gif", "rgb.gif", "f1.png", "f2.png",
		"f3.png", "g01.pgm", "g02.pgm", "g03.pgm", NULL
	};
	char path[256];

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	CHECK(rmdir(dir) == 0, "nothing else left in the test directory");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_mapping();
	round_trip("gray.mkv", NULL, 1);
	round_trip("rgb.mkv", NULL, 3);
	round_trip("gray.y4m", NULL, 1);
	round_trip("gray.gif", NULL, 1);
	round_trip("rgb.gif", NULL, 3);	/* 256 pixels: exact palette */
	round_trip("f%d.png", "f1.png", 3);
	round_trip("g%02d.pgm", "g01.pgm", 1);
	test_names();
	test_errors();
	clean();
	return check_done();
}
