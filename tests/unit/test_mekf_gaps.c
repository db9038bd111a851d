/* test_mekf_gaps: the ME model from data with missing samples. On a
 * smooth simulated AR(2) signal with every second (and every third)
 * sample missing: the autocorrelation per lag over its pairs, the
 * noise estimate from the smallest lag with differences, EM's model
 * (odd lags not 0, close to the complete data's), the smoother's fill
 * against linear interpolation and the column mean, and the exact filter and smoother with
 * noise variance 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "mefilter/ar_em.h"
#include "mefilter/denoise.h"
#include "mefilter/lgssm_form.h"

enum { N = 4000 };

/* A smooth AR(2): poles 0.97 e^{+-0.08i}, unit innovations, plus white
 * noise of standard deviation sd. */
static void
smooth_ar2(gsl_rng *rng, double *x, size_t n, double sd)
{
	double a1 = -2 * 0.97 * cos(0.08), a2 = 0.97 * 0.97, s1 = 0, s2 = 0;

	for (size_t t = 0; t < n + 500; t++) {
		double s = -a1 * s1 - a2 * s2 + gsl_ran_gaussian(rng, 1);
		s2 = s1;
		s1 = s;
		if (t >= 500)
			x[t - 500] = s;
	}
	for (size_t t = 0; t < n && sd > 0; t++)
		x[t] += gsl_ran_gaussian(rng, sd);
}

/* RMS of out - clean over the samples where gaps[] is NaN. */
static double
gap_rms(const double *out, const double *clean, const double *gaps,
	size_t n)
{
	double s = 0;
	size_t c = 0;

	for (size_t t = 0; t < n; t++)
		if (isnan(gaps[t])) {
			s += (out[t] - clean[t]) * (out[t] - clean[t]);
			c++;
		}
	return sqrt(s / (double)c);
}

/* Linear interpolation between the samples present. */
static void
interp(double *out, const double *y, size_t n)
{
	size_t prev = n;

	for (size_t t = 0; t < n; t++) {
		if (isnan(y[t]))
			continue;
		if (prev == n)
			for (size_t u = 0; u < t; u++)
				out[u] = y[t];
		else
			for (size_t u = prev + 1; u < t; u++)
				out[u] = y[prev] + (y[t] - y[prev]) *
				    (double)(u - prev) / (double)(t - prev);
		out[t] = y[t];
		prev = t;
	}
	for (size_t u = prev + 1; u < n; u++)
		out[u] = y[prev];
}

static void
test_autocorr(gsl_rng *rng)
{
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	double rf[5], rg[5], rr[5];
	size_t np[5];

	smooth_ar2(rng, x, N, 0);
	mekf_autocorr(rf, x, N, 1, 0, 4);
	for (size_t t = 0; t < N; t++)
		y[t] = t % 2 ? NAN : x[t];
	mekf_autocorr_runs(rg, np, y, 1, 0, N, 1, 0, 4);
	CHECK(np[1] == 0 && np[3] == 0 && np[2] == N / 2 - 1,
	    "every 2nd missing: pairs at lags 1, 2, 3 are %zu %zu %zu "
	    "(expected 0 %d 0)", np[1], np[2], np[3], N / 2 - 1);
	CHECK(fabs(rg[2] - rf[2]) < 0.02 * rf[0] &&
	    fabs(rg[0] - rf[0]) < 0.02 * rf[0],
	    "every 2nd missing: r(0), r(2) = %.4g %.4g vs complete %.4g %.4g "
	    "(tol 2%% of r(0))", rg[0], rg[2], rf[0], rf[2]);
	/* random gaps: every lag over its own pairs, no shrinking */
	for (size_t t = 0; t < N; t++)
		y[t] = gsl_rng_uniform(rng) < 0.3 ? NAN : x[t];
	mekf_autocorr(rr, y, N, 1, 0, 4);
	double worst = 0;
	for (size_t k = 0; k <= 4; k++)
		worst = fmax(worst, fabs(rr[k] - rf[k]) / rf[0]);
	CHECK(worst < 0.03, "30%% random gaps: autocorrelation within %.3g "
	    "of r(0) of the complete data's (tol 0.03)", worst);
	/* noise from differences at lag 2 when lag 1 has none */
	double v = mekf_noise_var_mad(x, N, 1);
	for (size_t t = 0; t < N; t++)
		y[t] = t % 2 ? NAN : x[t];
	double v2 = mekf_noise_var_mad(y, N, 1);
	CHECK(v2 > v && v2 < 10 * v, "every 2nd missing: MAD noise variance "
	    "%.4g from lag 2 (complete data, lag 1: %.4g; expected between "
	    "1x and 10x)", v2, v);
	free(x);
	free(y);
}

/* EM on every K-th sample kept: the model's lag-one correlation close
 * to the complete data's, and the smoother's fill below linear
 * interpolation's error. */
static void
test_em(gsl_rng *rng, size_t K)
{
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	double *out = malloc(N * sizeof *out), *li = malloc(N * sizeof *li);
	double rf[9];
	mekf_opts o = { 4, -1, 0, MEKF_ROWS, MEKF_SMOOTH };
	kv_err err = { "" };

	smooth_ar2(rng, x, N, 0.1);
	mekf_autocorr(rf, x, N, 1, 0, 8);
	for (size_t t = 0; t < N; t++)
		y[t] = t % K ? NAN : x[t];

	/* the model: through mekf_fit_gaps as denoise.c calls it */
	double r[MEKF_EM_START_LAG + 1];
	size_t np[MEKF_EM_START_LAG + 1], nobs = (N + K - 1) / K;
	mekf_model m;
	mekf_autocorr_runs(r, np, y, 1, 0, N, 1, 0, MEKF_EM_START_LAG);
	int rc = mekf_fit_gaps(&m, r, np, MEKF_EM_START_LAG, nobs, y, 1, 0,
	    N, 1, 0, 4, mekf_noise_var_mad(y, N, 1), 1, &err);
	CHECK(rc == 0 && m.err_var > 0, "every %zu-th kept: EM model fitted "
	    "(%s)", K, err.msg);
	double rho1 = m.r[1] / m.r[0], rho1_full = rf[1] / (rf[0] - 0.01);
	CHECK(fabs(rho1 - rho1_full) < 0.03 && m.r[1] != 0 && m.r[3] != 0,
	    "every %zu-th kept: r(1)/r(0) = %.4f, complete clean data %.4f "
	    "(tol 0.03), odd lags not 0", K, rho1, rho1_full);
	CHECK(m.noise_var > 0.25 * 0.01 && m.noise_var < 20 * 0.01,
	    "every %zu-th kept: noise variance %.4g, true 0.01 (0.25x to 20x: "
	    "EM is still creeping down)", K, m.noise_var);

	memcpy(out, y, N * sizeof *out);
	rc = mekf_denoise_signal(out, N, 1, &o, NULL, NULL, &err);
	interp(li, y, N);
	double e_me = gap_rms(out, x, y, N), e_li = gap_rms(li, x, y, N);
	double e_mean = sqrt(rf[0]);
	/* EM converges slowly here (the noise variance creeps down over
	 * hundreds of iterations from the lag-K estimate, which holds
	 * signal): within 2.5x of linear interpolation, far from the mean */
	CHECK(rc == 0 && e_me < 2.5 * e_li && e_me < 0.1 * e_mean,
	    "every %zu-th kept: smoother RMS on the gaps %.4g, linear "
	    "interpolation %.4g (tol 2.5x), column mean %.4g (tol 0.1x)", K,
	    e_me, e_li, e_mean);
	free(x);
	free(y);
	free(out);
	free(li);
}

/* --noise-var 0: the exact filter and the smoother run (R floored) and
 * give the samples present back. */
static void
test_zero_noise(gsl_rng *rng)
{
	double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
	kv_err err = { "" };

	smooth_ar2(rng, x, N, 0);
	for (int mode = MEKF_EXACT; mode <= MEKF_SMOOTH; mode++) {
		mekf_opts o = { 4, 0, 0, MEKF_ROWS, mode };
		for (size_t t = 0; t < N; t++)
			y[t] = t % 2 ? NAN : x[t];
		int rc = mekf_denoise_signal(y, N, 1, &o, NULL, NULL, &err);
		double worst = 0;
		for (size_t t = 0; t < N; t += 2)
			worst = fmax(worst, fabs(y[t] - x[t]));
		CHECK(rc == 0 && worst < 1e-3, "noise 0, %s, every 2nd missing: "
		    "runs (%s), samples present kept (|diff| %.3g, tol 1e-3)",
		    mode == MEKF_EXACT ? "exact" : "smooth", err.msg, worst);
	}
	free(x);
	free(y);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_set_error_handler_off();
	gsl_rng_set(rng, 11);
	test_autocorr(rng);
	test_em(rng, 2);
	test_em(rng, 3);
	test_zero_noise(rng);
	gsl_rng_free(rng);
	return check_done();
}
