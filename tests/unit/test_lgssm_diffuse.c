/* test_lgssm_diffuse: exact diffuse initialisation as the limit it is.
 * The same model with P0 + kappa Pinf in place of the diffuse part,
 * filtered and smoothed the ordinary way, must approach the exact
 * diffuse results as kappa grows (the error falling about as 1/kappa),
 * and its log-likelihood plus log(kappa)/2 per diffuse component must
 * approach the diffuse one. Cases: part of the state diffuse with a
 * known block beside it, R correlated (the components turned by its
 * eigenvectors), missing values and a missing record inside the
 * diffuse period; every state diffuse with Q singular. statsmodels and
 * KFAS are compared in tests/reference/kf-diffuse.bats. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "linalg/dmat.h"
#include "lgssm/lgssm.h"

struct moments {
	size_t n;
	double *mu, *var;	/* (T, n) smoothed means, variances */
};

static int
keep(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct moments *mo = ctx;
	size_t n = mo->n;

	(void)P_cross;
	memcpy(mo->mu + t * n, mu, n * sizeof *mu);
	for (size_t i = 0; P != NULL && i < n; i++)
		mo->var[t * n + i] = P[i * n + i];
	return 0;
}

/* Smooth x (T, p) under m into mo; the log-likelihood, or NAN. */
static double
smooth(const lgssm *m, const double *x, size_t T, struct moments *mo,
	int means_only)
{
	lgssm_filter f;
	lgssm_trace tr = { .means_only = means_only };
	double ll = NAN;
	kv_err err;

	mo->n = m->n;
	if (lgssm_filter_init(&f, m, 0, &err) == 0 &&
	    lgssm_filter_trace(&f, x, NULL, T, &tr, &err) == 0 &&
	    lgssm_smooth(m, &tr, keep, mo, 0, &err) == 0)
		ll = tr.loglik;
	else
		printf("# %s\n", err.msg);
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
	return ll;
}

/* Largest |a - b| over N entries, relative to 1 + |b|. */
static double
max_diff(const double *a, const double *b, size_t N)
{
	double d = 0;

	for (size_t i = 0; i < N; i++)
		d = fmax(d, fabs(a[i] - b[i]) / (1 + fabs(b[i])));
	return d;
}

/* The model with kappa in place of the diffuse part. */
static void
proper_copy(lgssm *dst, const lgssm *m, double kappa)
{
	size_t nn = m->n * m->n;

	lgssm_copy(dst, m, NULL);
	for (size_t i = 0; i < nn; i++) {
		dst->P0[i] += kappa * m->Pinf[i];
		dst->Pinf[i] = 0;
	}
}

/* Compare m's diffuse smoother with the kappa limit, for kappa = 1e5,
 * 1e6, 1e7; ndiffuse components carry the diffuse terms. */
static void
check_limit(const char *name, const lgssm *m, const double *x, size_t T,
	int ndiffuse)
{
	size_t N = T * m->n;
	struct moments d = { 0 }, k = { 0 }, mo = { 0 };
	double err[3], ll_err[3], kappa = 1e5, ll;

	d.mu = malloc(N * sizeof *d.mu);
	d.var = malloc(N * sizeof *d.var);
	k.mu = malloc(N * sizeof *k.mu);
	k.var = malloc(N * sizeof *k.var);
	mo.mu = malloc(N * sizeof *mo.mu);
	mo.var = malloc(N * sizeof *mo.var);
	ll = smooth(m, x, T, &d, 0);
	CHECK(isfinite(ll), "%s: exact diffuse smoother runs, loglik %.10g",
	    name, ll);
	for (int r = 0; r < 3; r++, kappa *= 10) {
		lgssm p;
		proper_copy(&p, m, kappa);
		double llk = smooth(&p, x, T, &k, 0);
		err[r] = fmax(max_diff(k.mu, d.mu, N), max_diff(k.var, d.var,
		    N));
		ll_err[r] = fabs(llk + 0.5 * ndiffuse * log(kappa) - ll);
		lgssm_free(&p);
		printf("# %s: kappa %g: moments %.3g, loglik %.3g\n", name,
		    kappa, err[r], ll_err[r]);
	}
	CHECK(err[1] < err[0] / 5 && err[2] < err[1] / 5 && err[2] < 1e-5,
	    "%s: smoothed means and variances with P0 + kappa Pinf approach "
	    "the exact diffuse ones as kappa = 1e5, 1e6, 1e7: %.3g, %.3g, "
	    "%.3g", name, err[0], err[1], err[2]);
	CHECK(ll_err[1] < ll_err[0] / 5 && ll_err[2] < ll_err[1] / 5 &&
	    ll_err[2] < 1e-4, "%s: loglik + %d log(kappa)/2 approaches the "
	    "diffuse loglik: %.3g, %.3g, %.3g", name, ndiffuse, ll_err[0],
	    ll_err[1], ll_err[2]);
	smooth(m, x, T, &mo, 1);
	CHECK_ARRAY("means-only trace of a diffuse model: the same means",
	    mo.mu, d.mu, N, 0, 0);
	/* after the period: the RTS smoother's hand-over against the
	 * backward recursions all the way */
	lgssm_diffuse_handover(0);
	smooth(m, x, T, &mo, 0);
	lgssm_diffuse_handover(1);
	CHECK_ARRAY("backward recursions throughout = RTS hand-over: means",
	    mo.mu, d.mu, N, 1e-11, 1e-12);
	CHECK_ARRAY("backward recursions throughout = RTS hand-over: "
	    "variances", mo.var, d.var, N, 1e-11, 1e-12);
	free(d.mu);
	free(d.var);
	free(k.mu);
	free(k.var);
	free(mo.mu);
	free(mo.var);
}

/* Data from m with P0 standing in for the diffuse part; a fraction
 * `missing` of the values NaN, and record 1 (in the period) wholly. */
static double *
data(const lgssm *m, size_t T, double missing, gsl_rng *rng)
{
	lgssm p;
	double *x = malloc(T * m->p * sizeof *x);

	proper_copy(&p, m, 4);
	lgssm_sample(&p, rng, T, NULL, x, NULL);
	for (size_t i = 0; i < T * m->p; i++)
		if (gsl_rng_uniform(rng) < missing)
			x[i] = NAN;
	for (size_t i = 0; i < m->p; i++)
		x[m->p + i] = NAN;
	lgssm_free(&p);
	return x;
}

/* n = 4, p = 3: states 0 and 1 diffuse (a level and a slope), 2 and 3
 * an AR block with a known P0; R correlated. */
static void
partly_diffuse(gsl_rng *rng)
{
	lgssm m;
	size_t n = 4, p = 3, T = 40, idx[] = { 0, 1 };
	double A[] = { 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0.7, 0.2, 0, 0, -0.3, 0.5 };
	double C[] = { 1, 0, 1, 0, 1, 0, 0, 1, 0.5, 0.2, 1, 1 };
	double R[] = { 1, 0.4, 0.1, 0.4, 0.8, 0.2, 0.1, 0.2, 0.6 };

	lgssm_alloc(&m, n, p, NULL);
	memcpy(m.A, A, sizeof A);
	memcpy(m.C, C, sizeof C);
	memcpy(m.R, R, sizeof R);
	for (size_t i = 0; i < n; i++) {
		m.Q[i * n + i] = 0.1 + 0.1 * (double)i;
		m.P0[i * n + i] = 1.5;
		m.mu0[i] = 0.3 * (double)i;
	}
	m.P0[2 * n + 3] = m.P0[3 * n + 2] = 0.4;
	lgssm_set_diffuse(&m, idx, 2);
	double *x = data(&m, T, 0.2, rng);
	check_limit("partly diffuse, R correlated, missing values", &m, x,
	    T, 2);
	free(x);
	lgssm_free(&m);
}

/* A local linear trend with no noise on the slope (Q singular), both
 * states diffuse. */
static void
all_diffuse_singular_q(gsl_rng *rng)
{
	lgssm m;
	size_t n = 2, p = 1, T = 30, idx[] = { 0, 1 };
	double A[] = { 1, 1, 0, 1 };

	lgssm_alloc(&m, n, p, NULL);
	memcpy(m.A, A, sizeof A);
	m.C[0] = 1;
	m.Q[0] = 0.5;
	m.R[0] = 0.3;
	lgssm_set_diffuse(&m, idx, 2);
	double *x = data(&m, T, 0.1, rng);
	check_limit("every state diffuse, Q singular", &m, x, T, 2);
	free(x);
	lgssm_free(&m);
}

/* What the diffuse smoother does not give is refused with a message:
 * cross-covariances (EM, the KVAE gradients), and a sequence that ends
 * inside the period. */
static void
refusals(void)
{
	lgssm m;
	lgssm_filter f;
	lgssm_trace tr = { 0 };
	size_t idx[] = { 0, 1 };
	double A[] = { 1, 1, 0, 1 }, x[] = { 1, 2, 4 };
	struct moments mo = { .n = 2, .mu = (double[6]){ 0 },
	    .var = (double[6]){ 0 } };
	kv_err err;
	int rc;

	lgssm_alloc(&m, 2, 1, NULL);
	memcpy(m.A, A, sizeof A);
	m.C[0] = m.Q[0] = m.R[0] = 1;
	lgssm_set_diffuse(&m, idx, 2);
	lgssm_filter_init(&f, &m, 0, &err);
	lgssm_filter_trace(&f, x, NULL, 3, &tr, &err);
	err.msg[0] = 0;
	rc = lgssm_smooth(&m, &tr, keep, &mo, 1, &err);
	CHECK(rc == -1 && strstr(err.msg, "cross-covariances") != NULL,
	    "diffuse smoother asked for cross-covariances: -1, \"%s\"",
	    err.msg);
	lgssm_filter_trace(&f, x, NULL, 1, &tr, &err);
	err.msg[0] = 0;
	rc = lgssm_smooth(&m, &tr, keep, &mo, 0, &err);
	CHECK(rc == -1 && strstr(err.msg, "did not end by record 1") != NULL,
	    "one record of a diffuse trend: -1, \"%s\"", err.msg);
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
	lgssm_free(&m);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(rng, 20261206);
	partly_diffuse(rng);
	all_diffuse_singular_q(rng);
	refusals();
	gsl_rng_free(rng);
	return check_done();
}
