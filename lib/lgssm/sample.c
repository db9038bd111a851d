/* sample.c: draws from the model, see lgssm.h (lgssm_sample). */
#include "lgssm/lgssm.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "linalg/dmat.h"

/* z = mu + chol(S) eps, eps ~ N(0, I); Sf is S's Cholesky factor. */
static void
draw(double *z, const double *mu, const double *Sf, size_t n, gsl_rng *rng,
	double *eps)
{
	for (size_t i = 0; i < n; i++)
		eps[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < n; i++) {
		double s = mu[i];
		for (size_t j = 0; j <= i; j++)
			s += Sf[i * n + j] * eps[j];
		z[i] = s;
	}
}

int
lgssm_sample(const lgssm *m, gsl_rng *rng, size_t T, double *z, double *x,
	kv_err *err)
{
	size_t n = m->n, p = m->p;
	double *b = malloc((2 * n * n + p * p + 4 * n + 2 * p) * sizeof *b);
	double *Qf, *Rf, *P0f, *z_prev, *z_t, *mean, *eps;
	int rc = 0;

	if (b == NULL)
		return kv_errf(err, "out of memory");
	Qf = b;			P0f = Qf + n * n;	Rf = P0f + n * n;
	z_prev = Rf + p * p;	z_t = z_prev + n;	mean = z_t + n;
	eps = mean + n + p;
	memcpy(Qf, m->Q, n * n * sizeof *b);
	memcpy(P0f, m->P0, n * n * sizeof *b);
	memcpy(Rf, m->R, p * p * sizeof *b);
	if (dmat_chol(Qf, n) || dmat_chol(P0f, n) || dmat_chol(Rf, p)) {
		free(b);
		return kv_errf(err, "Q, R or P0 is not positive definite");
	}
	for (size_t t = 0; t < T && rc == 0; t++) {
		if (t == 0)
			draw(z_t, m->mu0, P0f, n, rng, eps);
		else {
			dmat_mv(mean, m->A, z_prev, n, n, 0);
			draw(z_t, mean, Qf, n, rng, eps);
		}
		dmat_mv(mean, m->C, z_t, p, n, 0);
		draw(x + t * p, mean, Rf, p, rng, eps);
		if (z != NULL)
			memcpy(z + t * n, z_t, n * sizeof *z);
		memcpy(z_prev, z_t, n * sizeof *z);
	}
	free(b);
	return rc;
}
