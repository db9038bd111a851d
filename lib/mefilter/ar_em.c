/* ar_em.c: EM for the ME model's autocorrelation with gaps; see
 * ar_em.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgssm/lgssm.h"
#include "mefilter/ar_em.h"
#include "mefilter/lgssm_form.h"

int
mekf_lag_estimable(size_t npairs, size_t nobs)
{
	return npairs > 0 && npairs >= nobs / 8;
}

/* The lag-k correlation of the AR(2) with a double pole at phi (0 <=
 * phi < 1): phi^k (1 + k (1 - phi^2) / (1 + phi^2)). */
static double
double_pole_rho(double phi, size_t k)
{
	return pow(phi, (double)k) *
	    (1 + (double)k * (1 - phi * phi) / (1 + phi * phi));
}

void
mekf_em_start(double *rc, const double *r, const size_t *npairs,
	size_t maxlag, size_t nobs, double noise_var, size_t p)
{
	double r0 = r[0] - noise_var, phi = 0, rho = 0;
	size_t L = 1;

	for (; L <= maxlag; L++)
		if (mekf_lag_estimable(npairs[L], nobs)) {
			rho = r[L] / r0;
			break;
		}
	rc[0] = r0;
	if (L <= maxlag && rho > 0) {
		/* bisect for the double pole whose r(L) matches */
		double lo = 0, hi = 0.999;
		rho = fmin(rho, double_pole_rho(hi, L));
		for (int it = 0; it < 60; it++) {
			phi = 0.5 * (lo + hi);
			if (double_pole_rho(phi, L) < rho)
				lo = phi;
			else
				hi = phi;
		}
		for (size_t k = 1; k <= p; k++)
			rc[k] = r0 * double_pole_rho(phi, k);
		return;
	}
	if (L <= maxlag && L % 2 == 1)	/* an odd lag can be negative */
		phi = -pow(fmin(-rho, 0.999), 1.0 / (double)L);
	for (size_t k = 1; k <= p; k++)
		rc[k] = rc[k - 1] * phi;
}

/* The smoother's visitor: sums of E[s_t s_{t-k} | y], k = 0..p, over the
 * pairs inside the run. */
struct lag_sums {
	size_t p;
	double *acc;		/* (p + 1) */
	double next_last;	/* E[s_{t+1} | y] of the record visited last */
	const double *y;	/* the run, mean removed (NaN missing) */
	double resid;		/* sum of E[(y_t - s_t)^2 | y], y_t present */
	size_t nobs;		/* samples present */
};

static int
add_lags(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct lag_sums *s = ctx;
	size_t p = s->p, last = p - 1;

	/* z_t = (s_{t-p+1}, ..., s_t): its last row gives lags 0..p-1 */
	for (size_t k = 0; k < p && k <= t; k++)
		s->acc[k] += P[last * p + last - k] + mu[last] * mu[last - k];
	/* lag p: Cov(s_{t+1}, s_{t+1-p}) is P_cross = Cov(z_{t+1}, z_t)
	 * at (p-1, 0) */
	if (P_cross && t + 1 >= p)
		s->acc[p] += P_cross[last * p] + s->next_last * mu[0];
	s->next_last = mu[last];
	if (!isnan(s->y[t])) {
		double e = s->y[t] - mu[last];
		s->resid += e * e + P[last * p + last];
		s->nobs++;
	}
	return 0;
}

/* One E-step: acc[0..p] = the expected lag products of model m over the
 * runs; *loglik their log-likelihood. */
static int
e_step(double *acc, double *resid, double *loglik, const mekf_model *m, const double *x,
	size_t nrun, size_t run_stride, size_t n, size_t stride, double *y,
	kv_err *err)
{
	size_t p = m->p;
	lgssm model = { 0 };
	lgssm_filter f;
	lgssm_trace tr = { 0 };
	struct lag_sums s = { p, acc, 0, y, 0, 0 };
	int rc = -1;

	memset(acc, 0, (p + 1) * sizeof *acc);
	*loglik = 0;
	if (mekf_lgssm_build(&model, m, err) != 0)
		return -1;
	if (lgssm_filter_init(&f, &model, 1, err) != 0) {
		lgssm_free(&model);
		return -1;
	}
	size_t j;
	for (j = 0; j < nrun; j++) {
		for (size_t t = 0; t < n; t++)
			y[t] = x[j * run_stride + t * stride] - m->mean;
		if (lgssm_filter_trace(&f, y, NULL, n, &tr, err) != 0 ||
		    lgssm_smooth(&model, &tr, add_lags, &s, 1, err) != 0)
			break;
		*loglik += tr.loglik;
	}
	*resid = s.nobs ? s.resid / (double)s.nobs : 0;
	if (j == nrun)
		rc = 0;
	else if (nrun > 1)
		kv_err_prefix(err, "run %zu", j + 1);
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
	lgssm_free(&model);
	return rc;
}

int
mekf_fit_em(mekf_model *m, double *rc, const double *x, size_t nrun,
	size_t run_stride, size_t n, size_t stride, double mean, size_t p,
	double noise_var, int fit_noise, size_t *iters, kv_err *err)
{
	double acc[MEKF_MAX_ORDER + 1], ll, resid;
	double *y;
	size_t it = 0;

	if (p < 1 || p > MEKF_MAX_ORDER)
		return kv_errf(err, "order %zu is outside 1..%d", p,
		    MEKF_MAX_ORDER);
	if (n == 0 || nrun == 0)
		return kv_errf(err, "no samples");
	if (!(y = malloc(n * sizeof *y)))
		return kv_errf(err, "out of memory");
	memset(m, 0, sizeof *m);
	m->p = p;
	m->mean = mean;
	m->noise_var = noise_var;
	if (!(rc[0] > 1e-12 * noise_var) || !isfinite(rc[0])) {
		free(y);	/* no signal above the noise: flat */
		if (iters)
			*iters = 0;
		return 0;
	}
	memcpy(m->r, rc, (p + 1) * sizeof *rc);
	if (mekf_levdur(m->a, m->k, &m->err_var, m->r, p, err) != 0) {
		free(y);
		return -1;
	}
	for (; it < MEKF_EM_MAX_ITER; it++) {
		double next[MEKF_MAX_ORDER + 1], a[MEKF_MAX_ORDER], ev;
		if (e_step(acc, &resid, &ll, m, x, nrun, run_stride, n, stride, y,
		    err) != 0) {
			free(y);
			return kv_err_prefix(err, "EM iteration %zu", it + 1);
		}
		double change = 0, N = (double)(nrun * n);
		for (size_t k = 0; k <= p; k++) {
			next[k] = acc[k] / N;
			change = fmax(change, fabs(next[k] - rc[k]));
		}
		/* a singular update (a signal of fewer than p sinusoids)
		 * ends EM at the last stationary model */
		if (!(next[0] > 1e-12 * noise_var) ||
		    mekf_levdur(a, NULL, &ev, next, p, err) != 0 || !(ev > 0))
			break;
		memcpy(rc, next, (p + 1) * sizeof *rc);
		if (fit_noise) {
			change = fmax(change, fabs(resid - noise_var));
			m->noise_var = noise_var = resid;
		}
		memcpy(m->r, rc, (p + 1) * sizeof *rc);
		mekf_levdur(m->a, m->k, &m->err_var, m->r, p, err);
		if (change <= MEKF_EM_TOL * rc[0]) {
			it++;
			break;
		}
	}
	free(y);
	if (iters)
		*iters = it;
	double r[MEKF_MAX_ORDER + 1];
	memcpy(r, rc, (p + 1) * sizeof *r);
	r[0] += noise_var;
	return mekf_fit_autocorr(m, r, mean, p, noise_var, err);
}

int
mekf_fit_gaps(mekf_model *m, const double *r, const size_t *npairs,
	size_t maxlag, size_t nobs, const double *x, size_t nrun,
	size_t run_stride, size_t n, size_t stride, double mean, size_t p,
	double noise_var, int fit_noise, kv_err *err)
{
	double rc[MEKF_MAX_ORDER + 1];
	size_t q = p < MEKF_EM_STAGE ? p : MEKF_EM_STAGE;

	mekf_em_start(rc, r, npairs, maxlag, nobs, noise_var, p);
	if (q < p) {
		if (mekf_fit_em(m, rc, x, nrun, run_stride, n, stride, mean, q,
		    noise_var, fit_noise, NULL, err) != 0)
			return -1;
		if (!(m->err_var > 0))
			return 0;	/* flat already */
		noise_var = m->noise_var;
		for (size_t k = q + 1; k <= p; k++) {
			rc[k] = 0;
			for (size_t i = 1; i <= q; i++)
				rc[k] -= m->a[i - 1] * rc[k - i];
		}
	}
	return mekf_fit_em(m, rc, x, nrun, run_stride, n, stride, mean, p,
	    noise_var, fit_noise, NULL, err);
}
