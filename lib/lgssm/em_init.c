/* em_init.c: EM's starting point by principal components, see
 * em_init.h. */
#include "lgssm/em_init.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* Column means over the observed values: mean, cnt (p). */
static void
column_means(const double *x, size_t N, size_t p, double *mean,
	double *cnt)
{
	for (size_t t = 0; t < N; t++)
		for (size_t i = 0; i < p; i++) {
			double v = x[t * p + i];
			if (!isnan(v)) {
				mean[i] += v;
				cnt[i]++;
			}
		}
	for (size_t i = 0; i < p; i++)
		mean[i] = cnt[i] > 0 ? mean[i] / cnt[i] : 0;
}

/* S (p, p) += the covariance of the observed values, missing ones
 * counted as the mean. */
static void
covariance(gsl_matrix *S, const double *x, size_t N, size_t p,
	const double *mean, const double *cnt)
{
	for (size_t t = 0; t < N; t++) {
		const double *xt = x + t * p;
		for (size_t i = 0; i < p; i++)
			for (size_t j = 0; j < p; j++) {
				double a = isnan(xt[i]) ? 0 : xt[i] - mean[i];
				double b = isnan(xt[j]) ? 0 : xt[j] - mean[j];
				*gsl_matrix_ptr(S, i, j) += a * b /
				    fmax(1, fmin(cnt[i], cnt[j]));
			}
	}
}

int
lgssm_em_init_pca(lgssm *m, const double *x, size_t N, size_t p,
	size_t n, unsigned long seed, kv_err *err)
{
	double *mean = calloc(p, sizeof *mean), *cnt = calloc(p, sizeof *cnt);
	gsl_matrix *S = gsl_matrix_calloc(p, p), *V = gsl_matrix_alloc(p, p);
	gsl_vector *ev = gsl_vector_alloc(p);
	gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(p);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double total = 0, floor, resid = 0;
	int rc = -1;

	memset(m, 0, sizeof *m);
	if (!mean || !cnt || !S || !V || !ev || !ws || !rng ||
	    lgssm_alloc(m, n, p, err) != 0) {
		kv_errf(err, "out of memory");
		goto done;
	}
	gsl_rng_set(rng, seed);
	column_means(x, N, p, mean, cnt);
	covariance(S, x, N, p, mean, cnt);
	for (size_t i = 0; i < p; i++)
		total += gsl_matrix_get(S, i, i);
	if (gsl_eigen_symmv(S, ev, V, ws) != 0 ||
	    gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_DESC) != 0) {
		kv_errf(err, "eigen-decomposition of the data covariance failed");
		goto done;
	}
	floor = fmax(1e-6 * total / (double)p, 1e-12);
	for (size_t k = n < p ? n : p; k < p; k++)
		resid += fmax(gsl_vector_get(ev, k), 0);
	for (size_t j = 0; j < n; j++) {
		double lam = j < p ? fmax(gsl_vector_get(ev, j), floor) : floor;
		for (size_t i = 0; i < p; i++)
			m->C[i * n + j] = j < p ? gsl_matrix_get(V, i, j) :
			    0.1 * gsl_ran_gaussian(rng, 1.0);
		m->A[j * n + j] = 0.9;
		m->Q[j * n + j] = 0.19 * lam;
		m->P0[j * n + j] = lam;
	}
	for (size_t i = 0; i < p; i++)
		m->R[i * p + i] = fmax(resid / (double)p, 0.05 * total /
		    (double)p);
	rc = lgssm_validate(m, err);
done:
	if (rc != 0)
		lgssm_free(m);
	free(mean);
	free(cnt);
	if (S) gsl_matrix_free(S);
	if (V) gsl_matrix_free(V);
	if (ev) gsl_vector_free(ev);
	if (ws) gsl_eigen_symmv_free(ws);
	if (rng) gsl_rng_free(rng);
	return rc;
}
