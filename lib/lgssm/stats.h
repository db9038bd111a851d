/* stats.h: expected sufficient statistics of an LGSSM given data
 * (the E-step of EM), and the gradient of the exact log-likelihood built
 * from the same statistics by Fisher's identity:
 *
 *   d/dtheta log p(x_o) = E_{p(z, x_m | x_o)} [ d/dtheta log p(x, z) ]
 *
 * where x_o are the observed and x_m the missing components. Missing
 * components are treated as latent alongside z: given z_t and x_o,
 * x_m = C_m z_t + R_mo R_oo^{-1} (x_o - C_o z_t) + noise of covariance
 * R_mm - R_mo R_oo^{-1} R_om, so every expectation below is exact. No
 * backpropagation through the recursions is needed. */
#ifndef KVAE_LGSSM_STATS_H
#define KVAE_LGSSM_STATS_H

#include <stddef.h>

#include "core/err.h"
#include "lgssm/lgssm.h"

typedef struct lgssm_stats {
	size_t n, p;
	double *S11;	/* (n, n) sum_{t>=2} E[z_t z_t^T] */
	double *S00;	/* (n, n) sum_{t>=2} E[z_{t-1} z_{t-1}^T] */
	double *S10;	/* (n, n) sum_{t>=2} E[z_t z_{t-1}^T] */
	double *Szz;	/* (n, n) sum_t E[z_t z_t^T] */
	double *Sxz;	/* (p, n) sum_t E[x_t z_t^T] */
	double *Sxx;	/* (p, p) sum_t E[x_t x_t^T] */
	double *m1;	/* (n) sum over sequences of E[z_1] */
	double *E1;	/* (n, n) sum over sequences of E[z_1 z_1^T] */
	size_t nseq, ntrans, nrec;	/* sequences, transitions, records */
	double loglik;	/* sum of log p(x_o) over the sequences */
	double *block;
} lgssm_stats;

/* Allocate zeroed statistics for state n, observation p. 0 or -1. */
int lgssm_stats_init(lgssm_stats *s, size_t n, size_t p, kv_err *err);

/* Zero the sums. */
void lgssm_stats_clear(lgssm_stats *s);

void lgssm_stats_free(lgssm_stats *s);

/* Filter and smooth one sequence x (T, p) (NaN = missing) under m and
 * add its statistics and log-likelihood to s. gx (T, p) or NULL: gets
 * d log p(x_o) / d x_t added for observed components (0 for missing).
 * 0, or -1 with a message naming the record. */
int lgssm_stats_add(lgssm_stats *s, const lgssm *m, const double *x,
	size_t T, double *gx, kv_err *err);

/* Gradient of the summed log-likelihood with respect to A, C, Q, R,
 * mu0, P0, added into g (a model of m's shape, from lgssm_alloc). The
 * covariance gradients treat each entry as a free variable at a
 * symmetric matrix (the results are symmetric): a change dQ moves
 * log p by sum_ij G_ij dQ_ij. 0 or -1 (a matrix not positive definite). */
int lgssm_stats_grad(const lgssm_stats *s, const lgssm *m, lgssm *g,
	kv_err *err);

/* Residual sums at given A or C, used by the gradient and the M-step:
 * E (n, n) = sum_{t>=2} E[(z_t - A z_{t-1})(z_t - A z_{t-1})^T];
 * E (p, p) = sum_t E[(x_t - C z_t)(x_t - C z_t)^T]. tmp: (n, n) or
 * (p, n) scratch. */
void lgssm_stats_resid_state(const lgssm_stats *s, const double *A,
	double *E, double *tmp);
void lgssm_stats_resid_obs(const lgssm_stats *s, const double *C,
	double *E, double *tmp);

#endif
