/* test_mekflgssm: the exact filter and the RTS smoother of the ME model
 * (through lgssm.h) against dense Gaussian conditioning on a short
 * signal, against the steady-state filter once it has settled, and on a
 * long simulated AR signal plus noise: the smoother's error is below the
 * filter's and matches its own reported variance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "mefilter/lgssm_form.h"

static const double ar3_a[3] = { -1.2, 0.5, -0.1 };

/* The model of AR(3) with unit innovations observed in noise R. */
static void
make_model(mekf_model *m, double R)
{
	double r[4];
	kv_err err;

	mekf_levdur_inverse(r, ar3_a, 1.0, 3, &err);
	r[0] += R;
	mekf_fit_autocorr(m, r, 2.0, 3, R, &err);
}

/* E[s | y_S] by dense conditioning, s and y over T samples: the AR
 * autocovariance extended past lag p by its recursion (the ME
 * extension), Sigma_yy = Sigma_ss + R I on the samples in S. out[t] for
 * every t, conditioning on y_0..y_last. */
static void
dense_posterior(double *out, const mekf_model *m, const double *y,
	size_t T, size_t last)
{
	size_t n = last + 1;
	double *acov = malloc(T * sizeof *acov);
	gsl_matrix *Syy = gsl_matrix_alloc(n, n);
	gsl_vector *d = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);

	for (size_t k = 0; k < T; k++) {
		if (k <= m->p)
			acov[k] = m->r[k];
		else {
			acov[k] = 0;
			for (size_t i = 1; i <= m->p; i++)
				acov[k] -= m->a[i - 1] * acov[k - i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(Syy, i, j, acov[i > j ? i - j : j - i] +
			    (i == j ? m->noise_var : 0));
		gsl_vector_set(d, i, y[i] - m->mean);
	}
	gsl_linalg_cholesky_decomp1(Syy);
	gsl_linalg_cholesky_solve(Syy, d, w);	/* w = Syy^-1 (y - mean) */
	for (size_t t = 0; t < T; t++) {
		double s = m->mean;
		for (size_t j = 0; j < n; j++)
			s += acov[t > j ? t - j : j - t] * gsl_vector_get(w, j);
		out[t] = s;
	}
	gsl_matrix_free(Syy);
	gsl_vector_free(d);
	gsl_vector_free(w);
	free(acov);
}

static void
test_dense(gsl_rng *rng)
{
	enum { T = 40 };
	double y[T], sm[T], fl[T], ref[T], ref_f[T];
	mekf_model m;
	kv_err err = { "" };

	make_model(&m, 0.7);
	for (size_t t = 0; t < T; t++)
		y[t] = 2 + 3 * sin(0.3 * t) + gsl_ran_gaussian(rng, 1);
	memcpy(sm, y, sizeof y);
	memcpy(fl, y, sizeof y);
	int rc = mekf_lgssm_run(&m, MEKF_SMOOTH, sm, T, 1, NULL, &err);
	CHECK(rc == 0, "smooth: %s", err.msg);
	dense_posterior(ref, &m, y, T, T - 1);
	CHECK_ARRAY("RTS smoother vs dense E[s_t | y_1..T] (T=40)", sm, ref, T,
	    1e-9, 1e-9);
	rc = mekf_lgssm_run(&m, MEKF_EXACT, fl, T, 1, NULL, &err);
	CHECK(rc == 0, "exact filter: %s", err.msg);
	for (size_t t = 0; t < T; t++) {
		double tmp[T];
		dense_posterior(tmp, &m, y, T, t);
		ref_f[t] = tmp[t];
	}
	CHECK_ARRAY("exact filter vs dense E[s_t | y_1..t]", fl, ref_f, T,
	    1e-9, 1e-9);
}

static void
test_long(gsl_rng *rng)
{
	enum { N = 100000 };
	double *s = malloc(N * sizeof *s), *y = malloc(N * sizeof *y);
	double *f = malloc(N * sizeof *f), *g = malloc(N * sizeof *g);
	double *h = malloc(N * sizeof *h), h1 = 0, h2 = 0, h3 = 0, vs, vf;
	mekf_model m;
	kv_err err = { "" };

	make_model(&m, 4);
	for (size_t t = 0; t < N + 500; t++) {
		double v = gsl_ran_gaussian(rng, 1) - ar3_a[0] * h1 -
		    ar3_a[1] * h2 - ar3_a[2] * h3;
		h3 = h2;
		h2 = h1;
		h1 = v;
		if (t >= 500) {
			s[t - 500] = v + 2;
			y[t - 500] = v + 2 + gsl_ran_gaussian(rng, 2);
		}
	}
	memcpy(f, y, N * sizeof *f);
	memcpy(g, y, N * sizeof *g);
	memcpy(h, y, N * sizeof *h);
	mekf_filter(&m, f, N, 1, NULL);
	int rc = mekf_lgssm_run(&m, MEKF_EXACT, g, N, 1, &vf, &err);
	rc |= mekf_lgssm_run(&m, MEKF_SMOOTH, h, N, 1, &vs, &err);
	CHECK(rc == 0, "long runs: %s", err.msg);
	double worst = 0, ef = 0, es = 0;
	for (size_t t = 1000; t < N; t++)
		worst = fmax(worst, fabs(f[t] - g[t]));
	CHECK(worst < 1e-9, "exact filter = steady-state filter once settled "
	    "(|diff| %.3g after 1000 samples)", worst);
	for (size_t t = 0; t < N; t++) {
		ef += (g[t] - s[t]) * (g[t] - s[t]) / N;
		es += (h[t] - s[t]) * (h[t] - s[t]) / N;
	}
	CHECK(fabs(ef / vf - 1) < 0.05, "filter MSE %.4f vs its variance %.4f "
	    "(5%%)", ef, vf);
	CHECK(fabs(es / vs - 1) < 0.05, "smoother MSE %.4f vs its variance "
	    "%.4f (5%%)", es, vs);
	CHECK(es < 0.9 * ef, "smoother MSE %.4f below filter MSE %.4f", es, ef);
	free(s);
	free(y);
	free(f);
	free(g);
	free(h);
}

static void
test_flat_and_missing(void)
{
	double x[50];
	mekf_model m;
	kv_err err = { "" };

	make_model(&m, 0.5);
	for (size_t t = 0; t < 50; t++)
		x[t] = t % 7 == 3 ? NAN : 2 + sin(0.2 * t);
	int rc = mekf_lgssm_run(&m, MEKF_SMOOTH, x, 50, 1, NULL, &err);
	int finite = 1;
	for (size_t t = 0; t < 50; t++)
		finite &= isfinite(x[t]);
	CHECK(rc == 0 && finite, "missing samples are filled by the smoother");
	m.err_var = 0;
	rc = mekf_lgssm_run(&m, MEKF_EXACT, x, 50, 1, NULL, &err);
	CHECK(rc == 0 && x[17] == m.mean, "no signal: the mean");
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_set_error_handler_off();
	gsl_rng_set(rng, 9);
	test_dense(rng);
	test_long(rng);
	test_flat_and_missing();
	gsl_rng_free(rng);
	return check_done();
}
