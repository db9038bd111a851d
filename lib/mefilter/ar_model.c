/* ar_model.c: Levinson-Durbin, the companion-form ME model, its Riccati
 * solution and steady-state filter. See ar_model.h for the conventions. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mefilter/ar_model.h"

void
mekf_autocorr_runs(double *r, size_t *npairs, const double *x, size_t nrun,
	size_t run_stride, size_t n, size_t stride, double mean,
	size_t maxlag)
{
	size_t count = 0;

	for (size_t j = 0; j < nrun; j++)
		for (size_t t = 0; t < n; t++)
			count += !isnan(x[j * run_stride + t * stride]);
	int missing = count < nrun * n;
	for (size_t k = 0; k <= maxlag; k++) {
		double s = 0;
		size_t pairs = 0;
		for (size_t j = 0; j < nrun; j++) {
			const double *row = x + j * run_stride;
			for (size_t t = 0; t + k < n; t++) {
				double u = row[t * stride], v = row[(t + k) * stride];
				if (!isnan(u) && !isnan(v)) {
					s += (u - mean) * (v - mean);
					pairs++;
				}
			}
		}
		/* complete: the biased estimate, as ever; with gaps, each
		 * lag over its own pairs */
		if (!missing)
			r[k] = count ? s / (double)count : 0;
		else
			r[k] = pairs ? s / (double)pairs : 0;
		if (npairs)
			npairs[k] = pairs;
	}
}

void
mekf_autocorr(double *r, const double *x, size_t n, size_t stride,
	double mean, size_t maxlag)
{
	mekf_autocorr_runs(r, NULL, x, 1, 0, n, stride, mean, maxlag);
}

int
mekf_levdur(double *a, double *k, double *err_var, const double *r,
	size_t p, kv_err *err)
{
	double prev[MEKF_MAX_ORDER], e = r[0];

	if (p > MEKF_MAX_ORDER)
		return kv_errf(err, "order %zu exceeds the maximum %d", p,
		    MEKF_MAX_ORDER);
	if (!(e > 0) || !isfinite(e))
		return kv_errf(err, "autocorrelation r(0) = %g is not positive",
		    e);
	for (size_t m = 1; m <= p; m++) {
		/* k_m = -(r_m + sum_{i<m} a_i r_{m-i}) / e_{m-1} */
		double acc = r[m];
		for (size_t i = 1; i < m; i++)
			acc += a[i - 1] * r[m - i];
		double km = -acc / e;
		if (!(fabs(km) < 1))
			return kv_errf(err, "autocorrelation is not positive "
			    "definite: reflection coefficient k(%zu) = %g has "
			    "magnitude >= 1", m, km);
		memcpy(prev, a, (m - 1) * sizeof *a);
		for (size_t i = 1; i < m; i++)
			a[i - 1] = prev[i - 1] + km * prev[m - i - 1];
		a[m - 1] = km;
		if (k)
			k[m - 1] = km;
		e *= 1 - km * km;
	}
	*err_var = e;
	return 0;
}

int
mekf_levdur_inverse(double *r, const double *a, double err_var, size_t p,
	kv_err *err)
{
	double cur[MEKF_MAX_ORDER], prev[MEKF_MAX_ORDER], k[MEKF_MAX_ORDER];
	double poly[MEKF_MAX_ORDER];	/* order-m coefficients during step-up */

	if (p > MEKF_MAX_ORDER)
		return kv_errf(err, "order %zu exceeds the maximum %d", p,
		    MEKF_MAX_ORDER);
	if (!(err_var > 0))
		return kv_errf(err, "error variance %g is not positive",
		    err_var);
	/* Step down: a^(m-1)_i = (a^(m)_i - k_m a^(m)_{m-i}) / (1 - k_m^2). */
	memcpy(cur, a, p * sizeof *a);
	for (size_t m = p; m >= 1; m--) {
		double km = cur[m - 1];
		if (!(fabs(km) < 1))
			return kv_errf(err, "AR polynomial is not minimum phase: "
			    "reflection coefficient k(%zu) = %g", m, km);
		k[m - 1] = km;
		memcpy(prev, cur, m * sizeof *cur);
		for (size_t i = 1; i < m; i++)
			cur[i - 1] = (prev[i - 1] - km * prev[m - i - 1]) /
			    (1 - km * km);
	}
	/* e_0 = r(0) from e_p = r(0) prod (1 - k_m^2). */
	double e = err_var;
	for (size_t m = 0; m < p; m++)
		e /= 1 - k[m] * k[m];
	r[0] = e;
	/* Step up: r(m) = -k_m e_{m-1} - sum_{i<m} a^(m-1)_i r(m-i). */
	for (size_t m = 1; m <= p; m++) {
		double km = k[m - 1], acc = 0;
		for (size_t i = 1; i < m; i++)
			acc += poly[i - 1] * r[m - i];
		r[m] = -km * e - acc;
		memcpy(prev, poly, (m - 1) * sizeof *poly);
		for (size_t i = 1; i < m; i++)
			poly[i - 1] = prev[i - 1] + km * prev[m - i - 1];
		poly[m - 1] = km;
		e *= 1 - km * km;
	}
	return 0;
}

void
mekf_companion(double *A, const double *a, size_t p)
{
	memset(A, 0, p * p * sizeof *A);
	for (size_t i = 0; i + 1 < p; i++)
		A[i * p + i + 1] = 1;
	for (size_t j = 0; j < p; j++)
		A[(p - 1) * p + j] = -a[p - 1 - j];
}

int
mekf_fit_autocorr(mekf_model *m, const double *r, double mean, size_t p,
	double noise_var, kv_err *err)
{
	if (p < 1 || p > MEKF_MAX_ORDER)
		return kv_errf(err, "order %zu is outside 1..%d", p,
		    MEKF_MAX_ORDER);
	if (!(noise_var >= 0) || !isfinite(noise_var))
		return kv_errf(err, "noise variance %g is not a finite "
		    "non-negative number", noise_var);
	memset(m, 0, sizeof *m);
	m->p = p;
	m->mean = mean;
	m->noise_var = noise_var;
	memcpy(m->r, r, (p + 1) * sizeof *r);
	if (!(r[0] > noise_var))
		return kv_errf(err, "noise variance %g is not below the signal "
		    "variance %g: nothing left to model", noise_var, r[0]);
	m->r[0] = r[0] - noise_var;
	if (mekf_levdur(m->a, m->k, &m->err_var, m->r, p, err) != 0)
		return -1;
	return mekf_riccati(m, NULL, err);
}

int
mekf_fit(mekf_model *m, const double *x, size_t n, size_t stride, size_t p,
	double noise_var, kv_err *err)
{
	double r[MEKF_MAX_ORDER + 1], sum = 0;
	size_t count = 0;

	if (p < 1 || p > MEKF_MAX_ORDER)
		return kv_errf(err, "order %zu is outside 1..%d", p,
		    MEKF_MAX_ORDER);
	for (size_t t = 0; t < n; t++)
		if (!isnan(x[t * stride])) {
			sum += x[t * stride];
			count++;
		}
	if (count <= p)
		return kv_errf(err, "%zu samples are too few for order %zu",
		    count, p);
	double mean = sum / (double)count;
	mekf_autocorr(r, x, n, stride, mean, p);
	return mekf_fit_autocorr(m, r, mean, p, noise_var, err);
}

/* out = A M (p x p) for the companion A of a, using its structure:
 * rows shift up, the last row is -sum_j a_{p-j} M[j]. */
static void
companion_left(double *out, const double *M, const double *a, size_t p)
{
	for (size_t i = 0; i + 1 < p; i++)
		memcpy(out + i * p, M + (i + 1) * p, p * sizeof *M);
	for (size_t c = 0; c < p; c++) {
		double s = 0;
		for (size_t j = 0; j < p; j++)
			s -= a[p - 1 - j] * M[j * p + c];
		out[(p - 1) * p + c] = s;
	}
}

int
mekf_riccati(mekf_model *m, double *P_out, kv_err *err)
{
	size_t p = m->p, pp = p * p;
	double *P = malloc(3 * pp * sizeof *P);
	if (!P)
		return kv_errf(err, "out of memory");
	double *T = P + pp, *U = T + pp;
	int done = 0;

	/* Start from the stationary state covariance Toeplitz(r): the
	 * filter's prior before any observation. */
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < p; j++)
			P[i * p + j] = m->r[i > j ? i - j : j - i];
	for (int it = 0; it < 100000 && !done; it++) {
		/* Measurement update with c = e_p: P_filt = P - g g' S,
		 * g = P c / S, S = c' P c + R. */
		double S = P[pp - 1] + m->noise_var;
		for (size_t i = 0; i < p; i++)
			m->gain[i] = P[i * p + p - 1] / S;
		m->P_pred_ss = P[pp - 1];
		for (size_t i = 0; i < p; i++)
			for (size_t j = 0; j < p; j++)
				T[i * p + j] = P[i * p + j] -
				    m->gain[i] * m->gain[j] * S;
		m->P_filt_ss = T[pp - 1];
		/* Time update: P' = A P_filt A' + Q e_p e_p'. */
		companion_left(U, T, m->a, p);
		for (size_t i = 0; i < p; i++)	/* transpose */
			for (size_t j = 0; j < p; j++)
				T[j * p + i] = U[i * p + j];
		companion_left(U, T, m->a, p);
		U[pp - 1] += m->err_var;
		double diff = 0, scale = 0;
		for (size_t i = 0; i < pp; i++) {
			double sym = 0.5 * (U[i] + U[(i % p) * p + i / p]);
			diff = fmax(diff, fabs(sym - P[i]));
			scale = fmax(scale, fabs(sym));
			T[i] = sym;
		}
		memcpy(P, T, pp * sizeof *P);
		done = diff <= 1e-13 * scale;
	}
	if (done && P_out)
		memcpy(P_out, P, pp * sizeof *P);
	free(P);
	if (!done)
		return kv_errf(err, "the Riccati equation did not converge in "
		    "100000 steps");
	return 0;
}

void
mekf_filter(const mekf_model *m, double *x, size_t n, size_t stride,
	double *state)
{
	size_t p = m->p;
	double local[MEKF_MAX_ORDER] = { 0 };
	double *s = state ? state : local;	/* mean removed */

	assert(p >= 1 && p <= MEKF_MAX_ORDER);	/* a fitted model */
	for (size_t t = 0; t < n; t++) {
		/* Predict: shift, and s_k = -sum_i a_i s_{k-i}. */
		double pred = 0;
		for (size_t i = 1; i <= p; i++)
			pred -= m->a[i - 1] * s[p - i];
		memmove(s, s + 1, (p - 1) * sizeof *s);
		s[p - 1] = pred;
		double y = x[t * stride];
		if (!isnan(y)) {
			double innov = y - m->mean - pred;
			for (size_t i = 0; i < p; i++)
				s[i] += m->gain[i] * innov;
		}
		x[t * stride] = s[p - 1] + m->mean;
	}
}

void
mekf_filter_ref(const mekf_model *m, double *x, size_t n, size_t stride,
	double *state)
{
	size_t p = m->p;
	double A[MEKF_MAX_ORDER * MEKF_MAX_ORDER];
	double local[MEKF_MAX_ORDER] = { 0 }, pred[MEKF_MAX_ORDER];
	double *s = state ? state : local;

	assert(p >= 1 && p <= MEKF_MAX_ORDER);	/* a fitted model */
	mekf_companion(A, m->a, p);
	for (size_t t = 0; t < n; t++) {
		for (size_t i = 0; i < p; i++) {	/* x_pred = A x_filt */
			pred[i] = 0;
			for (size_t j = 0; j < p; j++)
				pred[i] += A[i * p + j] * s[j];
		}
		double y = x[t * stride];
		double innov = isnan(y) ? 0 : y - m->mean - pred[p - 1];
		for (size_t i = 0; i < p; i++)	/* x_filt = x_pred + K e */
			s[i] = pred[i] + m->gain[i] * innov;
		x[t * stride] = s[p - 1] + m->mean;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double u = *(const double *)a, v = *(const double *)b;
	return (u > v) - (u < v);
}

/* The absolute differences x_{t+lag} - x_t of the runs into d; their
 * number. */
static size_t
abs_diffs(double *d, const double *x, size_t nrun, size_t run_stride,
	size_t n, size_t stride, size_t lag)
{
	size_t count = 0;

	for (size_t j = 0; j < nrun; j++) {
		const double *row = x + j * run_stride;
		for (size_t t = 0; t + lag < n; t++) {
			double v = row[(t + lag) * stride] - row[t * stride];
			if (!isnan(v))
				d[count++] = fabs(v);
		}
	}
	return count;
}

double
mekf_noise_var_mad_runs(const double *x, size_t nrun, size_t run_stride,
	size_t n, size_t stride)
{
	size_t cap = nrun * (n > 0 ? n - 1 : 0), count = 0, nobs = 0;
	double *d = cap ? malloc(cap * sizeof *d) : NULL;

	if (!d)
		return 0;
	for (size_t j = 0; j < nrun; j++)
		for (size_t t = 0; t < n; t++)
			nobs += !isnan(x[j * run_stride + t * stride]);
	/* the smallest lag with differences from a tenth of the samples:
	 * lag 1 unless samples are missing regularly */
	for (size_t lag = 1; lag < n && lag <= MEKF_MAD_MAX_LAG; lag++) {
		count = abs_diffs(d, x, nrun, run_stride, n, stride, lag);
		if (count > 0 && count >= nobs / 10)
			break;
	}
	double var = 0;
	if (count > 0) {
		qsort(d, count, sizeof *d, cmp_double);
		double med = count % 2 ? d[count / 2] :
		    0.5 * (d[count / 2 - 1] + d[count / 2]);
		double sigma = 1.482602218505602 * med / sqrt(2.0);
		var = sigma * sigma;
	}
	free(d);
	return var;
}

double
mekf_noise_var_mad(const double *x, size_t n, size_t stride)
{
	return mekf_noise_var_mad_runs(x, 1, 0, n, stride);
}
