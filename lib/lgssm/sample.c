/* sample.c: draws from the model, see lgssm.h (lgssm_sample). */
#include "lgssm/lgssm.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"

/* z = mu + F eps, eps ~ N(0, I); F F^T = S (lgssm_psd_factor: lower
 * triangular where S is positive definite, as the draws have always
 * been made). */
static void
draw(double *z, const double *mu, const double *F, size_t n, gsl_rng *rng,
	double *eps)
{
	for (size_t i = 0; i < n; i++)
		eps[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < n; i++) {
		double s = mu[i];
		for (size_t j = 0; j < n; j++)
			s += F[i * n + j] * eps[j];
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

	if (lgssm_is_diffuse(m)) {
		free(b);
		return kv_errf(err, "a diffuse initial state cannot be drawn "
		    "from: give a P0");
	}
	if (b == NULL)
		return kv_errf(err, "out of memory");
	Qf = b;			P0f = Qf + n * n;	Rf = P0f + n * n;
	z_prev = Rf + p * p;	z_t = z_prev + n;	mean = z_t + n;
	eps = mean + n + p;
	if (lgssm_psd_factor(m->Q, n, Qf) || lgssm_psd_factor(m->P0, n, P0f) ||
	    lgssm_psd_factor(m->R, p, Rf)) {
		free(b);
		return kv_errf(err, "out of memory");
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
