/* smoother.c: the RTS smoother, Algorithm 2 of the KVAE paper; see lgssm.h. */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"
#include "lgssm/smoother_core.h"

/* lgssm_smooth over the trace the filter kept: the gains L_t come from
 * smoother_gains.c, the step's arithmetic line by line from
 * smoother_core.h (small models: smoother_small.c); a means-only trace
 * goes to the fast state smoother (smoother_means.c). Also
 * lgssm_smooth_all, all the moments in memory. */

/* The backward pass's buffers for m, with A^T. 0 or -1. */
static int
smoother_alloc(struct lgssm_smoother *s, const lgssm *m, kv_err *err)
{
	size_t n = m->n;
	double *b = malloc((6 * n * n + 4 * n) * sizeof *b);

	if ((s->block = b) == NULL)
		return kv_errf(err, "out of memory");
	s->P_s = b;		b += n * n;
	s->P_s1 = b;		b += n * n;
	s->At = b;		b += n * n;
	s->D = b;		b += n * n;
	s->T1 = b;		b += n * n;
	s->P_cross = b;		b += n * n;
	s->mu_s = b;		b += n;
	s->mu_s1 = b;		b += n;
	s->mu_pred = b;		b += n;
	s->d = b;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			s->At[j * n + i] = m->A[i * n + j];
	return 0;
}

/* One step of Algorithm 2 (smoother_core.h). */
static void
smoother_step(const lgssm *m, struct lgssm_smoother *s, const double *mu_f,
	int cross)
{
	if (lgssm_small(m->n, m->n))
		lgssm_smoother_small(m, s, mu_f, cross);
	else
		lgssm_smoother_core(m, s, mu_f, cross, m->n, 0);
}

/* max |a - b| <= tol max |a| */
static int
converged(const double *a, const double *b, size_t N, double tol)
{
	double diff = 0, scale = 0;

	for (size_t i = 0; i < N; i++) {
		diff = fmax(diff, fabs(a[i] - b[i]));
		scale = fmax(scale, fabs(a[i]));
	}
	return diff <= tol * scale;
}

/* A step of Algorithm 2 whose covariances (P_smooth, L, P_cross) equal
 * the previous step's: the mean only. */
static void
smoother_mean_step(const lgssm *m, struct lgssm_smoother *s,
	const double *mu_f)
{
	size_t n = m->n;

	dmat_mv(s->mu_pred, m->A, mu_f, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->d[i] = s->mu_s1[i] - s->mu_pred[i];
	dmat_mv(s->mu_s1, s->g.L, s->d, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->mu_s1[i] += mu_f[i];
}

/* Algorithm 2: start from the last record, whose smoothed moments are
 * its filtered ones; then, for each earlier record t down to the first,
 * the gain L_t and from it mu_{t|T}, Sigma_{t|T} (smoother_step). */
int
lgssm_smooth(const lgssm *m, const lgssm_trace *tr, lgssm_visit visit,
	void *ctx, int cross, kv_err *err)
{
	if (tr->T > 0 && lgssm_is_diffuse(m))
		return lgssm_smooth_diffuse(m, tr, visit, ctx, cross, err);
	return lgssm_smooth_rts(m, tr, visit, ctx, cross, err);
}

int
lgssm_smooth_rts(const lgssm *m, const lgssm_trace *tr, lgssm_visit visit,
	void *ctx, int cross, kv_err *err)
{
	size_t n = m->n, T = tr->T, k = 0;
	size_t gain_slot = 0;	/* the slot of the gain in s.g */
	int have_gain = 0;
	struct lgssm_smoother s = { 0 };
	struct lgssm_gains ga;
	int rc = 0, cov_steady = 0;

	if (T == 0)
		return 0;
	if (tr->means_only)
		return cross ? kv_errf(err, "a means-only trace has no "
		    "cross-covariances") : lgssm_smooth_means(m, tr, visit, ctx,
		    err);
	if (smoother_alloc(&s, m, err) != 0)
		return -1;
	if (T > 1 && lgssm_gains_start(&ga, m, tr, s.At, err) != 0) {
		free(s.block);
		return -1;
	}
	/* the last record: smoothed = filtered */
	memcpy(s.mu_s1, tr->mu_filt + (T - 1) * n, n * sizeof *s.mu_s1);
	dmat_unpack(s.P_s1, tr->slots + tr->slot[T - 1] * tr->slot_len, n);
	rc = visit(ctx, T - 1, s.mu_s1, s.P_s1, NULL);
	for (size_t t = T - 1; rc == 0 && t-- > 0;) {
		/* Steady-state records share P_filt, hence P_pred and L;
		 * once P_smooth stops changing too, only the means move. */
		if (!have_gain || tr->slot[t] != gain_slot) {
			/* L_t = Sigma_{t|t} A^T Sigma_{t+1|t}^{-1} */
			if ((rc = lgssm_gains_next(&ga, k++, t, &s.g, s.T1,
			    err)) != 0)
				break;
			gain_slot = tr->slot[t];
			have_gain = 1;
			cov_steady = 0;
			/* mu_{t|T}, Sigma_{t|T} */
			smoother_step(m, &s, tr->mu_filt + t * n, cross);
		} else if (cov_steady)
			smoother_mean_step(m, &s, tr->mu_filt + t * n);
		else {
			smoother_step(m, &s, tr->mu_filt + t * n, cross);
			cov_steady = tr->slot[t + 1] == gain_slot &&
			    converged(s.P_s1, s.P_s, n * n, 1e-13);
		}
		/* after the swap, the moments at t are in mu_s1, P_s1 */
		rc = visit(ctx, t, s.mu_s1, s.P_s1, cross ? s.P_cross : NULL);
	}
	if (T > 1)
		lgssm_gains_stop(&ga);
	free(s.block);
	return rc;
}

static int
store_moments(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	lgssm_moments *mo = ctx;
	size_t n = mo->n;

	memcpy(mo->mu + t * n, mu, n * sizeof *mu);
	memcpy(mo->P + t * n * n, P, n * n * sizeof *P);
	if (P_cross != NULL)
		memcpy(mo->P_cross + t * n * n, P_cross, n * n * sizeof *P);
	return 0;
}

int
lgssm_smooth_all(const lgssm *m, const double *x, const double *rvar,
	size_t T, lgssm_moments *mo, kv_err *err)
{
	size_t n = m->n;
	lgssm_filter f;
	lgssm_trace tr = { 0 };
	int rc = -1;

	memset(mo, 0, sizeof *mo);
	mo->T = T;
	mo->n = n;
	mo->mu = malloc((T * n + 1) * sizeof *mo->mu);
	mo->P = malloc((T * n * n + 1) * sizeof *mo->P);
	mo->P_cross = malloc((T * n * n + 1) * sizeof *mo->P_cross);
	if (mo->mu == NULL || mo->P == NULL || mo->P_cross == NULL) {
		lgssm_moments_free(mo);
		return kv_errf(err, "out of memory");
	}
	if (lgssm_filter_init(&f, m, 0, err) != 0) {
		lgssm_moments_free(mo);
		return -1;
	}
	if (lgssm_filter_trace(&f, x, rvar, T, &tr, err) == 0 &&
	    lgssm_smooth(m, &tr, store_moments, mo, 1, err) == 0) {
		mo->loglik = tr.loglik;
		rc = 0;
	}
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
	if (rc != 0)
		lgssm_moments_free(mo);
	return rc;
}

void
lgssm_moments_free(lgssm_moments *mo)
{
	free(mo->mu);
	free(mo->P);
	free(mo->P_cross);
	memset(mo, 0, sizeof *mo);
}
