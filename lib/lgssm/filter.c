/* filter.c: the Kalman filter, Algorithm 1 of the KVAE paper; see lgssm.h. */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/dmat.h"
#include "lgssm/filter_core.h"
#include "lgssm/internal.h"

/* The measurement update and the time update of a record (their
 * arithmetic line by line in filter_core.h; small models take
 * filter_small.c's constant-size copies), and the streaming filter that
 * runs them record after record (its steady-state mode in steady.c). */

/* Gather the observed rows of x, C (and their transpose) and R (rvar's
 * finite entries replace R's row and column): returns k, the number
 * observed. Rows gathered from R itself stay valid while the same
 * components are observed (until lgssm_work_model). */
size_t
lgssm_gather(const lgssm *m, const double *x, const double *rvar,
	lgssm_work *w)
{
	size_t n = m->n, p = m->p, k = 0;
	int same = w->gathered && rvar == NULL;

	for (size_t i = 0; i < p; i++)
		if (!isnan(x[i])) {
			same = same && k < w->k && w->obs[k] == i;
			w->obs[k++] = i;
		}
	if (same && k == w->k)
		return k;
	for (size_t r = 0; r < k; r++) {
		size_t i = w->obs[r];
		memcpy(w->Cp + r * n, m->C + i * n, n * sizeof *w->Cp);
		for (size_t s = 0; s < k; s++)
			w->Rp[r * k + s] = m->R[i * p + w->obs[s]];
	}
	for (size_t j = 0; j < n; j++)
		for (size_t r = 0; r < k; r++)
			w->CpT[j * k + r] = m->C[w->obs[r] * n + j];
	for (size_t r = 0; rvar != NULL && r < k; r++) {
		double v = rvar[w->obs[r]];
		if (!isfinite(v))
			continue;
		for (size_t s = 0; s < k; s++)
			w->Rp[r * k + s] = w->Rp[s * k + r] = 0;
		w->Rp[r * k + r] = v;
	}
	w->gathered = rvar == NULL;
	return k;
}

/* Measurement update: gather the observed components, then
 * lgssm_update_core (filter_core.h) and the log-likelihood term. */
int
lgssm_update(const lgssm *m, const double *x, const double *rvar,
	const double *mu_pred, const double *P_pred, double *mu_filt,
	double *P_filt, double *loglik, size_t *nobs, lgssm_work *w,
	kv_err *err)
{
	size_t n = m->n, k = lgssm_gather(m, x, rvar, w), bad;
	double quad;

	w->k = k;
	if (k == 0) {	/* nothing observed: the posterior is the prior */
		if (mu_filt != mu_pred)
			memcpy(mu_filt, mu_pred, n * sizeof *mu_filt);
		if (P_filt != P_pred)
			memcpy(P_filt, P_pred, n * n * sizeof *P_filt);
		return 0;
	}
	bad = lgssm_small(n, k) ? lgssm_update_small(x, mu_pred, P_pred,
	    mu_filt, P_filt, &quad, w, n, k) : lgssm_update_core(x, mu_pred,
	    P_pred, mu_filt, P_filt, &quad, w, n, k, 0);
	if (bad != 0)	/* e.g. R = 0 and a component the state fixes */
		return kv_errf(err, "innovation covariance is not positive "
		    "definite at component %zu: it is predicted exactly (no "
		    "observation noise, no state uncertainty left there)",
		    w->obs[bad - 1] + 1);
	if (loglik != NULL)
		*loglik += -0.5 * ((double)k * LOG_2PI + w->logdet_S + quad);
	if (nobs != NULL)
		*nobs += k;
	/* with exact observations (R singular) a variance may be zero, or
	 * by rounding a little below; anything more is an error */
	double scale = 0;
	for (size_t i = 0; i < n; i++)
		scale = fmax(scale, fabs(P_filt[i * n + i]));
	for (size_t i = 0; i < n; i++)
		if (!(P_filt[i * n + i] >= -1e-9 * scale))
			return kv_errf(err, "filtered covariance is not "
			    "positive semi-definite (variance %zu is %g)", i + 1,
			    P_filt[i * n + i]);
	return 0;
}

/* Time update: lgssm_predict_core (filter_core.h). */
void
lgssm_predict(const lgssm *m, const double *mu_filt, const double *P_filt,
	double *mu_pred, double *P_pred, lgssm_work *w)
{
	if (lgssm_small(m->n, m->n))
		lgssm_predict_small(m, mu_filt, P_filt, mu_pred, P_pred, w);
	else
		lgssm_predict_core(m, mu_filt, P_filt, mu_pred, P_pred, w, m->n,
		    0);
}

int
lgssm_filter_init(lgssm_filter *f, const lgssm *m, int steady, kv_err *err)
{
	size_t n = m->n, p = m->p;

	memset(f, 0, sizeof *f);
	f->m = m;
	f->steady = steady;
	f->steady_tol = 1e-13;
	f->block = malloc((2 * n + 6 * n * n + n * p + p * p) *
	    sizeof *f->block);
	if (f->block == NULL)
		return kv_errf(err, "out of memory");
	if (lgssm_is_diffuse(m) && (f->delems = lgssm_delems_alloc(n, p)) ==
	    NULL) {
		lgssm_filter_free(f);
		return kv_errf(err, "out of memory");
	}
	f->mu_pred = f->block;
	f->mu_filt = f->mu_pred + n;
	f->P_pred = f->mu_filt + n;
	f->P_filt = f->P_pred + n * n;
	f->P_filt_ss = f->P_filt + n * n;
	f->P_pred_ss = f->P_filt_ss + n * n;
	f->K = f->P_pred_ss + n * n;
	f->LS = f->K + n * p;
	f->Pinf_pred = f->LS + p * p;
	f->Pinf_filt = f->Pinf_pred + n * n;
	if ((f->w = lgssm_work_alloc(n, p, err)) == NULL) {
		lgssm_filter_free(f);
		return -1;
	}
	lgssm_filter_reset(f);
	return 0;
}

void
lgssm_filter_reset(lgssm_filter *f)
{
	size_t n = f->m->n;

	lgssm_work_model(f->w, f->m);
	memcpy(f->mu_pred, f->m->mu0, n * sizeof *f->mu_pred);
	memcpy(f->P_pred, f->m->P0, n * n * sizeof *f->P_pred);
	memcpy(f->Pinf_pred, f->m->Pinf, n * n * sizeof *f->Pinf_pred);
	memset(f->Pinf_filt, 0, n * n * sizeof *f->Pinf_filt);
	f->diffuse = f->delems != NULL;
	f->was_diffuse = 0;
	f->ndiffuse = 0;
	f->loglik = 0;
	f->t = 0;
	f->nobs = 0;
	f->converged = 0;
	f->steady_steps = 0;
}

/* A record the steady state may take: every component observed, R
 * not replaced. */
static int
fully_observed(const double *x, const double *rvar, size_t p)
{
	for (size_t i = 0; i < p; i++)
		if (isnan(x[i]) || (rvar != NULL && !isnan(rvar[i])))
			return 0;
	return 1;
}

/* A record of the diffuse period: the exact initial update, then the
 * time update of the mean, P_* and Pinf, and whether the next record is
 * still in the period. 0 or -1. */
static int
diffuse_step(lgssm_filter *f, const double *x, const double *rvar,
	kv_err *err)
{
	const lgssm *m = f->m;
	size_t n = m->n;

	memcpy(f->mu_filt, f->mu_pred, n * sizeof *f->mu_filt);
	memcpy(f->P_filt, f->P_pred, n * n * sizeof *f->P_filt);
	memcpy(f->Pinf_filt, f->Pinf_pred, n * n * sizeof *f->Pinf_filt);
	if (lgssm_diffuse_update(m, x, rvar, f->mu_filt, f->P_filt,
	    f->Pinf_filt, &f->loglik, &f->nobs, f->delems, f->w, err) != 0)
		return -1;
	lgssm_predict(m, f->mu_filt, f->P_filt, f->mu_pred, f->P_pred, f->w);
	f->diffuse = lgssm_diffuse_predict(m, f->Pinf_filt, f->Pinf_pred,
	    f->w);
	f->ndiffuse++;
	f->converged = 0;
	f->cov_changed = 1;
	return 0;
}

/* One pass of Algorithm 1's loop: record t's measurement update, then
 * the time update to t + 1. */
int
lgssm_filter_step(lgssm_filter *f, const double *x, const double *rvar,
	kv_err *err)
{
	const lgssm *m = f->m;
	int full = fully_observed(x, rvar, m->p);
	double loglik = f->loglik;
	size_t nobs = f->nobs;

	f->was_diffuse = f->diffuse;
	if (f->diffuse) {
		if (diffuse_step(f, x, rvar, err) != 0)
			return -1;
	} else if (f->steady && f->converged && full) {
		/* both updates with the constant gain, means only */
		lgssm_filter_steady_step(f, x);
	} else {
		f->converged = 0;
		/* Measurement update */
		if (lgssm_update(m, x, rvar, f->mu_pred, f->P_pred, f->mu_filt,
		    f->P_filt, &f->loglik, &f->nobs, f->w, err) != 0)
			return -1;
		/* Time update; in steady-state mode, with the prior it
		 * replaces kept, to see whether P_pred has converged */
		if (f->steady && full)
			memcpy(f->P_pred_ss, f->P_pred, m->n * m->n *
			    sizeof *f->P_pred);
		lgssm_predict(m, f->mu_filt, f->P_filt, f->mu_pred, f->P_pred,
		    f->w);
		f->cov_changed = 1;
		if (f->steady && full && f->t > 0)
			lgssm_filter_steady_check(f);
	}
	if (f->t < f->burn) {
		f->loglik = loglik;
		f->nobs = nobs;
	}
	f->t++;
	return 0;
}

void
lgssm_filter_free(lgssm_filter *f)
{
	lgssm_delems_free(f->delems);
	free(f->block);
	lgssm_work_free(f->w);
	memset(f, 0, sizeof *f);
}

void
lgssm_filter_gain(const lgssm_filter *f, double *K, double *u)
{
	const lgssm_work *w = f->w;
	size_t n = f->m->n, p = f->m->p;

	if (!f->cov_changed) {	/* a steady step: all observed */
		memcpy(u, w->e, p * sizeof *u);
		dmat_chol_solve(f->LS, p, u, 1);
		if (K != NULL)
			memcpy(K, f->K, n * p * sizeof *K);
		return;
	}
	memcpy(w->v, w->e, w->k * sizeof *w->v);
	dmat_chol_solve(w->S, w->k, w->v, 1);
	memset(u, 0, p * sizeof *u);
	for (size_t r = 0; r < w->k; r++)
		u[w->obs[r]] = w->v[r];
	if (K == NULL)
		return;
	memset(K, 0, n * p * sizeof *K);
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < w->k; r++)
			K[i * p + w->obs[r]] = w->K[i * w->k + r];
}
