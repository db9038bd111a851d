/* test_ssim: the fast SSIM kernels against the slow reference, exact
 * properties (identity, symmetry, thread count), downsampling by hand,
 * and the size checks. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ssim/ssim.h"

/* A reproducible test pair: a smooth pattern plus noise, and a distorted
 * copy (blur-like shift, more noise), with values in [0, max]. */
static uint32_t rng_state = 12345;

static double
uniform01(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return (rng_state >> 8) / 16777216.0;
}

static void
make_pair(double *a, double *b, int w, int h, double max)
{
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			double v = 0.5 + 0.3 * sin(x * 0.4) * cos(y * 0.3) +
			    0.1 * (uniform01() - 0.5);
			double d = v + 0.15 * (uniform01() - 0.5) +
			    0.05 * sin(x * 1.3 + y);
			v = v < 0 ? 0 : v > 1 ? 1 : v;
			d = d < 0 ? 0 : d > 1 ? 1 : d;
			a[(size_t)y * w + x] = v * max;
			b[(size_t)y * w + x] = d * max;
		}
	}
}

/* Store doubles as `type` (rounded for integers); returns the image. */
static ssim_image
as_type(const double *v, int w, int h, enum ssim_type type, void *buf)
{
	size_t n = (size_t)w * h, size = type == SSIM_U8 ? 1 :
	    type == SSIM_U16 ? 2 : type == SSIM_F32 ? 4 : 8;

	for (size_t i = 0; i < n; i++) {
		switch (type) {
		case SSIM_U8: ((uint8_t *)buf)[i] = (uint8_t)lround(v[i]); break;
		case SSIM_U16: ((uint16_t *)buf)[i] = (uint16_t)lround(v[i]); break;
		case SSIM_F32: ((float *)buf)[i] = (float)v[i]; break;
		case SSIM_F64: ((double *)buf)[i] = v[i]; break;
		}
	}
	return (ssim_image){ .data = buf, .stride = (ptrdiff_t)(w * size),
	    .width = w, .height = h, .type = type };
}

struct pair {
	int w, h;
	double *a, *b;
	void *ba, *bb;
};

static struct pair
pair_new(int w, int h, double max)
{
	struct pair p = { .w = w, .h = h };

	p.a = malloc((size_t)w * h * sizeof *p.a);
	p.b = malloc((size_t)w * h * sizeof *p.b);
	p.ba = malloc((size_t)w * h * 8);
	p.bb = malloc((size_t)w * h * 8);
	make_pair(p.a, p.b, w, h, max);
	return p;
}

static void
pair_free(struct pair *p)
{
	free(p->a);
	free(p->b);
	free(p->ba);
	free(p->bb);
}

/* Fast vs reference: the mean to `tol`, every map value to `map_tol`. */
static void
compare_fast_ref(const char *what, const ssim_params *prm, struct pair *p,
	enum ssim_type type, double L, double tol, double map_tol)
{
	ssim_image x = as_type(p->a, p->w, p->h, type, p->ba);
	ssim_image y = as_type(p->b, p->w, p->h, type, p->bb);
	int mw, mh;
	double fast, ref, *mf, *mr;
	kv_err err;
	char name[160];

	ssim_map_size(prm, p->w, p->h, &mw, &mh);
	mf = malloc((size_t)mw * mh * sizeof *mf);
	mr = malloc((size_t)mw * mh * sizeof *mr);
	if (ssim_compute(prm, &x, &y, L, &fast, mf, &err) != 0 ||
	    ssim_compute_ref(prm, &x, &y, L, &ref, mr, &err) != 0) {
		CHECK(0, "%s: %s", what, err.msg);
	} else {
		snprintf(name, sizeof name, "%s: mean SSIM fast vs reference",
		    what);
		CHECK_NEAR(name, fast, ref, 0, tol);
		snprintf(name, sizeof name, "%s: SSIM map (%dx%d) fast vs "
		    "reference", what, mw, mh);
		CHECK_ARRAY(name, mf, mr, (size_t)mw * mh, 0, map_tol);
		CHECK(fast > 0.2 && fast < 0.999, "%s: score %.6f is neither "
		    "trivial nor degenerate", what, fast);
	}
	free(mf);
	free(mr);
}

/* The windowed kernels run in single precision on centred samples (see
 * kernels.c): the mean score within 2e-7 of the double reference, every
 * window within 2e-5 (the moments' rounding, about 1e-7 of the local
 * E[(x - c)^2], over the local variance plus C2: largest where a dark or
 * bright window is flat; the map is written with 8 bits). The ffmpeg
 * window is integer and float as ffmpeg's, so it must agree exactly. */
#define WIN_TOL 2e-7
#define MAP_TOL 2e-5

/* One comparison: a preset, optionally changed to a custom window. */
struct fr_case {
	const char *what;
	enum ssim_preset preset;
	int custom;		/* 1: gaussian 5x5 sigma 0.8 k1 0.02;
				 * 2: uniform 9x9, sample covariance */
	int pair;		/* index into the pairs below */
	enum ssim_type type;
	double L;
};

static void
test_fast_vs_ref(void)
{
	struct pair q[6] = { pair_new(53, 41, 255), pair_new(40, 37, 1023),
	    pair_new(33, 29, 1), pair_new(44, 36, 65535),
	    /* wider than one 128-column strip, a partial last strip */
	    pair_new(150, 30, 255),
	    /* three strips, the last one's 8-bit rows ending inside a
	     * vector (read through a zero-padded copy) */
	    pair_new(301, 19, 255) };
	static const struct fr_case cases[] = {
		{ "wang u8 53x41", SSIM_WANG, 0, 0, SSIM_U8, 255 },
		{ "wang f64 53x41", SSIM_WANG, 0, 0, SSIM_F64, 255 },
		{ "wang u16 10-bit", SSIM_WANG, 0, 1, SSIM_U16, 1023 },
		{ "wang u16 16-bit", SSIM_WANG, 0, 3, SSIM_U16, 65535 },
		{ "wang f32 range 1", SSIM_WANG, 0, 2, SSIM_F32, 1 },
		{ "wang u8 150x30 (two strips)", SSIM_WANG, 0, 4, SSIM_U8, 255 },
		{ "wang u8 301x19 (three strips)", SSIM_WANG, 0, 5, SSIM_U8, 255 },
		{ "wang u16 301x19", SSIM_WANG, 0, 5, SSIM_U16, 255 },
		{ "skimage u8 53x41", SSIM_SKIMAGE, 0, 0, SSIM_U8, 255 },
		{ "skimage f32 range 1", SSIM_SKIMAGE, 0, 2, SSIM_F32, 1 },
		{ "skimage u8 150x30", SSIM_SKIMAGE, 0, 4, SSIM_U8, 255 },
		{ "skimage u8 301x19", SSIM_SKIMAGE, 0, 5, SSIM_U8, 255 },
		{ "gaussian 5x5 sigma 0.8 k1 0.02", SSIM_WANG, 1, 0, SSIM_U8, 255 },
		{ "uniform 9x9 sample covariance", SSIM_WANG, 2, 0, SSIM_F64, 255 },
		{ "ffmpeg 8-bit 53x41", SSIM_FFMPEG, 0, 0, SSIM_U8, 255 },
		{ "ffmpeg 10-bit", SSIM_FFMPEG, 0, 1, SSIM_U16, 1023 },
		{ "ffmpeg 16-bit", SSIM_FFMPEG, 0, 3, SSIM_U16, 65535 },
		{ "ffmpeg 8-bit 150x30", SSIM_FFMPEG, 0, 4, SSIM_U8, 255 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct fr_case *c = &cases[i];
		ssim_params p;
		int exact = c->preset == SSIM_FFMPEG;
		ssim_preset(&p, c->preset);
		if (c->custom == 1) {
			p.win_size = 5;
			p.sigma = 0.8;
			p.k1 = 0.02;
		} else if (c->custom == 2) {
			p.window = SSIM_UNIFORM;
			p.win_size = 9;
			p.sample_cov = 1;
		}
		compare_fast_ref(c->what, &p, &q[c->pair], c->type, c->L,
		    exact ? 0 : WIN_TOL, exact ? 0 : MAP_TOL);
	}
	for (int i = 0; i < 6; i++)
		pair_free(&q[i]);
}

/* Identity gives exactly 1; swapping the arguments gives exactly the
 * same score; the number of threads does not change a bit. */
static void
test_properties(void)
{
	static const enum ssim_preset presets[] = { SSIM_WANG, SSIM_SKIMAGE,
	    SSIM_FFMPEG };
	static const char *const names[] = { "wang", "skimage", "ffmpeg" };
	struct pair q = pair_new(200, 180, 255);
	ssim_image x = as_type(q.a, q.w, q.h, SSIM_U8, q.ba);
	ssim_image y = as_type(q.b, q.w, q.h, SSIM_U8, q.bb);
	kv_err err;

	for (int i = 0; i < 4; i++) {
		ssim_params p;
		double same, xy, yx, t1, t2;
		const char *name = i < 3 ? names[i] : "ms-ssim";
		ssim_preset(&p, i < 3 ? presets[i] : SSIM_WANG);
		p.ms_ssim = i == 3;
		ssim_compute(&p, &x, &x, 255, &same, NULL, &err);
		CHECK(same == 1.0, "%s: identical images give exactly 1 (got "
		    "%.17g)", name, same);
		ssim_compute(&p, &x, &y, 255, &xy, NULL, &err);
		ssim_compute(&p, &y, &x, 255, &yx, NULL, &err);
		CHECK(xy == yx, "%s: symmetric: %.17g vs %.17g", name, xy, yx);
		omp_set_num_threads(1);
		ssim_compute(&p, &x, &y, 255, &t1, NULL, &err);
		omp_set_num_threads(3);
		ssim_compute(&p, &x, &y, 255, &t2, NULL, &err);
		omp_set_num_threads(2);
		CHECK(t1 == t2 && t1 == xy, "%s: same score on 1 and 3 threads "
		    "(%.17g, %.17g)", name, t1, t2);
		CHECK(xy < 1 && xy > 0, "%s: distorted pair scores %.6f", name,
		    xy);
	}
	pair_free(&q);
}

/* ssim.m's downsampling worked out by hand on a 5x3 ramp. */
static void
test_downsample(void)
{
	/* rows: 0 1 2 3 4 / 10 11 12 13 14 / 20 21 22 23 24 */
	double in[15], out[6], want2[6], want3[2];
	ssim_image im = { .data = in, .stride = 5 * sizeof(double),
	    .width = 5, .height = 3, .type = SSIM_F64 };
	ssim_image o;
	ssim_params p;

	for (int i = 0; i < 15; i++)
		in[i] = (i / 5) * 10 + i % 5;
	/* f = 2: window rows/cols {i, i+1}, mirrored past the end
	 * (index 5 -> 4, row 3 -> 2). */
	want2[0] = (0 + 1 + 10 + 11) / 4.0;
	want2[1] = (2 + 3 + 12 + 13) / 4.0;
	want2[2] = (4 + 4 + 14 + 14) / 4.0;
	want2[3] = (20 + 21 + 20 + 21) / 4.0;
	want2[4] = (22 + 23 + 22 + 23) / 4.0;
	want2[5] = (24 + 24 + 24 + 24) / 4.0;
	o = ssim_downsample(&im, 2, out);
	CHECK(o.width == 3 && o.height == 2, "downsample by 2: 5x3 -> %dx%d",
	    o.width, o.height);
	CHECK_ARRAY("downsample by 2, symmetric border", out, want2, 6, 0,
	    1e-15);
	/* f = 3: window {i-1, i, i+1}, index -1 -> 0. */
	want3[0] = (0 + 0 + 1 + 0 + 0 + 1 + 10 + 10 + 11) / 9.0;
	want3[1] = (2 + 3 + 4 + 2 + 3 + 4 + 12 + 13 + 14) / 9.0;
	o = ssim_downsample(&im, 3, out);
	CHECK(o.width == 2 && o.height == 1, "downsample by 3: 5x3 -> %dx%d",
	    o.width, o.height);
	CHECK_ARRAY("downsample by 3, symmetric border", out, want3, 2, 0,
	    1e-15);
	ssim_preset(&p, SSIM_WANG);
	p.downsample = SSIM_DOWNSAMPLE_AUTO;
	CHECK(ssim_downsample_factor(&p, 256, 383) == 1 &&
	    ssim_downsample_factor(&p, 640, 384) == 2 &&
	    ssim_downsample_factor(&p, 1920, 1080) == 4,
	    "auto factor: round(min(H,W)/256): 1, 2, 4");
}

static void
test_checks(void)
{
	ssim_params p;
	kv_err err;
	int rc;

	ssim_preset(&p, SSIM_WANG);
	p.ms_ssim = 1;
	rc = ssim_check(&p, 160, 300, &err);
	CHECK(rc != 0 && strstr(err.msg, "at least 161x161"), "MS-SSIM too "
	    "small: %s", rc ? err.msg : "(accepted)");
	CHECK(ssim_check(&p, 161, 161, &err) == 0, "MS-SSIM 161x161 accepted");
	ssim_preset(&p, SSIM_WANG);
	rc = ssim_check(&p, 10, 40, &err);
	CHECK(rc != 0 && strstr(err.msg, "smaller than the 11x11 window"),
	    "window larger than image: %s", rc ? err.msg : "(accepted)");
	ssim_preset(&p, SSIM_FFMPEG);
	p.downsample = 2;
	CHECK(ssim_check(&p, 100, 100, &err) != 0, "ffmpeg window refuses "
	    "downsampling: %s", err.msg);
}

/* The ffmpeg window's constants, checked on one 8x8 window by hand:
 * a flat 100 against a flat 110 leaves only the luminance term. */
static void
test_ffmpeg_flat(void)
{
	uint8_t a[64], b[64];
	ssim_image x = { a, 8, 8, 8, SSIM_U8 }, y = { b, 8, 8, 8, SSIM_U8 };
	ssim_params p;
	double s, want;
	kv_err err;
	/* s1 = 6400, s2 = 7040; no variance, so the structure factor is
	 * c2/c2; c1 = (int)(.0001*255*255*64 + .5) = 416,
	 * c2 = (int)(.0009*255*255*64*63 + .5) = 235963; ffmpeg's float
	 * arithmetic on 8-bit samples. */
	float num = (float)(2 * 6400LL * 7040 + 416) * (float)235963;
	float den = (float)(6400LL * 6400 + 7040LL * 7040 + 416) *
	    (float)235963;

	memset(a, 100, sizeof a);
	memset(b, 110, sizeof b);
	ssim_preset(&p, SSIM_FFMPEG);
	ssim_compute(&p, &x, &y, 255, &s, NULL, &err);
	want = num / den;
	CHECK_NEAR("ffmpeg window, flat 100 vs 110", s, want, 0, 0);
}

int
main(void)
{
	test_fast_vs_ref();
	test_properties();
	test_downsample();
	test_checks();
	test_ffmpeg_flat();
	return check_done();
}
