/* filter_core.h: Algorithm 1's two steps for one record, line by line. */
#ifndef KVAE_LGSSM_FILTER_CORE_H
#define KVAE_LGSSM_FILTER_CORE_H

#include <string.h>

#include "lgssm/internal.h"

/* The measurement update and the time update of Algorithm 1 (Kalman
 * filtering, KVAE paper, seed 001). Always inlined, so that filter.c
 * runs them at any size and filter_small.c with the sizes constant;
 * internal to lib/lgssm. Names as the paper's: mu_pred, P_pred =
 * mu_{t|t-1}, Sigma_{t|t-1}; mu_filt, P_filt = mu_{t|t}, Sigma_{t|t}.
 * Only the observed components of x_t (the rows C_o of C, the block R_oo
 * of R, gathered in w) take part. */

/* Measurement update for k >= 1 components observed, gathered in w:
 * mu_filt, P_filt, w's e, S (factored), K, K^T and logdet_S, and *quad
 * = e^T S^{-1} e. 0, or the pivot at which S is not positive definite.
 * inl: the kernels' loops inlined (see lgssm_mul). */
static inline __attribute__((always_inline)) size_t
lgssm_update_core(const double *x, const double *mu_pred,
	const double *P_pred, double *mu_filt, double *P_filt, double *quad,
	lgssm_work *w, size_t n, size_t k, int inl)
{
	size_t bad;

	/* the innovation e = x_t - C mu_{t|t-1}, here x_o - C_o mu_pred */
	lgssm_mv(inl, w->e, w->Cp, mu_pred, k, n, 0);
	for (size_t r = 0; r < k; r++)
		w->e[r] = x[w->obs[r]] - w->e[r];
	/* K_t = Sigma_{t|t-1} C^T (C Sigma_{t|t-1} C^T + R)^{-1}, in two
	 * parts. First the bracket S = C_o P_pred C_o^T + R_oo, factored
	 * S = L_S L_S^T */
	lgssm_mul(inl, w->CP, w->Cp, P_pred, k, n, n, 1, 0);
	memcpy(w->S, w->Rp, k * k * sizeof *w->S);
	lgssm_mul(inl, w->S, w->CP, w->CpT, k, n, k, 1, 1);
	lgssm_symmetrise(inl, w->S, k);
	if ((bad = inl ? dmat_body_chol(w->S, k) : dmat_chol(w->S, k)) != 0)
		return bad;
	/* then K^T = S^{-1} C_o P_pred, by Cholesky solve, and K */
	memcpy(w->Kt, w->CP, k * n * sizeof *w->Kt);
	if (inl)
		dmat_body_chol_solve(w->S, k, w->Kt, n);
	else
		dmat_chol_solve(w->S, k, w->Kt, n);
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < k; r++)
			w->K[i * k + r] = w->Kt[r * n + i];
	/* the log-likelihood term log N(e; 0, S) (prediction-error
	 * decomposition): quad and logdet_S */
	memcpy(w->v, w->e, k * sizeof *w->v);
	if (inl)
		dmat_body_trsv_lower(w->S, k, w->v);
	else
		dmat_trsv_lower(w->S, k, w->v);
	*quad = 0;
	for (size_t r = 0; r < k; r++)
		*quad += w->v[r] * w->v[r];
	w->logdet_S = dmat_chol_logdet(w->S, k);
	/* Sigma_{t|t} = (I - K_t C) Sigma_{t|t-1} (I - K_t C)^T
	 * + K_t R K_t^T (Joseph form), computed as
	 * P_filt = M + (K R_oo - M C_o^T) K^T with M = P_pred - K C_o P_pred.
	 * (The bracket equals K S - P_pred C_o^T for any K, one product
	 * cheaper, but that difference of two large terms loses the digits
	 * a diffuse prior needs: kept as it is.) */
	if (P_filt != P_pred)	/* M, in P_filt */
		memcpy(P_filt, P_pred, n * n * sizeof *P_filt);
	lgssm_mul(inl, P_filt, w->K, w->CP, n, k, n, -1, 1);
	lgssm_mul(inl, w->D, w->K, w->Rp, n, k, k, 1, 0);
	lgssm_mul(inl, w->D, P_filt, w->CpT, n, n, k, -1, 1);
	lgssm_mul(inl, P_filt, w->D, w->Kt, n, k, n, 1, 1);
	lgssm_symmetrise(inl, P_filt, n);
	/* mu_{t|t} = mu_{t|t-1} + K_t (x_t - C mu_{t|t-1}):
	 * mu_filt = mu_pred + K e */
	lgssm_mv(inl, w->tmp, w->K, w->e, n, k, 0);
	for (size_t i = 0; i < n; i++)
		mu_filt[i] = mu_pred[i] + w->tmp[i];
	return 0;
}

/* Time update: mu_pred, P_pred (the next record's prior) from mu_filt,
 * P_filt. n, inl as lgssm_update_core's. */
static inline __attribute__((always_inline)) void
lgssm_predict_core(const lgssm *m, const double *mu_filt,
	const double *P_filt, double *mu_pred, double *P_pred, lgssm_work *w,
	size_t n, int inl)
{
	/* mu_{t+1|t} = A mu_{t|t} */
	lgssm_mv(inl, mu_pred, m->A, mu_filt, n, n, 0);
	/* Sigma_{t+1|t} = A Sigma_{t|t} A^T + Q, symmetrised */
	lgssm_mul(inl, w->tmp, m->A, P_filt, n, n, n, 1, 0);
	memcpy(P_pred, m->Q, n * n * sizeof *P_pred);
	lgssm_mul(inl, P_pred, w->tmp, w->At, n, n, n, 1, 1);
	lgssm_symmetrise(inl, P_pred, n);
}

#endif
