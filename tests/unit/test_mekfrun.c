/* test_mekfrun: the signal and plane drivers against hand-built runs of
 * mekf_fit / mekf_filter: blocks with the state carried over, flat
 * blocks, the noise cap, and rows/columns of a plane. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "mefilter/denoise.h"

struct seen {
	int n;
	mekf_model m[8];
	size_t first[8], count[8];
};

static void
remember(const mekf_model *m, const char *pass, size_t block, size_t first,
	size_t count, void *user)
{
	struct seen *s = user;
	(void)pass;
	(void)block;
	if (s->n < 8) {
		s->m[s->n] = *m;
		s->first[s->n] = first;
		s->count[s->n++] = count;
	}
}

static void
ar2(gsl_rng *rng, double *x, size_t n, double a1, double a2, double noise)
{
	double h1 = 0, h2 = 0;
	for (size_t t = 0; t < n + 200; t++) {
		double v = gsl_ran_gaussian(rng, 1) - a1 * h1 - a2 * h2;
		h2 = h1;
		h1 = v;
		if (t >= 200)
			x[t - 200] = v + gsl_ran_gaussian(rng, sqrt(noise));
	}
}

static void
test_blocks(gsl_rng *rng)
{
	enum { N = 4000 };
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	mekf_opts o = { 2, 0.5, 2000, MEKF_ROWS, MEKF_STEADY };
	struct seen s = { 0 };
	kv_err err = { "" };

	ar2(rng, x, N / 2, -1.5, 0.7, 0.5);
	ar2(rng, x + N / 2, N / 2, 0.5, 0.2, 0.5);
	memcpy(y, x, N * sizeof *x);
	CHECK(mekf_denoise_signal(x, N, 1, &o, remember, &s, &err) == 0,
	    "two blocks: %s", err.msg);
	CHECK(s.n == 2 && s.first[1] == 2000 && s.count[1] == 2000,
	    "two models reported, the second from sample 2000");
	CHECK(fabs(s.m[0].a[0] + 1.5) < 0.1 && fabs(s.m[1].a[0] - 0.5) < 0.1,
	    "each block its own model: a1 %.3f (want -1.5), %.3f (want 0.5)",
	    s.m[0].a[0], s.m[1].a[0]);
	/* by hand: the same models, the state carried over */
	double st[MEKF_MAX_ORDER] = { 0 };
	mekf_filter(&s.m[0], y, 2000, 1, st);
	mekf_filter(&s.m[1], y + 2000, 2000, 1, st);
	CHECK_ARRAY("blocks vs hand-run filter, state carried", x, y, N, 0,
	    1e-12);
	free(x);
	free(y);
}

static void
test_flat_and_cap(gsl_rng *rng)
{
	enum { N = 3000 };
	double *x = malloc(N * sizeof *x);
	mekf_opts o = { 4, 0.5, 0, MEKF_ROWS, MEKF_STEADY };
	struct seen s = { 0 };
	kv_err err = { "" };

	for (size_t t = 0; t < N; t++)
		x[t] = 3;
	CHECK(mekf_denoise_signal(x, N, 1, &o, remember, &s, &err) == 0 &&
	    s.n == 1 && s.m[0].err_var == 0, "constant signal: flat model");
	double worst = 0;
	for (size_t t = 0; t < N; t++)
		worst = fmax(worst, fabs(x[t] - 3));
	CHECK(worst < 1e-12, "constant signal: output is the constant "
	    "(|diff| %.3g)", worst);

	ar2(rng, x, N, -1.5, 0.7, 1);
	s.n = 0;
	o.noise_var = 1e6;	/* above the variance: flat, output the mean */
	CHECK(mekf_denoise_signal(x, N, 1, &o, remember, &s, &err) == 0 &&
	    s.m[0].err_var == 0, "noise above the variance: flat model");

	ar2(rng, x, N, -1.5, 0.7, 1);
	double r[5], lo_bound;
	mekf_autocorr(r, x, N, 1, 0, 4);
	lo_bound = r[0];
	s.n = 0;
	o.noise_var = 0.9 * r[0];	/* below r(0), above the floor */
	CHECK(mekf_denoise_signal(x, N, 1, &o, remember, &s, &err) == 0,
	    "noise between the floor and r(0) is capped, not refused: %s",
	    err.msg);
	CHECK(s.n == 1 && s.m[0].noise_var < 0.9 * lo_bound &&
	    s.m[0].err_var > 0,
	    "capped noise variance %.4f < requested %.4f", s.m[0].noise_var,
	    0.9 * lo_bound);
	free(x);
}

static void
test_plane(gsl_rng *rng)
{
	enum { W = 64, H = 40 };
	double *x = malloc(W * H * sizeof *x), *y = malloc(W * H * sizeof *y);
	mekf_opts o = { 3, 0.3, 0, MEKF_COLS, MEKF_STEADY };
	struct seen s = { 0 };
	kv_err err = { "" };

	for (size_t i = 0; i < W * H; i++)
		x[i] = 10 + sin(i % W * 0.2) + cos(i / W * 0.3) +
		    gsl_ran_gaussian(rng, 0.5);
	memcpy(y, x, sizeof *x * W * H);
	CHECK(mekf_denoise_plane(x, W, H, &o, remember, &s, &err) == 0 &&
	    s.n == 1, "columns: one model");
	for (size_t c = 0; c < W; c++) {
		double st[MEKF_MAX_ORDER];
		for (size_t j = 0; j < 3; j++)
			st[j] = y[c] - s.m[0].mean;
		mekf_filter(&s.m[0], y + c, H, W, st);
	}
	CHECK_ARRAY("columns vs hand-run filter per column", x, y, W * H, 0,
	    1e-12);
	for (size_t i = 0; i < W * H; i++)	/* fresh noisy data */
		x[i] = 10 + sin(i % W * 0.2) + cos(i / W * 0.3) +
		    gsl_ran_gaussian(rng, 0.5);
	o.direction = MEKF_BOTH;
	s.n = 0;
	/* call first: CHECK's arguments are evaluated in no fixed order */
	int rc = mekf_denoise_plane(x, W, H, &o, remember, &s, &err);
	CHECK(rc == 0 && s.n == 2 && s.m[1].noise_var <= s.m[0].P_filt_ss,
	    "both: second pass noise %.3g <= first pass error %.3g",
	    s.m[1].noise_var, s.m[0].P_filt_ss);
	free(x);
	free(y);
}

/* An order outside 1..MEKF_MAX_ORDER is refused before any model is
 * built: order 0 on a constant signal (a flat model, no fit to refuse
 * it), one above the maximum on a signal long enough for it. */
static void
test_bad_order(void)
{
	enum { N = 500, W = 80, H = 80 };
	double *x = malloc(W * H * sizeof *x);
	mekf_opts o = { 0, 0.5, 0, MEKF_BOTH, MEKF_STEADY };
	kv_err err = { "" };
	char want[64];

	for (size_t i = 0; i < W * H; i++)
		x[i] = 3;
	for (size_t order = 0; order <= MEKF_MAX_ORDER + 1;
	    order += MEKF_MAX_ORDER + 1) {
		o.order = order;
		snprintf(want, sizeof want, "order %zu is outside 1..%d", order,
		    MEKF_MAX_ORDER);
		err.msg[0] = '\0';
		CHECK(mekf_denoise_signal(x, N, 1, &o, NULL, NULL, &err) != 0 &&
		    strstr(err.msg, want) != NULL, "signal, order %zu refused: "
		    "%s", order, err.msg);
		err.msg[0] = '\0';
		CHECK(mekf_denoise_plane(x, W, H, &o, NULL, NULL, &err) != 0 &&
		    strstr(err.msg, want) != NULL, "plane, order %zu refused: "
		    "%s", order, err.msg);
	}
	free(x);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_set_error_handler_off();
	gsl_rng_set(rng, 5);
	test_blocks(rng);
	test_flat_and_cap(rng);
	test_plane(rng);
	test_bad_order();
	gsl_rng_free(rng);
	return check_done();
}
