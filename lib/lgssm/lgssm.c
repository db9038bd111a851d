/* lgssm.c: Kalman filter, RTS smoother, log-likelihood, gradients and
 * sampling of a linear Gaussian state-space model, see lgssm.h. */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ahead_thread.h"
#include "core/clones.h"
#include "linalg/dmat.h"
#include "linalg/dmat_body.h"
#include "lgssm/gain_lanes.h"
#include "lgssm/internal.h"

/* The backward pass's buffers. Products are arranged as A B with the
 * transposes kept (see struct lgssm_work). */
struct smoother {
	double *mu_s, *mu_s1;		/* (n) smoothed mean at t, t+1 */
	double *P_s, *P_s1;		/* (n, n) smoothed covariance at t, t+1 */
	struct gain g;			/* the gain in use */
	double *At;			/* (n, n) A^T */
	double *D, *T1, *P_cross;	/* (n, n) */
	double *mu_pred, *d;		/* (n) */
	double *block;
};

static int
smoother_alloc(struct smoother *s, const lgssm *m, kv_err *err)
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

/* One step of Algorithm 2: moments at t from those at t+1 (sizes and
 * kernels as in update_core). */
static inline __attribute__((always_inline)) void
smoother_core(const lgssm *m, struct smoother *s, const double *mu_f,
	int cross, size_t n, int inl)
{
	double *tmp;

	lgssm_mv(inl, s->mu_pred, m->A, mu_f, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->d[i] = s->mu_s1[i] - s->mu_pred[i];
	lgssm_mv(inl, s->mu_s, s->g.L, s->d, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->mu_s[i] += mu_f[i];
	/* P_s = P_f + L (P_s1 - P_pred) L^T */
	for (size_t i = 0; i < n * n; i++)
		s->D[i] = s->P_s1[i] - s->g.P_pred[i];
	lgssm_mul(inl, s->T1, s->g.L, s->D, n, n, n, 1, 0);
	memcpy(s->P_s, s->g.P_f, n * n * sizeof *s->P_s);
	lgssm_mul(inl, s->P_s, s->T1, s->g.Lt, n, n, n, 1, 1);
	lgssm_symmetrise(inl, s->P_s, n);
	/* Cov(z_{t+1}, z_t | x) = P_s1 L^T */
	if (cross)
		lgssm_mul(inl, s->P_cross, s->P_s1, s->g.Lt, n, n, n, 1, 0);
	tmp = s->mu_s; s->mu_s = s->mu_s1; s->mu_s1 = tmp;
	tmp = s->P_s; s->P_s = s->P_s1; s->P_s1 = tmp;
}

#define SMOOTHER_SMALL(N) case N: \
	smoother_core(m, s, mu_f, cross, N, 1); break

KV_CLONES static void
smoother_small(const lgssm *m, struct smoother *s, const double *mu_f,
	int cross)
{
	switch (m->n) {
	SMOOTHER_SMALL(1);
	SMOOTHER_SMALL(2);
	SMOOTHER_SMALL(3);
	SMOOTHER_SMALL(4);
	}
}

static void
smoother_step(const lgssm *m, struct smoother *s, const double *mu_f,
	int cross)
{
	if (lgssm_small(m->n, m->n))
		smoother_small(m, s, mu_f, cross);
	else
		smoother_core(m, s, mu_f, cross, m->n, 0);
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
smoother_mean_step(const lgssm *m, struct smoother *s, const double *mu_f)
{
	size_t n = m->n;

	dmat_mv(s->mu_pred, m->A, mu_f, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->d[i] = s->mu_s1[i] - s->mu_pred[i];
	dmat_mv(s->mu_s1, s->g.L, s->d, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->mu_s1[i] += mu_f[i];
}

/* smooth_means's backward pass: r_{t-1} = C^T (u_t - K_t^T s_t) + s_t
 * with s_t = A^T r_t, into tr->r (tr->r + t n holds r_{t-1}), and the
 * anchors' means on the way (in place of their mu_filt). b (2 n + p) is
 * scratch; sizes and kernels as in update_core. */
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

/* smooth_means's forward pass: mu_t = A mu_{t-1} + Q r_{t-1}, restarted
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
static int
smooth_means(const lgssm *m, const lgssm_trace *tr, lgssm_visit visit,
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

/* The gains of a trace in the order the backward pass wants them: the
 * k-th is slot tr->slot[T-2] - k's, since slots number the distinct
 * covariances in record order. They are computed in batches of `batch`
 * (enough that handing a batch over costs little next to computing it):
 * GAIN_LANES at a time where n allows (gain_lanes.h), and from n = 16,
 * where a second thread is allowed, most of them on that thread
 * (ahead_thread.h) while the backward pass proper runs on the first. A batch,
 * as an item: `batch` pivots (0, or where that gain's P_pred is not
 * positive definite), then `batch` gains of 4 n n doubles. */
struct gains_ahead {
	const lgssm *m;
	const lgssm_trace *tr;
	const double *At;
	size_t last;		/* slot of gain 0 */
	size_t count, batch;
	ahead *worker;		/* NULL: every batch is the taker's own */
	size_t *theirs;		/* the worker's batches, in order */
	double *fac;		/* (n, n) the worker's scratch */
	/* the taker's side */
	unsigned char *own;	/* a batch of its own */
	size_t taken;		/* worker's batches taken */
	size_t *pivots;		/* of the batch in use */
	double *gains;
};

/* With a worker, every OWN_BATCH-th batch is left to the recursion's
 * thread: a step of the recursion costs about half a gain (two products
 * against four and a factorisation), so with all the gains on the
 * worker the recursion would wait a third of the time. */
#define OWN_BATCH 4

static int
own_batch(const struct gains_ahead *ga, size_t b)
{
	return ga->worker == NULL || b % OWN_BATCH == OWN_BATCH - 1;
}

static size_t
batch_bytes(size_t batch, size_t n)
{
	return batch * (sizeof(size_t) + 4 * n * n * sizeof(double));
}

static const double *
gain_slot(const struct gains_ahead *ga, size_t k)
{
	return ga->tr->slots + (ga->last - k) * ga->tr->slot_len;
}

/* Gains first .. first+count-1 into gains and pivots. */
static void
gain_run(const struct gains_ahead *ga, size_t first, size_t count,
	double *gains, size_t *pivots, double *fac)
{
	size_t n = ga->m->n, i = 0;

	while (n <= GAIN_LANES_NMAX && i < count) {
		const double *Pf[GAIN_LANES];
		struct gain g[GAIN_LANES];
		size_t c = count - i < GAIN_LANES ? count - i : GAIN_LANES;
		for (size_t j = 0; j < c; j++) {
			Pf[j] = gain_slot(ga, first + i + j);
			g[j] = gain_at(gains + (i + j) * 4 * n * n, n);
		}
		gain_compute_lanes(ga->m, Pf, c, g, pivots + i);
		i += c;
	}
	for (; i < count; i++) {
		struct gain g = gain_at(gains + i * 4 * n * n, n);
		pivots[i] = gain_compute(ga->m, ga->At,
		    gain_slot(ga, first + i), &g, fac);
	}
}

/* Compute batch b of ga's gains into buf (laid out as above). */
static void
gain_batch(const struct gains_ahead *ga, size_t b, void *buf, double *fac)
{
	size_t first = b * ga->batch, *pivots = buf;
	size_t count = ga->count - first < ga->batch ? ga->count - first :
	    ga->batch;

	gain_run(ga, first, count, (double *)(pivots + ga->batch), pivots,
	    fac);
}

static int
gain_item(void *ctx, size_t k, void *buf)
{
	struct gains_ahead *ga = ctx;

	gain_batch(ga, ga->theirs[k], buf, ga->fac);
	return 0;
}

/* Start ga's worker where it pays: a second thread allowed, n >= 16
 * (below, a gain costs too little next to handing it over: at n = 4 the
 * worker gave nothing measurable in bench/kf even before the gains went
 * eight at a time), a sequence long enough and items not too large.
 * Left NULL otherwise or when a thread cannot be had: the taker then
 * computes every batch itself. */
static void
gains_worker_start(struct gains_ahead *ga)
{
	size_t n = ga->m->n, nb, nw = 0;

	if (ga->tr->threads < 2 || n < 16 || ga->tr->T < 64 ||
	    4 * n * n > ((size_t)8 << 20))
		return;
	nb = (ga->count + ga->batch - 1) / ga->batch;
	ga->theirs = malloc(nb * sizeof *ga->theirs);
	ga->fac = malloc(n * n * sizeof *ga->fac);
	if (ga->theirs == NULL || ga->fac == NULL)
		return;
	for (size_t b = 0; b < nb; b++)
		if (b % OWN_BATCH != OWN_BATCH - 1)
			ga->theirs[nw++] = b;
	ga->worker = ahead_start(nw, 4, batch_bytes(ga->batch, n),
	    gain_item, ga, NULL);
}

/* Set up ga for a trace of T >= 2 records (and maybe its worker). 0, or
 * -1 when out of memory. */
static int
gains_start(struct gains_ahead *ga, const lgssm *m, const lgssm_trace *tr,
	const double *At, kv_err *err)
{
	size_t n = m->n;

	memset(ga, 0, sizeof *ga);
	ga->m = m;
	ga->tr = tr;
	ga->At = At;
	ga->last = tr->slot[tr->T - 2];
	ga->count = ga->last + 1;
	/* about 32 kB of gains a batch */
	ga->batch = 4096 / (4 * n * n) > 1 ? 4096 / (4 * n * n) : 1;
	if ((ga->own = malloc(batch_bytes(ga->batch, n))) == NULL)
		return kv_errf(err, "out of memory");
	gains_worker_start(ga);
	return 0;
}

/* Stop ga's worker (if any) and free what gains_start set up. */
static void
gains_stop(struct gains_ahead *ga)
{
	ahead_stop(ga->worker);
	free(ga->theirs);
	free(ga->fac);
	free(ga->own);
}

/* Make the k-th gain, record t's, current: from a batch of the worker's
 * or of our own (computed here when it is reached). 0, or -1 naming the
 * record. */
static int
next_gain(const lgssm *m, struct smoother *s, struct gains_ahead *ga,
	size_t k, size_t t, kv_err *err)
{
	size_t n = m->n, b = k / ga->batch, i = k % ga->batch;

	if (i == 0) {	/* a new batch */
		void *buf;
		int rc;
		if (own_batch(ga, b)) {
			gain_batch(ga, b, ga->own, s->T1);
			buf = ga->own;
		} else {
			if (ga->taken > 0)	/* done with */
				ahead_release(ga->worker, ga->taken - 1);
			buf = ahead_take(ga->worker, ga->taken++, &rc);
		}
		ga->pivots = buf;
		ga->gains = (double *)(ga->pivots + ga->batch);
	}
	s->g = gain_at(ga->gains + i * 4 * n * n, n);
	if (ga->pivots[i] == 0)
		return 0;
	kv_errf(err, "predicted covariance is not positive definite "
	    "(pivot %zu)", ga->pivots[i]);
	return kv_err_prefix(err, "record %zu", t + 2);
}

int
lgssm_smooth(const lgssm *m, const lgssm_trace *tr, lgssm_visit visit,
	void *ctx, int cross, kv_err *err)
{
	size_t n = m->n, T = tr->T, k = 0;
	size_t gain_slot = (size_t)-1;
	struct smoother s = { 0 };
	struct gains_ahead ga;
	int rc = 0, cov_steady = 0;

	if (T == 0)
		return 0;
	if (tr->means_only)
		return cross ? kv_errf(err, "a means-only trace has no "
		    "cross-covariances") : smooth_means(m, tr, visit, ctx, err);
	if (smoother_alloc(&s, m, err) != 0)
		return -1;
	if (T > 1 && gains_start(&ga, m, tr, s.At, err) != 0) {
		free(s.block);
		return -1;
	}
	memcpy(s.mu_s1, tr->mu_filt + (T - 1) * n, n * sizeof *s.mu_s1);
	dmat_unpack(s.P_s1, tr->slots + tr->slot[T - 1] * tr->slot_len, n);
	rc = visit(ctx, T - 1, s.mu_s1, s.P_s1, NULL);
	for (size_t t = T - 1; rc == 0 && t-- > 0;) {
		/* Steady-state records share P_filt, hence P_pred and L;
		 * once P_smooth stops changing too, only the means move. */
		if (tr->slot[t] != gain_slot) {
			if ((rc = next_gain(m, &s, &ga, k++, t, err)) != 0)
				break;
			gain_slot = tr->slot[t];
			cov_steady = 0;
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
		gains_stop(&ga);
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
	if (lgssm_filter_init(&f, m, 0, err) != 0)
		return -1;
	if (lgssm_filter_trace(&f, x, rvar, T, &tr, err) == 0 &&
	    lgssm_smooth(m, &tr, store_moments, mo, 1, err) == 0) {
		mo->loglik = tr.loglik;
		rc = 0;
	}
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
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
