/* filter_small.c: Algorithm 1's updates for small models, sizes constant. */
#include "lgssm/lgssm.h"

#include "core/clones.h"
#include "lgssm/filter_core.h"
#include "lgssm/internal.h"

/* For small models (lgssm_small in internal.h), filter_core.h's steps
 * with the sizes constant and the kernels' loops inlined: the same
 * arithmetic as filter.c's, so the same bits, faster. */

#define UPDATE_SMALL(N, K) case (N) * (LGSSM_SMALL_N + 1) + (K): \
	return lgssm_update_core(x, mu_pred, P_pred, mu_filt, P_filt, quad, \
	    w, N, K, 1)

KV_CLONES size_t
lgssm_update_small(const double *x, const double *mu_pred,
	const double *P_pred, double *mu_filt, double *P_filt, double *quad,
	lgssm_work *w, size_t n, size_t k)
{
	switch (n * (LGSSM_SMALL_N + 1) + k) {
	UPDATE_SMALL(1, 1);
	UPDATE_SMALL(2, 1); UPDATE_SMALL(2, 2);
	UPDATE_SMALL(3, 1); UPDATE_SMALL(3, 2); UPDATE_SMALL(3, 3);
	UPDATE_SMALL(4, 1); UPDATE_SMALL(4, 2); UPDATE_SMALL(4, 3);
	UPDATE_SMALL(4, 4);
	default:	/* more components observed than states */
		return lgssm_update_core(x, mu_pred, P_pred, mu_filt, P_filt,
		    quad, w, n, k, 1);
	}
}

#define PREDICT_SMALL(N) case N: \
	lgssm_predict_core(m, mu_filt, P_filt, mu_pred, P_pred, w, N, 1); \
	break

KV_CLONES void
lgssm_predict_small(const lgssm *m, const double *mu_filt,
	const double *P_filt, double *mu_pred, double *P_pred, lgssm_work *w)
{
	switch (m->n) {
	PREDICT_SMALL(1);
	PREDICT_SMALL(2);
	PREDICT_SMALL(3);
	PREDICT_SMALL(4);
	}
}
