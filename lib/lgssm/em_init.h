/* em_init.h: a starting point for EM (em.h) from the data alone, by
 * principal components. */
#ifndef KVAE_LGSSM_EM_INIT_H
#define KVAE_LGSSM_EM_INIT_H

#include <stddef.h>

#include "core/err.h"
#include "lgssm/lgssm.h"

/* A first guess of an LGSSM of state dimension n for the records x (N,
 * p; NaN = missing; the sequences' boundaries do not matter here):
 * C from the leading principal components of the observed values (the
 * covariance pairs each entry's observed values, divided by the smaller
 * count of the two columns); R = r I with r the variance the n
 * components leave over, spread evenly over the p columns (at least 5%
 * of the mean column variance); A = 0.9 I; Q = 0.19 times the component variances, so that the
 * states are stationary with those variances; mu0 = 0; P0 the component
 * variances. Columns of C beyond p get small random loadings drawn from
 * gsl mt19937 seeded with `seed`. m is allocated here (free with
 * lgssm_free). 0, or -1 with m zeroed (out of memory, a failed
 * eigen-decomposition, or a guess that does not validate). */
int lgssm_em_init_pca(lgssm *m, const double *x, size_t N, size_t p,
	size_t n, unsigned long seed, kv_err *err);

#endif
