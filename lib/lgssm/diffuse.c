/* diffuse.c: the exact initial Kalman filter of the diffuse period
 * (Koopman and Durbin 2000; Durbin and Koopman 2012, 5.2 and 6.4), one
 * observed component at a time; see lgssm.h. */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"

/* A component's diffuse forecast variance F_inf = z Pinf z^T counts as
 * positive above this much of z z^T (Pinf starts as a selection, so
 * what is left after the component has been taken in is rounding). */
#define DIFFUSE_TOL 1e-10
/* Pinf has reached zero when no entry is above this. */
#define DIFFUSE_END 1e-9

struct lgssm_delems *
lgssm_delems_alloc(size_t n, size_t p)
{
	struct lgssm_delems *d = calloc(1, sizeof *d);

	if (d == NULL)
		return NULL;
	d->n = n;
	d->p = p;
	d->block = malloc((3 * p * n + 5 * p + 2 * p * p + n) *
	    sizeof *d->block);
	d->eig = gsl_eigen_symmv_alloc(p);
	if (d->block == NULL || d->eig == NULL) {
		lgssm_delems_free(d);
		return NULL;
	}
	d->z = d->block;
	d->Mstar = d->z + p * n;
	d->Minf = d->Mstar + p * n;
	d->v = d->Minf + p * n;
	d->Fstar = d->v + p;
	d->Finf = d->Fstar + p;
	d->y = d->Finf + p;
	d->rdiag = d->y + p;
	d->U = d->rdiag + p;
	d->tmp = d->U + p * p;
	return d;
}

void
lgssm_delems_free(struct lgssm_delems *d)
{
	if (d == NULL)
		return;
	if (d->eig != NULL)
		gsl_eigen_symmv_free(d->eig);
	free(d->block);
	free(d);
}

/* The k observed components gathered in w as independent ones: rows z
 * (k, n), values y and variances rdiag. Where R_oo is not diagonal,
 * turned so by its eigenvectors U: z = U^T C_o, y = U^T x_o, rdiag the
 * eigenvalues (a rotation: the likelihood is unchanged). */
static int
decorrelate(const double *x, size_t k, struct lgssm_delems *d,
	lgssm_work *w)
{
	size_t n = d->n;
	int diagonal = 1;

	for (size_t r = 0; r < k; r++)
		for (size_t s = 0; s < k; s++)
			if (r != s && w->Rp[r * k + s] != 0)
				diagonal = 0;
	for (size_t r = 0; r < k; r++)
		d->y[r] = x[w->obs[r]];
	if (diagonal) {
		memcpy(d->z, w->Cp, k * n * sizeof *d->z);
		for (size_t r = 0; r < k; r++)
			d->rdiag[r] = w->Rp[r * k + r];
		return 0;
	}
	gsl_matrix_view R = gsl_matrix_view_array(d->tmp, k, k);
	gsl_matrix_view U = gsl_matrix_view_array(d->U, k, k);
	gsl_vector_view lam = gsl_vector_view_array(d->rdiag, k);
	gsl_eigen_symmv_workspace *eig = d->eig;

	if (k < d->p && (eig = gsl_eigen_symmv_alloc(k)) == NULL)
		return -1;
	memcpy(d->tmp, w->Rp, k * k * sizeof *d->tmp);
	gsl_eigen_symmv(&R.matrix, &lam.vector, &U.matrix, eig);
	if (eig != d->eig)
		gsl_eigen_symmv_free(eig);
	for (size_t r = 0; r < k; r++)
		d->rdiag[r] = fmax(d->rdiag[r], 0);
	/* z = U^T C_o, y = U^T x_o */
	dmat_mul(d->z, d->U, w->Cp, k, k, n, 1, 0, 1, 0);
	memcpy(d->tmp, d->y, k * sizeof *d->tmp);
	dmat_mv(d->y, d->U, d->tmp, k, k, 1);
	return 0;
}

/* Take in component r: Koopman and Durbin's univariate step, with
 * M = P z^T, F = z P z^T (+ its noise variance):
 * F_inf > 0: K0 = M_inf / F_inf, K1 = M_* / F_inf - M_inf F_* / F_inf^2,
 *   mu += K0 v, P_* += -(M_* M_inf^T + M_inf M_*^T) / F_inf
 *   + M_inf M_inf^T F_* / F_inf^2, Pinf -= M_inf M_inf^T / F_inf;
 * else the ordinary step with F_* (none where F_* is zero: the
 * component is predicted exactly). Returns its log-likelihood term. */
static double
take_component(size_t r, double *mu, double *Pstar, double *Pinf,
	struct lgssm_delems *d)
{
	size_t n = d->n;
	const double *z = d->z + r * n;
	double *Ms = d->Mstar + r * n, *Mi = d->Minf + r * n;
	double zz = 0, fs = d->rdiag[r], fi = 0, v = d->y[r], scale = 0;

	for (size_t i = 0; i < n; i++) {
		double ms = 0, mi = 0;
		for (size_t j = 0; j < n; j++) {
			ms += Pstar[i * n + j] * z[j];
			mi += Pinf[i * n + j] * z[j];
		}
		Ms[i] = ms;
		Mi[i] = mi;
		zz += z[i] * z[i];
		v -= z[i] * mu[i];
		scale = fmax(scale, Pstar[i * n + i]);
	}
	for (size_t i = 0; i < n; i++) {
		fs += z[i] * Ms[i];
		fi += z[i] * Mi[i];
	}
	d->v[r] = v;
	d->Fstar[r] = fs = fmax(fs, 0);
	d->Finf[r] = fi = fi > DIFFUSE_TOL * zz ? fi : 0;
	if (fi > 0) {
		for (size_t i = 0; i < n; i++) {
			mu[i] += Mi[i] * v / fi;
			for (size_t j = 0; j < n; j++) {
				Pstar[i * n + j] += -(Ms[i] * Mi[j] + Mi[i] *
				    Ms[j]) / fi + Mi[i] * Mi[j] * fs / (fi * fi);
				Pinf[i * n + j] -= Mi[i] * Mi[j] / fi;
			}
		}
		return -0.5 * (LOG_2PI + log(fi));
	}
	if (!(fs > 1e-12 * (zz * scale + d->rdiag[r]))) {
		d->Fstar[r] = 0;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		mu[i] += Ms[i] * v / fs;
		for (size_t j = 0; j < n; j++)
			Pstar[i * n + j] -= Ms[i] * Ms[j] / fs;
	}
	return -0.5 * (LOG_2PI + log(fs) + v * v / fs);
}

/* Pinf (n, n) set to exactly zero where no entry is above
 * DIFFUSE_END (what a taken-in component leaves is rounding). 1 while
 * it is not zero. */
static int
settle(double *Pinf, size_t n)
{
	for (size_t i = 0; i < n * n; i++)
		if (fabs(Pinf[i]) > DIFFUSE_END)
			return 1;
	memset(Pinf, 0, n * n * sizeof *Pinf);
	return 0;
}

int
lgssm_diffuse_update(const lgssm *m, const double *x, const double *rvar,
	double *mu, double *Pstar, double *Pinf, double *loglik, size_t *nobs,
	struct lgssm_delems *d, lgssm_work *w, kv_err *err)
{
	size_t k = lgssm_gather(m, x, rvar, w);
	double ll = 0;

	w->k = k;
	d->k = k;
	if (k == 0)
		return 0;
	if (decorrelate(x, k, d, w) != 0)
		return kv_errf(err, "out of memory");
	for (size_t r = 0; r < k; r++)
		ll += take_component(r, mu, Pstar, Pinf, d);
	dmat_symmetrise(Pstar, m->n);
	dmat_symmetrise(Pinf, m->n);
	settle(Pinf, m->n);
	if (loglik != NULL)
		*loglik += ll;
	if (nobs != NULL)
		*nobs += k;
	return 0;
}

int
lgssm_diffuse_predict(const lgssm *m, const double *Pinf_filt,
	double *Pinf_pred, lgssm_work *w)
{
	size_t n = m->n;

	dmat_mul(w->tmp, m->A, Pinf_filt, n, n, n, 0, 0, 1, 0);
	dmat_mul(Pinf_pred, w->tmp, w->At, n, n, n, 0, 0, 1, 0);
	dmat_symmetrise(Pinf_pred, n);
	return settle(Pinf_pred, n);
}
