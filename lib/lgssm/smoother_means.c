/* smoother_means.c: the fast state smoother over a means-only trace. */
#include "lgssm/lgssm.h"

#include <stdlib.h>
#include <string.h>

#include "core/clones.h"
#include "lgssm/internal.h"

/* lgssm_smooth for a means-only trace (see lgssm.h): r backwards, then
 * the smoothed means forwards from the anchors, at any size or, for
 * small models, with the sizes constant. */

/* lgssm_smooth_means's backward pass: r_{t-1} = C^T (u_t - K_t^T s_t)
 * + s_t with s_t = A^T r_t, into tr->r (tr->r + t n holds r_{t-1}), and
 * the anchors' means on the way (in place of their mu_filt). b (2 n + p)
 * is scratch; sizes and kernels as in lgssm_update_core. */
static inline __attribute__((always_inline)) void
means_backward(const lgssm *m, const lgssm_trace *tr, double *b,
	size_t n, size_t p, int inl)
{
	double *s = b, *mu1 = b + n, *y = b + 2 * n;

	memset(s, 0, n * sizeof *s);	/* A^T r_{T-1} = 0 */
	for (size_t t = tr->T, k = tr->nanchors; t-- > 0;) {
		const double *K = tr->slots + tr->slot[t] * tr->slot_len;
		const double *u = tr->u + t * p;
		double *r = tr->r + t * n;

		if (k > 0 && tr->anchor_t[k - 1] == t) {
			/* mu_filt += P_filt s */
			double *a = tr->anchors + --k * (n + n * n);
			lgssm_mv(inl, mu1, a + n, s, n, n, 0);
			for (size_t i = 0; i < n; i++)
				a[i] += mu1[i];
		}
		lgssm_mv(inl, y, K, s, p, n, 1);
		for (size_t i = 0; i < p; i++)
			y[i] = u[i] - y[i];
		lgssm_mv(inl, r, m->C, y, n, p, 1);
		for (size_t i = 0; i < n; i++)
			r[i] += s[i];
		if (t > 0)
			lgssm_mv(inl, s, m->A, r, n, n, 1);
	}
}

/* lgssm_smooth_means's forward pass: mu_t = A mu_{t-1} + Q r_{t-1}, restarted
 * at the anchors, each visited. b (3 n) is scratch. visit's value. */
static inline __attribute__((always_inline)) int
means_forward(const lgssm *m, const lgssm_trace *tr, lgssm_visit visit,
	void *ctx, double *b, size_t n, int inl)
{
	double *mu = b, *mu1 = b + n, *Qr = b + 2 * n;
	int rc = 0;

	for (size_t t = 0, k = 0; rc == 0 && t < tr->T; t++) {
		if (k < tr->nanchors && tr->anchor_t[k] == t)
			memcpy(mu, tr->anchors + k++ * (n + n * n),
			    n * sizeof *mu);
		else {
			double *tmp;

			lgssm_mv(inl, mu1, m->A, mu, n, n, 0);
			lgssm_mv(inl, Qr, m->Q, tr->r + t * n, n, n, 0);
			for (size_t i = 0; i < n; i++)
				mu1[i] += Qr[i];
			tmp = mu; mu = mu1; mu1 = tmp;
		}
		rc = visit(ctx, t, mu, NULL, NULL);
	}
	return rc;
}

#define MEANS_BACKWARD_SMALL(N, P) case (N) * (LGSSM_SMALL_N + 1) + (P): \
	means_backward(m, tr, b, N, P, 1); break

KV_CLONES static void
means_backward_small(const lgssm *m, const lgssm_trace *tr, double *b)
{
	switch (m->n * (LGSSM_SMALL_N + 1) + m->p) {
	MEANS_BACKWARD_SMALL(1, 1);
	MEANS_BACKWARD_SMALL(2, 1); MEANS_BACKWARD_SMALL(2, 2);
	MEANS_BACKWARD_SMALL(3, 1); MEANS_BACKWARD_SMALL(3, 2);
	MEANS_BACKWARD_SMALL(3, 3);
	MEANS_BACKWARD_SMALL(4, 1); MEANS_BACKWARD_SMALL(4, 2);
	MEANS_BACKWARD_SMALL(4, 3); MEANS_BACKWARD_SMALL(4, 4);
	default:	/* more components than states */
		means_backward(m, tr, b, m->n, m->p, 1);
	}
}

#define MEANS_FORWARD_SMALL(N) case N: \
	return means_forward(m, tr, visit, ctx, b, N, 1)

KV_CLONES static int
means_forward_small(const lgssm *m, const lgssm_trace *tr,
	lgssm_visit visit, void *ctx, double *b)
{
	switch (m->n) {
	MEANS_FORWARD_SMALL(1);
	MEANS_FORWARD_SMALL(2);
	MEANS_FORWARD_SMALL(3);
	default:
		return means_forward(m, tr, visit, ctx, b, 4, 1);
	}
}

/* The fast state smoother over a means_only trace (see lgssm.h): r
 * backwards, then the means forwards. No covariance is needed but the
 * anchors': the gains carry it. */
int
lgssm_smooth_means(const lgssm *m, const lgssm_trace *tr, lgssm_visit visit,
	void *ctx, kv_err *err)
{
	size_t n = tr->n, p = tr->p;
	double *b = malloc((3 * n + p) * sizeof *b);
	int rc, inl = lgssm_small(n, p);

	if (b == NULL)
		return kv_errf(err, "out of memory");
	if (inl)
		means_backward_small(m, tr, b);
	else
		means_backward(m, tr, b, n, p, 0);
	rc = inl ? means_forward_small(m, tr, visit, ctx, b) :
	    means_forward(m, tr, visit, ctx, b, n, 0);
	free(b);
	return rc;
}
