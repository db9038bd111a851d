/* smoother_core.h: Algorithm 2's step for one record, line by line. */
#ifndef KVAE_LGSSM_SMOOTHER_CORE_H
#define KVAE_LGSSM_SMOOTHER_CORE_H

#include <string.h>

#include "lgssm/gain_lanes.h"
#include "lgssm/internal.h"

/* The step of Algorithm 2 (Kalman smoothing, KVAE paper, seed 001) on
 * the backward pass's buffers. Always inlined, so that smoother.c runs
 * it at any size and smoother_small.c with the size constant; internal
 * to lib/lgssm. Names as the paper's: mu_f, P_f = mu_{t|t}, Sigma_{t|t};
 * mu_s, P_s = mu_{t|T}, Sigma_{t|T}; L the smoother gain. */

/* The backward pass's buffers. Products are arranged as A B with the
 * transposes kept (see struct lgssm_work). */
struct lgssm_smoother {
	double *mu_s, *mu_s1;		/* (n) smoothed mean at t, t+1 */
	double *P_s, *P_s1;		/* (n, n) smoothed covariance at t, t+1 */
	struct gain g;			/* the gain in use */
	double *At;			/* (n, n) A^T */
	double *D, *T1, *P_cross;	/* (n, n) */
	double *mu_pred, *d;		/* (n) */
	double *block;
};

/* One step of Algorithm 2: moments at t from those at t+1, with record
 * t's gain s->g (L_t = Sigma_{t|t} A^T Sigma_{t+1|t}^{-1}, and the
 * P_f, P_pred it came from: gain_lanes.h). mu_f: mu_filt_t. Leaves the
 * moments at t in mu_s1, P_s1 (and P_cross when cross). Sizes and kernels
 * as in lgssm_update_core. */
static inline __attribute__((always_inline)) void
lgssm_smoother_core(const lgssm *m, struct lgssm_smoother *s,
	const double *mu_f, int cross, size_t n, int inl)
{
	double *tmp;

	/* mu_{t|T} = mu_{t|t} + L_t (mu_{t+1|T} - mu_{t+1|t}), with
	 * mu_{t+1|t} = A mu_{t|t} recomputed */
	lgssm_mv(inl, s->mu_pred, m->A, mu_f, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->d[i] = s->mu_s1[i] - s->mu_pred[i];
	lgssm_mv(inl, s->mu_s, s->g.L, s->d, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->mu_s[i] += mu_f[i];
	/* Sigma_{t|T} = Sigma_{t|t} + L_t (Sigma_{t+1|T} - Sigma_{t+1|t})
	 * L_t^T: P_s = P_f + L (P_s1 - P_pred) L^T */
	for (size_t i = 0; i < n * n; i++)
		s->D[i] = s->P_s1[i] - s->g.P_pred[i];
	lgssm_mul(inl, s->T1, s->g.L, s->D, n, n, n, 1, 0);
	memcpy(s->P_s, s->g.P_f, n * n * sizeof *s->P_s);
	lgssm_mul(inl, s->P_s, s->T1, s->g.Lt, n, n, n, 1, 1);
	lgssm_symmetrise(inl, s->P_s, n);
	/* and, beyond the paper's listing, the lag-one cross-covariance
	 * Cov(z_{t+1}, z_t | x) = P_s1 L^T */
	if (cross)
		lgssm_mul(inl, s->P_cross, s->P_s1, s->g.Lt, n, n, n, 1, 0);
	tmp = s->mu_s; s->mu_s = s->mu_s1; s->mu_s1 = tmp;
	tmp = s->P_s; s->P_s = s->P_s1; s->P_s1 = tmp;
}

#endif
