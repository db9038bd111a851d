/* test_media: frames written through media_writer come back through
 * media_open/media_read sample for sample (lossless formats), with the
 * format fields the contract promises, also when kept (media_keep) past
 * later reads and past media_close; errors name the file. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "media/video.h"

#define W 34
#define H 22
#define NFRAMES 3

static char dir[] = "/tmp/test_media.XXXXXX";

static uint16_t
value(int f, int c, int x, int y, int max)
{
	return (uint16_t)((x * 7 + y * 13 + f * 29 + c * 51 + x * y) % (max + 1));
}

/* The number of samples of fr that are not those of frame f. */
static int
frame_differs(const media_format *fmt, const media_frame *fr, int f,
	int bytes, int max)
{
	int bad = 0;

	for (int c = 0; c < fmt->nplanes; c++)
		for (int y = 0; y < fmt->plane_h[c]; y++)
			for (int x = 0; x < fmt->plane_w[c]; x++) {
				const char *row = (const char *)fr->plane[c] +
				    y * fr->stride[c];
				uint16_t v = bytes == 1 ? ((const uint8_t *)row)[x] :
				    ((const uint16_t *)row)[x];
				bad += v != value(f, c, x, y, max);
			}
	return bad;
}

/* Write NFRAMES frames of `fmt` to `name`, read them back, compare. */
static void
round_trip(const char *name, const char *codec, media_format fmt)
{
	char path[256];
	int bytes = fmt.sample == MEDIA_U8 ? 1 : 2, max = (1 << fmt.depth) - 1;
	int nframes = strstr(name, ".png") ? 1 : NFRAMES;
	void *planes[MEDIA_MAX_PLANES];
	media_writer *w;
	media_reader *r;
	media_frame fr, kf[NFRAMES];
	media_kept *kept[NFRAMES] = { NULL };
	kv_err err;
	int f, bad = 0, got = 0;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (int c = 0; c < fmt.nplanes; c++)
		planes[c] = malloc((size_t)fmt.plane_w[c] * fmt.plane_h[c] * 2);
	w = media_writer_open(path, &fmt, NULL, codec, &err);
	if (w == NULL) {
		CHECK(0, "%s: open for writing: %s", name, err.msg);
		return;
	}
	for (f = 0; f < nframes; f++) {
		for (int c = 0; c < fmt.nplanes; c++) {
			for (int y = 0; y < fmt.plane_h[c]; y++)
				for (int x = 0; x < fmt.plane_w[c]; x++) {
					size_t i = (size_t)y * fmt.plane_w[c] + x;
					uint16_t v = value(f, c, x, y, max);
					if (bytes == 1)
						((uint8_t *)planes[c])[i] = (uint8_t)v;
					else
						((uint16_t *)planes[c])[i] = v;
				}
			fr.plane[c] = planes[c];
			fr.stride[c] = (ptrdiff_t)fmt.plane_w[c] * bytes;
		}
		if (media_write(w, &fr, &err) != 0)
			CHECK(0, "%s: write frame %d: %s", name, f, err.msg);
	}
	if (media_writer_close(w, &err) != 0)
		CHECK(0, "%s: close: %s", name, err.msg);
	r = media_open(path, 0, &err);
	if (r == NULL) {
		CHECK(0, "%s: open for reading: %s", name, err.msg);
		return;
	}
	{
		const media_format *g = media_reader_format(r);
		CHECK(g->width == W && g->height == H && g->nplanes ==
		    fmt.nplanes && g->color == fmt.color && g->depth ==
		    fmt.depth && g->sample == fmt.sample &&
		    g->plane_w[g->nplanes - 1] == fmt.plane_w[fmt.nplanes - 1],
		    "%s: format read back: %dx%d %s, %d planes, depth %d",
		    name, g->width, g->height, g->pix_fmt, g->nplanes,
		    g->depth);
	}
	while (got < NFRAMES && media_read(r, &fr, &err) == 1) {
		bad += frame_differs(&fmt, &fr, got, bytes, max);
		kf[got] = fr;
		if ((kept[got] = media_keep(r, &kf[got])) == NULL)
			bad++;
		got++;
	}
	CHECK(got == nframes && bad == 0, "%s: %d of %d frames back, %d "
	    "samples differ", name, got, nframes, bad);
	media_close(r);
	/* every frame kept, checked after the reader moved on and closed */
	for (f = 0; f < got; f++) {
		bad += kept[f] == NULL || frame_differs(&fmt, &kf[f], f, bytes,
		    max);
		media_kept_free(kept[f]);
	}
	CHECK(bad == 0, "%s: %d frames kept past later reads and close, %d "
	    "samples differ", name, got, bad);
	unlink(path);
	for (int c = 0; c < fmt.nplanes; c++)
		free(planes[c]);
}

static media_format
format_of(const char *pix_fmt, int nplanes, enum media_color color,
	int depth, int sub)
{
	media_format f = { .width = W, .height = H, .nplanes = nplanes,
	    .log2_chroma_w = sub, .log2_chroma_h = sub,
	    .sample = depth > 8 ? MEDIA_U16 : MEDIA_U8, .depth = depth,
	    .color = color, .matrix = MEDIA_BT601, .fps_num = 25,
	    .fps_den = 1 };

	snprintf(f.pix_fmt, sizeof f.pix_fmt, "%s", pix_fmt);
	for (int c = 0; c < nplanes; c++) {
		f.plane_w[c] = c ? (W + (1 << sub) - 1) >> sub : W;
		f.plane_h[c] = c ? (H + (1 << sub) - 1) >> sub : H;
	}
	return f;
}

/* Copy `in` frame by frame into `name` (with `codec`), then read both:
 * every frame's time in seconds must be the input's. */
static void
copy_keeps_times(const char *in, const char *name, const char *codec)
{
	char out[256];
	media_reader *r = NULL, *b = NULL;
	media_writer *w = NULL;
	media_frame fr, fb;
	kv_err err;
	int n = 0, nb = 0, bad = 0, rc;
	double worst = 0;

	snprintf(out, sizeof out, "%s/%s", dir, name);
	if ((r = media_open(in, 0, &err)) == NULL ||
	    (w = media_writer_open(out, media_reader_format(r), NULL, codec,
	    &err)) == NULL) {
		CHECK(0, "%s: open: %s", name, err.msg);
		media_close(r);
		return;
	}
	while ((rc = media_read(r, &fr, &err)) == 1 &&
	    media_write(w, &fr, &err) == 0)
		n++;
	if (rc != 0 || media_writer_close(w, &err) != 0) {
		CHECK(0, "%s: copy: %s", name, err.msg);
		media_close(r);
		return;
	}
	media_close(r);
	r = media_open(in, 0, &err);
	b = media_open(out, 0, &err);
	if (r == NULL || b == NULL) {
		CHECK(0, "%s: reopen: %s", name, err.msg);
		media_close(r);
		media_close(b);
		return;
	}
	const media_format *fa = media_reader_format(r);
	const media_format *fo = media_reader_format(b);
	while (media_read(r, &fr, &err) == 1) {
		if (media_read(b, &fb, &err) != 1)
			break;
		nb++;
		double ta = (double)fr.pts * fa->tb_num / fa->tb_den;
		double tb = (double)fb.pts * fo->tb_num / fo->tb_den;
		bad += !fr.timed || !fb.timed || fabs(ta - tb) > 1e-3;
		if (fabs(ta - tb) > worst)
			worst = fabs(ta - tb);
	}
	CHECK(nb == n && bad == 0, "%s: %d of %d frames back, %d at another "
	    "time than the input's (worst %.4f s, tolerance 0.001 s)", name,
	    nb, n, bad, worst);
	media_close(r);
	media_close(b);
	unlink(out);
}

/* A variable-frame-rate input (ten frames 40 ms apart, then 100 ms
 * apart) keeps its times through the writer. */
static void
test_times(void)
{
	char in[256], cmd[512];

	snprintf(in, sizeof in, "%s/vfr.mkv", dir);
	snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -y -f lavfi -i "
	    "testsrc=size=64x48:rate=25:duration=1 -vf \"setpts='if(lt(N,10),"
	    "N*0.04/TB,(0.4+(N-10)*0.1)/TB)'\" -c:v ffv1 %s", in);
	if (system(cmd) != 0) {
		CHECK(0, "ffmpeg made no variable-rate input: %s", cmd);
		return;
	}
	copy_keeps_times(in, "vfr-ffv1.mkv", "ffv1");
	copy_keeps_times(in, "vfr-mpeg4.avi", NULL);
	copy_keeps_times(in, "vfr-mpeg4.mp4", "mpeg4");
	unlink(in);
}

/* Read `path` to its end: the frames, and whether media_reader_damage
 * reports (its message into msg). -1 when it cannot be read. */
static int
read_all(const char *path, int *frames, char *msg, size_t n)
{
	media_reader *r;
	media_frame fr;
	kv_err err, why;
	int rc, damaged;

	*frames = 0;
	msg[0] = '\0';
	if ((r = media_open(path, 0, &err)) == NULL) {
		snprintf(msg, n, "%s", err.msg);
		return -1;
	}
	while ((rc = media_read(r, &fr, &err)) == 1)
		(*frames)++;
	if (rc < 0) {
		snprintf(msg, n, "%s", err.msg);
		media_close(r);
		return -1;
	}
	damaged = media_reader_damage(r, &why);
	if (damaged)
		snprintf(msg, n, "%s", why.msg);
	media_close(r);
	return damaged;
}

/* Files of 40 frames, whole and cut to 60% of their bytes: the whole
 * ones read without a word, the cut ones end early (no error) with the
 * damage reported. */
static void
test_damage(void)
{
	static const struct { const char *suffix, *args; } kinds[] = {
		{ "mkv", "-c:v mpeg4" }, { "avi", "-c:v mpeg4" },
		{ "mp4", "-c:v mpeg4 -movflags +faststart" },
		{ "y4m", "-pix_fmt yuv420p" },
	};
	char full[256], cut[256], cmd[2048], msg[2048];

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		int n_full, n_cut, d;
		snprintf(full, sizeof full, "%s/full.%s", dir, kinds[k].suffix);
		snprintf(cut, sizeof cut, "%s/cut.%s", dir, kinds[k].suffix);
		snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -v error -y -f lavfi "
		    "-i testsrc=size=96x64:rate=25 -frames:v 40 %s %s && "
		    "head -c $(($(stat -c %%s %s) * 6 / 10)) %s > %s",
		    kinds[k].args, full, full, full, cut);
		if (system(cmd) != 0) {
			CHECK(0, "%s: ffmpeg made no input: %s", kinds[k].suffix,
			    cmd);
			continue;
		}
		d = read_all(full, &n_full, msg, sizeof msg);
		CHECK(d == 0 && n_full == 40, "whole %s: %d frames, damage "
		    "%d (expected 40, 0) %s", kinds[k].suffix, n_full, d, msg);
		d = read_all(cut, &n_cut, msg, sizeof msg);
		CHECK(d == 1 && n_cut > 0 && n_cut < 40 && strstr(msg, cut) &&
		    strstr(msg, "ends early"), "cut %s: %d frames, damage %d "
		    "(expected 1..39, 1): %s", kinds[k].suffix, n_cut, d, msg);
		unlink(full);
		unlink(cut);
	}
}

static void
test_errors(void)
{
	char path[256];
	kv_err err;
	FILE *fp;
	media_format g = format_of("gray", 1, MEDIA_GRAY, 8, 0);
	uint8_t px[W * H] = { 0 };
	media_frame fr = { .plane = { px }, .stride = { W } };
	media_writer *w;

	CHECK(media_open("/nonexistent/x.mp4", 0, &err) == NULL &&
	    strstr(err.msg, "/nonexistent/x.mp4: No such file") != NULL,
	    "missing file: %s", err.msg);
	snprintf(path, sizeof path, "%s/garbage.mp4", dir);
	fp = fopen(path, "wb");
	for (int i = 0; i < 5000; i++)
		fputc((i * 7919) % 251, fp);
	fclose(fp);
	CHECK(media_open(path, 1, &err) == NULL && strstr(err.msg, path) != NULL,
	    "corrupt file: %s", err.msg);
	snprintf(path, sizeof path, "%s/one.png", dir);
	w = media_writer_open(path, &g, NULL, NULL, &err);
	CHECK(w != NULL && media_write(w, &fr, &err) == 0 &&
	    media_write(w, &fr, &err) != 0 && strstr(err.msg,
	    "an image holds one frame") != NULL, "second frame into an image: "
	    "%s", err.msg);
	media_writer_abort(w);
	CHECK(access(path, F_OK) != 0, "aborted output leaves no file");
	snprintf(path, sizeof path, "%s/x.nosuchformat", dir);
	CHECK(media_writer_open(path, &g, NULL, NULL, &err) == NULL &&
	    strstr(err.msg, "no known format") != NULL, "unknown suffix: %s",
	    err.msg);
	snprintf(path, sizeof path, "%s/x.mkv", dir);
	CHECK(media_writer_open(path, &g, "nosuchcontainer", NULL, &err) ==
	    NULL && strstr(err.msg, "unknown container 'nosuchcontainer'") !=
	    NULL, "unknown container: %s", err.msg);
	CHECK(media_writer_open(path, &g, NULL, "nosuchcodec", &err) == NULL &&
	    strstr(err.msg, "no video encoder named nosuchcodec") != NULL,
	    "unknown encoder: %s", err.msg);
	CHECK(access(path, F_OK) != 0, "a refused writer leaves no file");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	round_trip("gray8.y4m", NULL, format_of("gray", 1, MEDIA_GRAY, 8, 0));
	round_trip("yuv420p.y4m", NULL, format_of("yuv420p", 3, MEDIA_YUV, 8, 1));
	round_trip("yuv420p.mkv", "ffv1", format_of("yuv420p", 3, MEDIA_YUV, 8, 1));
	round_trip("yuv444p10.mkv", "ffv1", format_of("yuv444p10le", 3, MEDIA_YUV, 10,
	    0));
	round_trip("gray16.png", NULL, format_of("gray16le", 1, MEDIA_GRAY, 16, 0));
	round_trip("rgb.png", NULL, format_of("gbrp", 3, MEDIA_RGB, 8, 0));
	test_errors();
	test_times();
	test_damage();
	rmdir(dir);
	return check_done();
}
