/* test_ssim_pipeline: the frame pipeline of lib/ssim/pipeline against
 * the kernels. Small Y4M videos are written to a temporary folder; the
 * pipeline, with 1, 2 and several scoring threads, must hand on the
 * same scores as ssim_compute gives each pair of planes alone, in frame
 * order, and the same maps; inputs that do not fit together (frame
 * counts, sizes) and inputs with no frames give errors that name the
 * input. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "media/video.h"
#include "ssim/pipeline.h"

#define W 64
#define H 48
#define CW (W / 2)
#define CH (H / 2)
#define MAXF 9

static char dir[] = "/tmp/test_ssim_pipeline.XXXXXX";

/* Sample (x, y) of plane c of frame f: a pattern that moves with f; the
 * distorted copy (dist) adds noise whose strength grows with f, so that
 * every pair has a score of its own. */
static uint8_t
sample(int dist, int f, int c, int x, int y)
{
	int v = 128 + (int)(90 * sin((x + 3 * f) * 0.31 + c) *
	    cos((y - f) * 0.23));

	if (dist) {
		uint32_t h = (uint32_t)(x * 73856093u ^ y * 19349663u ^
		    f * 83492791u ^ c * 2654435761u);
		h ^= h >> 13;
		h *= 0x5bd1e995u;
		h ^= h >> 15;
		v += (int)(h % (unsigned)(9 + 6 * f)) - (4 + 3 * f);
	}
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The planes of frame f: Y (w x h), then U, V ((w/2) x (h/2)). */
static void
fill(uint8_t *planes[3], int dist, int f, int w, int h)
{
	for (int c = 0; c < 3; c++) {
		int pw = c ? w / 2 : w, ph = c ? h / 2 : h;
		for (int y = 0; y < ph; y++)
			for (int x = 0; x < pw; x++)
				planes[c][(size_t)y * pw + x] = sample(dist, f,
				    c, x, y);
	}
}

static media_format
yuv420(int w, int h)
{
	return (media_format){ .width = w, .height = h, .nplanes = 3,
	    .plane_w = { w, w / 2, w / 2 }, .plane_h = { h, h / 2, h / 2 },
	    .log2_chroma_w = 1, .log2_chroma_h = 1, .sample = MEDIA_U8,
	    .depth = 8, .color = MEDIA_YUV, .matrix = MEDIA_BT601,
	    .fps_num = 25, .fps_den = 1, .pix_fmt = "yuv420p" };
}

/* Write `nframes` frames (reference or distorted) of w x h yuv420p to
 * dir/name; its path into `path`. 0, or -1 after a failed check. */
static int
write_video(char *path, size_t size, const char *name, int dist,
	int nframes, int w, int h)
{
	media_format fmt = yuv420(w, h);
	uint8_t *planes[3];
	media_writer *mw;
	kv_err err;
	int rc = 0;

	snprintf(path, size, "%s/%s", dir, name);
	for (int c = 0; c < 3; c++)
		planes[c] = malloc((size_t)w * h);
	mw = media_writer_open(path, &fmt, NULL, NULL, &err);
	for (int f = 0; mw != NULL && f < nframes && rc == 0; f++) {
		media_frame fr = { .index = f };
		fill(planes, dist, f, w, h);
		for (int c = 0; c < 3; c++) {
			fr.plane[c] = planes[c];
			fr.stride[c] = c ? w / 2 : w;
		}
		rc = media_write(mw, &fr, &err);
	}
	if (mw == NULL || rc != 0 || media_writer_close(mw, &err) != 0) {
		CHECK(0, "write %s: %s", name, err.msg);
		rc = -1;
	}
	for (int c = 0; c < 3; c++)
		free(planes[c]);
	return rc;
}

/* What on_frame saw. */
struct seen {
	int calls;
	int64_t n[MAXF + 1];
	double score[MAXF + 1][SSIM_MAX_CH + 1];
	int fail_at;		/* return an error at this pair; 0: never */
};

static int
on_frame(void *ctx, int64_t n, const double *score, kv_err *err)
{
	struct seen *s = ctx;

	if (s->calls <= MAXF) {
		s->n[s->calls] = n;
		memcpy(s->score[s->calls], score, sizeof s->score[0]);
	}
	s->calls++;
	if (n == s->fail_at)
		return kv_errf(err, "stop at pair %lld", (long long)n);
	return 0;
}

/* The scores of pair f scored alone with the kernels, as the plan says
 * (Y, or Y, U, V and All weighted by plane size); the map of the first
 * plane into `map` when not NULL. */
static void
alone(const ssim_params *p, int all, int f, double *score, double *map)
{
	uint8_t a0[W * H], a1[CW * CH], a2[CW * CH];
	uint8_t b0[W * H], b1[CW * CH], b2[CW * CH];
	uint8_t *pa[3] = { a0, a1, a2 }, *pb[3] = { b0, b1, b2 };
	int nch = all ? 3 : 1;
	double total = W * H + (all ? 2.0 * CW * CH : 0);
	kv_err err;

	fill(pa, 0, f, W, H);
	fill(pb, 1, f, W, H);
	score[nch] = 0;
	for (int c = 0; c < nch; c++) {
		int pw = c ? CW : W, ph = c ? CH : H;
		ssim_image x = { .data = pa[c], .stride = pw, .width = pw,
		    .height = ph, .type = SSIM_U8 };
		ssim_image y = { .data = pb[c], .stride = pw, .width = pw,
		    .height = ph, .type = SSIM_U8 };
		if (ssim_compute(p, &x, &y, 255, &score[c], c == 0 ? map :
		    NULL, &err) != 0)
			CHECK(0, "ssim_compute, pair %d plane %d: %s", f + 1, c,
			    err.msg);
		score[nch] += (double)pw * ph / total * score[c];
	}
	if (nch == 1)
		score[1] = score[0];
}

/* Open both inputs and make the plan. 0, or -1 with the message. */
static int
open_pair(const char *pa, const char *pb, const ssim_params *p, int all,
	media_reader **ra, media_reader **rb, ssim_plan *pl, kv_err *err)
{
	*ra = media_open(pa, 1, err);
	*rb = *ra == NULL ? NULL : media_open(pb, 1, err);
	if (*rb == NULL ||
	    ssim_plan_make(pl, p, all ? SSIM_CH_ALL : SSIM_CH_Y, NAN, *ra, *rb,
	    err) != 0) {
		media_close(*ra);
		media_close(*rb);
		return -1;
	}
	return 0;
}

/* The pipeline on `nframes` pairs with `threads` threads equals every
 * pair scored alone, in frame order; the totals add them up. */
static void
test_same_as_alone(int nframes, int threads, int all, enum ssim_preset pre)
{
	char pa[256], pb[256], name[64];
	ssim_params p;
	ssim_plan pl;
	media_reader *ra, *rb;
	struct seen seen = { 0 };
	ssim_run_opts o = { .threads = threads, .on_frame = on_frame,
	    .ctx = &seen };
	ssim_totals t;
	kv_err err;
	int nch = all ? 3 : 1, order_ok = 1, rc;
	double got[MAXF * (SSIM_MAX_CH + 1)], want[MAXF * (SSIM_MAX_CH + 1)];
	double sum_all = 0, min_all = INFINITY;

	ssim_preset(&p, pre);
	snprintf(name, sizeof name, "a%d.y4m", nframes);
	if (write_video(pa, sizeof pa, name, 0, nframes, W, H) != 0)
		return;
	snprintf(name, sizeof name, "b%d.y4m", nframes);
	if (write_video(pb, sizeof pb, name, 1, nframes, W, H) != 0)
		return;
	if (open_pair(pa, pb, &p, all, &ra, &rb, &pl, &err) != 0) {
		CHECK(0, "open and plan: %s", err.msg);
		return;
	}
	rc = ssim_pipeline_run(&p, &pl, ra, rb, &o, &t, &err);
	CHECK(rc == 0 && seen.calls == nframes && t.frames == (size_t)nframes,
	    "%d pairs, %d threads, %s, %s: run returns %d, %d pairs handed "
	    "on, totals count %zu", nframes, threads, all ? "Y,U,V,All" : "Y",
	    pre == SSIM_FFMPEG ? "ffmpeg" : "wang", rc, seen.calls, t.frames);
	if (rc != 0) {
		printf("# %s\n", err.msg);
		goto out;
	}
	for (int k = 0; k < seen.calls && k < nframes; k++) {
		order_ok &= seen.n[k] == k + 1;
		alone(&p, all, k, &want[k * (nch + 1)], NULL);
		memcpy(&got[k * (nch + 1)], seen.score[k], (size_t)(nch + 1) *
		    sizeof(double));
	}
	if (pre == SSIM_FFMPEG) {
		/* ffmpeg's preset keeps scores and All in float */
		for (int k = 0; k < nframes; k++) {
			float a = 0;
			double *s = &want[k * (nch + 1)];
			for (int c = 0; c < nch; c++) {
				s[c] = (float)s[c];
				a += (float)((c ? (double)CW * CH : (double)W * H) /
				    (W * H + (all ? 2.0 * CW * CH : 0))) *
				    (float)s[c];
			}
			s[nch] = nch == 1 ? s[0] : a;
		}
	}
	CHECK(order_ok, "%d pairs, %d threads: handed on as pairs 1..%d in "
	    "order", nframes, threads, nframes);
	snprintf(name, sizeof name, "%d pairs, %d threads: scores", nframes,
	    threads);
	CHECK_ARRAY(name, got, want, (size_t)nframes * (nch + 1), 0, 0);
	for (int k = 0; k < nframes; k++) {
		double a = want[k * (nch + 1) + nch];
		sum_all += a;
		if (a < min_all)
			min_all = a;
	}
	snprintf(name, sizeof name, "%d pairs, %d threads: totals: sum of All",
	    nframes, threads);
	CHECK_NEAR(name, t.sum[nch], sum_all, 1e-15, 0);
	snprintf(name, sizeof name, "%d pairs, %d threads: totals: min of All",
	    nframes, threads);
	CHECK_NEAR(name, t.min_all, min_all, 0, 0);
out:
	media_close(ra);
	media_close(rb);
}

/* The maps written through ssim_map_open are the kernels' maps, one
 * frame per pair, quantised to 8 bits. */
static void
test_maps(int threads)
{
	char pa[256], pb[256], pm[256];
	ssim_params p;
	ssim_plan pl;
	media_reader *ra, *rb, *rm;
	ssim_map_out *m;
	ssim_totals t;
	kv_err err;
	int mw, mh, bad = 0, frames = 0, nframes = 4;
	double score[2], *map;
	media_frame fr;

	ssim_preset(&p, SSIM_WANG);
	ssim_map_size(&p, W, H, &mw, &mh);
	if (write_video(pa, sizeof pa, "ma.y4m", 0, nframes, W, H) != 0 ||
	    write_video(pb, sizeof pb, "mb.y4m", 1, nframes, W, H) != 0)
		return;
	if (open_pair(pa, pb, &p, 0, &ra, &rb, &pl, &err) != 0) {
		CHECK(0, "open and plan: %s", err.msg);
		return;
	}
	snprintf(pm, sizeof pm, "%s/map.y4m", dir);
	m = ssim_map_open(pm, &p, &pl, media_reader_format(ra), &err);
	if (m == NULL) {
		CHECK(0, "ssim_map_open: %s", err.msg);
		goto out;
	}
	if (ssim_pipeline_run(&p, &pl, ra, rb, &(ssim_run_opts){ .threads =
	    threads, .map = m }, &t, &err) != 0 || ssim_map_close(m, &err)
	    != 0) {
		CHECK(0, "run with a map: %s", err.msg);
		goto out;
	}
	map = malloc((size_t)mw * mh * sizeof *map);
	rm = media_open(pm, 1, &err);
	while (rm != NULL && media_read(rm, &fr, &err) == 1) {
		alone(&p, 0, frames, score, map);
		for (int y = 0; y < mh; y++)
			for (int x = 0; x < mw; x++) {
				double v = map[(size_t)y * mw + x];
				v = v < 0 ? 0 : v > 1 ? 1 : v;
				bad += ((const uint8_t *)fr.plane[0])[y *
				    fr.stride[0] + x] != (uint8_t)lround(v * 255);
			}
		frames++;
	}
	CHECK(rm != NULL && frames == nframes && bad == 0, "%d threads: map "
	    "video of %d frames (want %d), %dx%d each, %d samples differ from "
	    "the kernels' maps", threads, frames, nframes, mw, mh, bad);
	media_close(rm);
	free(map);
out:
	media_close(ra);
	media_close(rb);
}

/* One input ends first: an error naming it after the pairs both have
 * were handed on; with `shortest`, those pairs and no error. */
static void
test_frame_counts(int threads)
{
	char p5[256], p3[256];
	ssim_params p;
	ssim_plan pl;
	media_reader *ra, *rb;
	ssim_totals t;
	kv_err err;

	ssim_preset(&p, SSIM_WANG);
	if (write_video(p5, sizeof p5, "five.y4m", 0, 5, W, H) != 0 ||
	    write_video(p3, sizeof p3, "three.y4m", 1, 3, W, H) != 0)
		return;
	for (int order = 0; order < 2; order++) {
		const char *x = order ? p3 : p5, *y = order ? p5 : p3;
		for (int shortest = 0; shortest < 2; shortest++) {
			struct seen seen = { 0 };
			ssim_run_opts o = { .threads = threads, .shortest =
			    shortest, .on_frame = on_frame, .ctx = &seen };
			char want[600];
			int rc;
			if (open_pair(x, y, &p, 0, &ra, &rb, &pl, &err) != 0) {
				CHECK(0, "open and plan: %s", err.msg);
				return;
			}
			err.msg[0] = '\0';
			rc = ssim_pipeline_run(&p, &pl, ra, rb, &o, &t, &err);
			snprintf(want, sizeof want, "frame counts differ: %s "
			    "has 3 frames, %s has more", p3, p5);
			if (shortest)
				CHECK(rc == 0 && seen.calls == 3 && t.frames == 3,
				    "%d threads, %s first, --shortest: returns %d, "
				    "%d pairs handed on (want 0, 3)", threads,
				    order ? "3 frames" : "5 frames", rc,
				    seen.calls);
			else
				CHECK(rc != 0 && seen.calls == 3 &&
				    strstr(err.msg, want) != NULL, "%d threads, %s "
				    "first: returns %d after %d pairs (want -1 "
				    "after 3): \"%s\"", threads, order ? "3 frames" :
				    "5 frames", rc, seen.calls, err.msg);
			media_close(ra);
			media_close(rb);
		}
	}
}

/* on_frame's error stops the run and comes back as it was. */
static void
test_callback_error(int threads)
{
	char pa[256], pb[256];
	ssim_params p;
	ssim_plan pl;
	media_reader *ra, *rb;
	struct seen seen = { .fail_at = 2 };
	ssim_totals t;
	kv_err err;
	int rc;

	ssim_preset(&p, SSIM_WANG);
	snprintf(pa, sizeof pa, "%s/a%d.y4m", dir, MAXF);
	snprintf(pb, sizeof pb, "%s/b%d.y4m", dir, MAXF);
	if (open_pair(pa, pb, &p, 0, &ra, &rb, &pl, &err) != 0) {
		CHECK(0, "open and plan: %s", err.msg);
		return;
	}
	rc = ssim_pipeline_run(&p, &pl, ra, rb, &(ssim_run_opts){ .threads =
	    threads, .on_frame = on_frame, .ctx = &seen }, &t, &err);
	CHECK(rc != 0 && seen.calls == 2 && strcmp(err.msg,
	    "stop at pair 2") == 0, "%d threads: on_frame failing at pair 2: "
	    "returns %d after %d calls (want -1 after 2): \"%s\"", threads, rc,
	    seen.calls, rc ? err.msg : "");
	media_close(ra);
	media_close(rb);
}

/* Sizes that differ: the plan names both inputs and their sizes. */
static void
test_sizes(void)
{
	char pa[256], ps[256], want[600];
	ssim_params p;
	ssim_plan pl;
	media_reader *ra, *rb;
	kv_err err;

	ssim_preset(&p, SSIM_WANG);
	if (write_video(pa, sizeof pa, "big.y4m", 0, 2, W, H) != 0 ||
	    write_video(ps, sizeof ps, "small.y4m", 1, 2, 32, 24) != 0)
		return;
	snprintf(want, sizeof want, "sizes differ: %s is 64x48, %s is 32x24",
	    pa, ps);
	CHECK(open_pair(pa, ps, &p, 0, &ra, &rb, &pl, &err) != 0 &&
	    strcmp(err.msg, want) == 0, "sizes differ: \"%s\"", err.msg);
}

/* No frames: an input with none fails to open, naming it; readers both
 * already at their end give a run of no pairs; one at its end, the
 * other not, an error naming the one at its end. */
static void
test_zero_frames(void)
{
	char pa[256], pb[256], pz[256], want[600];
	ssim_params p;
	ssim_plan pl;
	media_reader *ra, *rb;
	media_frame fr;
	struct seen seen = { 0 };
	ssim_run_opts o = { .threads = 2, .on_frame = on_frame, .ctx = &seen };
	ssim_totals t;
	kv_err err;
	FILE *fp;
	int rc;

	ssim_preset(&p, SSIM_WANG);
	snprintf(pz, sizeof pz, "%s/zero.y4m", dir);
	fp = fopen(pz, "w");
	fputs("YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n", fp);
	fclose(fp);
	snprintf(want, sizeof want, "%s: no frames", pz);
	ra = media_open(pz, 1, &err);
	CHECK(ra == NULL && strcmp(err.msg, want) == 0, "a Y4M header without "
	    "frames: \"%s\"", ra == NULL ? err.msg : "opened");
	media_close(ra);

	if (write_video(pa, sizeof pa, "a2.y4m", 0, 2, W, H) != 0 ||
	    write_video(pb, sizeof pb, "b2.y4m", 1, 2, W, H) != 0 ||
	    open_pair(pa, pb, &p, 0, &ra, &rb, &pl, &err) != 0)
		return;
	while (media_read(ra, &fr, &err) == 1)
		;
	while (media_read(rb, &fr, &err) == 1)
		;
	rc = ssim_pipeline_run(&p, &pl, ra, rb, &o, &t, &err);
	CHECK(rc == 0 && seen.calls == 0 && t.frames == 0 && isinf(t.min_all),
	    "both inputs at their end: returns %d, %d pairs handed on, "
	    "totals count %zu, min %g", rc, seen.calls, t.frames, t.min_all);
	media_close(ra);
	media_close(rb);

	if (open_pair(pa, pb, &p, 0, &ra, &rb, &pl, &err) != 0) {
		CHECK(0, "open and plan: %s", err.msg);
		return;
	}
	while (media_read(rb, &fr, &err) == 1)
		;
	rc = ssim_pipeline_run(&p, &pl, ra, rb, &o, &t, &err);
	snprintf(want, sizeof want, "frame counts differ: %s has 0 frames, "
	    "%s has more", pb, pa);
	CHECK(rc != 0 && seen.calls == 0 && strstr(err.msg, want) != NULL,
	    "distorted input at its end: returns %d: \"%s\"", rc,
	    rc ? err.msg : "");
	media_close(ra);
	media_close(rb);
}

/* Remove what the tests wrote. */
static void
clean(void)
{
	static const char *const names[] = { "a1.y4m", "b1.y4m", "a2.y4m",
	    "b2.y4m", "a9.y4m", "b9.y4m", "ma.y4m", "mb.y4m", "map.y4m",
	    "five.y4m", "three.y4m", "big.y4m", "small.y4m", "zero.y4m",
	    NULL };
	char path[256];

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	static const int threads[] = { 1, 2, 5 };

	if (mkdtemp(dir) == NULL)
		return 1;
	for (int i = 0; i < 3; i++) {
		/* one pair (scored on the calling thread), two (the
		 * workers' start), several */
		test_same_as_alone(1, threads[i], 0, SSIM_WANG);
		test_same_as_alone(2, threads[i], 0, SSIM_WANG);
		test_same_as_alone(MAXF, threads[i], 0, SSIM_WANG);
		test_same_as_alone(MAXF, threads[i], 1, SSIM_WANG);
		test_same_as_alone(MAXF, threads[i], 1, SSIM_FFMPEG);
		test_maps(threads[i]);
		test_frame_counts(threads[i]);
		test_callback_error(threads[i]);
	}
	test_sizes();
	test_zero_frames();
	clean();
	return check_done();
}
