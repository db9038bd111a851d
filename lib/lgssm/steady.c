/* steady.c: the streaming filter's steady-state mode (lgssm_filter). */
#include "lgssm/lgssm.h"

#include <math.h>
#include <string.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"

/* Once P_pred stops changing, Algorithm 1 with the gain and the
 * innovation covariance of that step kept, means only. */

/* A step with the stored constant gain: means only. */
void
lgssm_filter_steady_step(lgssm_filter *f, const double *x)
{
	const lgssm *m = f->m;
	size_t n = m->n, p = m->p;
	double *e = f->w->e, *v = f->w->v, quad = 0;

	/* Measurement update: e = x_t - C mu_{t|t-1},
	 * mu_{t|t} = mu_{t|t-1} + K e, and log N(e; 0, S) */
	dmat_mv(e, m->C, f->mu_pred, p, n, 0);
	for (size_t i = 0; i < p; i++)
		e[i] = x[i] - e[i];
	dmat_mv(f->mu_filt, f->K, e, n, p, 0);
	for (size_t i = 0; i < n; i++)
		f->mu_filt[i] += f->mu_pred[i];
	memcpy(v, e, p * sizeof *v);
	dmat_trsv_lower(f->LS, p, v);
	for (size_t i = 0; i < p; i++)
		quad += v[i] * v[i];
	f->loglik += -0.5 * ((double)p * LOG_2PI + f->logdet_S + quad);
	f->nobs += p;
	/* Time update: mu_{t+1|t} = A mu_{t|t} */
	dmat_mv(f->mu_pred, m->A, f->mu_filt, n, n, 0);
	f->cov_changed = 0;
	f->steady_steps++;
}

/* After a full step on a fully observed record: has P_pred converged? */
void
lgssm_filter_steady_check(lgssm_filter *f)
{
	size_t n = f->m->n, p = f->m->p;
	double diff = 0, scale = 0;

	for (size_t i = 0; i < n * n; i++) {
		diff = fmax(diff, fabs(f->P_pred[i] - f->P_pred_ss[i]));
		scale = fmax(scale, fabs(f->P_pred[i]));
	}
	if (diff > f->steady_tol * scale)
		return;
	/* Keep the gain and S's factor of the step just done. The
	 * filtered covariance stays in f->P_filt while converged. */
	f->converged = 1;
	memcpy(f->K, f->w->K, n * p * sizeof *f->K);
	memcpy(f->LS, f->w->S, p * p * sizeof *f->LS);
	f->logdet_S = f->w->logdet_S;
}
