/* sample_posterior.c: draws from p(z, x_missing | x_observed) by forward
 * filtering, backward sampling; see lgssm.h (lgssm_sample_posterior). */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"

struct ffbs {
	size_t n, p;
	double *mu_f, *P_f;	/* (T, n), (T, n, n) filtered moments */
	double *mu_p, *P_p;	/* (n), (n, n) a prediction */
	double *AP, *G;		/* (n, n) A P_filt, then P_pred^{-1} A P_filt */
	double *S, *F;		/* (q, q) a covariance, its factor (q = max n p) */
	double *mean, *eps;	/* (q) */
	double *Cz;		/* (p) */
	double *Roo, *Rom;	/* (p, p) blocks of R */
	size_t *miss, *obs;	/* (p) component indices */
	double *block;
};

static void
ffbs_free(struct ffbs *b)
{
	if (b == NULL)
		return;
	free(b->miss);
	free(b->block);
	free(b);
}

/* The workspace for T records, or NULL when out of memory. */
static struct ffbs *
ffbs_alloc(size_t n, size_t p, size_t T)
{
	size_t q = n > p ? n : p, nn = n * n;
	struct ffbs *b;

	if ((b = calloc(1, sizeof *b)) == NULL)
		return NULL;
	b->n = n;
	b->p = p;
	b->block = malloc((T * (n + nn) + n + 3 * nn + 2 * q * q + 2 * q + p +
	    2 * p * p) * sizeof *b->block);
	b->miss = malloc(2 * p * sizeof *b->miss);
	if (b->block == NULL || b->miss == NULL) {
		ffbs_free(b);
		return NULL;
	}
	b->mu_f = b->block;
	b->P_f = b->mu_f + T * n;
	b->mu_p = b->P_f + T * nn;
	b->P_p = b->mu_p + n;
	b->AP = b->P_p + nn;
	b->G = b->AP + nn;
	b->S = b->G + nn;
	b->F = b->S + q * q;
	b->mean = b->F + q * q;
	b->eps = b->mean + q;
	b->Cz = b->eps + q;
	b->Roo = b->Cz + p;
	b->Rom = b->Roo + p * p;
	b->obs = b->miss + p;
	return b;
}

/* y = mean + F eps with eps ~ N(0, I) and F F^T = S (q, q), symmetric
 * positive semi-definite (a posterior covariance is singular where the
 * data fix a state; rounding may leave it a little indefinite there).
 * Returns -1 only when memory runs out. */
static int
draw_gaussian(struct ffbs *b, double *y, const double *mean,
	const double *S, size_t q, gsl_rng *rng)
{
	if (lgssm_psd_factor(S, q, b->F) != 0)
		return -1;
	for (size_t i = 0; i < q; i++)
		b->eps[i] = gsl_ran_gaussian(rng, 1.0);
	dmat_mv(y, b->F, b->eps, q, q, 0);
	for (size_t i = 0; i < q; i++)
		y[i] += mean[i];
	return 0;
}

/* Forward pass: filtered moments of every record into b. */
static int
filter_all(const lgssm *m, const double *x, size_t T, struct ffbs *b,
	lgssm_work *w, kv_err *err)
{
	size_t n = m->n, nn = n * n;

	memcpy(b->mu_p, m->mu0, n * sizeof *b->mu_p);
	memcpy(b->P_p, m->P0, nn * sizeof *b->P_p);
	for (size_t t = 0; t < T; t++) {
		double *mu = b->mu_f + t * n, *P = b->P_f + t * nn;
		if (lgssm_update(m, x + t * m->p, NULL, b->mu_p, b->P_p, mu, P,
		    NULL, NULL, w, err) != 0)
			return kv_err_prefix(err, "record %zu", t + 1);
		if (t + 1 < T)
			lgssm_predict(m, mu, P, b->mu_p, b->P_p, w);
	}
	return 0;
}

/* z_t given z_{t+1} and x_{1:t}: with G = P_pred^{-1} A P_filt (the
 * smoother gain's transpose), mean mu_filt + G^T (z_{t+1} - mu_pred),
 * covariance P_filt - G^T A P_filt. */
static int
draw_state_back(const lgssm *m, size_t t, const double *z_next, double *z,
	struct ffbs *b, lgssm_work *w, gsl_rng *rng, kv_err *err)
{
	size_t n = m->n, nn = n * n;
	const double *mu = b->mu_f + t * n, *P = b->P_f + t * nn;

	lgssm_predict(m, mu, P, b->mu_p, b->P_p, w);
	dmat_mul(b->AP, m->A, P, n, n, n, 0, 0, 1, 0);
	memcpy(b->G, b->AP, nn * sizeof *b->G);
	if (lgssm_psd_solve(b->P_p, n, b->G, n) != 0)
		return kv_errf(err, "out of memory");
	for (size_t i = 0; i < n; i++)
		b->eps[i] = z_next[i] - b->mu_p[i];
	dmat_mv(b->mean, b->G, b->eps, n, n, 1);
	for (size_t i = 0; i < n; i++)
		b->mean[i] += mu[i];
	memcpy(b->S, P, nn * sizeof *b->S);
	dmat_mul(b->S, b->G, b->AP, n, n, n, 1, 0, -1, 1);
	dmat_symmetrise(b->S, n);
	if (draw_gaussian(b, z, b->mean, b->S, n, rng) != 0)
		return kv_errf(err, "out of memory");
	return 0;
}

/* The record: observed components as given; the missing ones drawn
 * from x_m | z, x_o: mean (C z)_m + R_mo R_oo^{-1} (x_o - (C z)_o),
 * covariance R_mm - R_mo R_oo^{-1} R_om. */
static int
draw_record(const lgssm *m, const double *x, const double *z, double *xs,
	struct ffbs *b, gsl_rng *rng, kv_err *err)
{
	size_t p = m->p, nm = 0, no = 0;
	double *Roo = b->Roo, *Rom = b->Rom;

	for (size_t i = 0; i < p; i++) {
		if (isnan(x[i]))
			b->miss[nm++] = i;
		else
			b->obs[no++] = i;
		xs[i] = x[i];
	}
	if (nm == 0)
		return 0;
	dmat_mv(b->Cz, m->C, z, p, m->n, 0);
	for (size_t i = 0; i < nm; i++) {
		b->mean[i] = b->Cz[b->miss[i]];
		for (size_t j = 0; j < nm; j++)
			b->S[i * nm + j] = m->R[b->miss[i] * p + b->miss[j]];
	}
	if (no > 0) {
		for (size_t i = 0; i < no; i++) {
			b->eps[i] = x[b->obs[i]] - b->Cz[b->obs[i]];
			for (size_t j = 0; j < no; j++)
				Roo[i * no + j] = m->R[b->obs[i] * p + b->obs[j]];
			for (size_t j = 0; j < nm; j++)
				Rom[i * nm + j] = m->R[b->obs[i] * p + b->miss[j]];
		}
		memcpy(b->F, Rom, no * nm * sizeof *b->F);
		if (lgssm_psd_solve(Roo, no, b->eps, 1) != 0 ||
		    lgssm_psd_solve(Roo, no, b->F, nm) != 0)
			return kv_errf(err, "out of memory");
		dmat_mv(b->Cz, Rom, b->eps, nm, no, 1);
		for (size_t i = 0; i < nm; i++)
			b->mean[i] += b->Cz[i];
		dmat_mul(b->S, Rom, b->F, nm, no, nm, 1, 0, -1, 1);
		dmat_symmetrise(b->S, nm);
	}
	if (draw_gaussian(b, b->Cz, b->mean, b->S, nm, rng) != 0)
		return kv_errf(err, "out of memory");
	for (size_t i = 0; i < nm; i++)
		xs[b->miss[i]] = b->Cz[i];
	return 0;
}

/* Filter forward, then draw z_T, z_{T-1}, ..., z_1 and the records. */
static int
sample_all(const lgssm *m, gsl_rng *rng, const double *x, size_t T,
	double *z, double *xs, struct ffbs *b, lgssm_work *w, kv_err *err)
{
	size_t n = m->n;

	if (filter_all(m, x, T, b, w, err) != 0)
		return -1;
	memcpy(b->S, b->P_f + (T - 1) * n * n, n * n * sizeof *b->S);
	if (draw_gaussian(b, z + (T - 1) * n, b->mu_f + (T - 1) * n, b->S, n,
	    rng) != 0)
		return kv_errf(err, "out of memory");
	for (size_t t = T - 1; t-- > 0;)
		if (draw_state_back(m, t, z + (t + 1) * n, z + t * n, b, w, rng,
		    err) != 0)
			return -1;
	for (size_t t = 0; t < T; t++)
		if (draw_record(m, x + t * m->p, z + t * n, xs + t * m->p, b,
		    rng, err) != 0)
			return -1;
	return 0;
}

int
lgssm_sample_posterior(const lgssm *m, gsl_rng *rng, const double *x,
	size_t T, double *z, double *xs, kv_err *err)
{
	size_t n = m->n, p = m->p;
	struct ffbs *b;
	lgssm_work *w;
	double *z_all = z;
	int rc;

	if (T == 0)
		return 0;
	if (lgssm_is_diffuse(m))
		return kv_errf(err, "posterior draws with diffuse initial "
		    "states are not supported: give a P0");
	if ((w = lgssm_work_alloc(n, p, err)) == NULL)
		return -1;
	if ((b = ffbs_alloc(n, p, T)) == NULL || (z_all == NULL &&
	    (z_all = malloc(T * n * sizeof *z_all)) == NULL)) {
		lgssm_work_free(w);
		ffbs_free(b);
		return kv_errf(err, "out of memory");
	}
	lgssm_work_model(w, m);
	rc = sample_all(m, rng, x, T, z_all, xs, b, w, err);
	if (z_all != z)
		free(z_all);
	lgssm_work_free(w);
	ffbs_free(b);
	return rc;
}
