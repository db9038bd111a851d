/* smoother_gains.c: the RTS gains L_t, in batches ahead of the smoother. */
#include "lgssm/lgssm.h"

#include <stdlib.h>
#include <string.h>

#include "core/ahead_thread.h"
#include "lgssm/gain_lanes.h"
#include "lgssm/internal.h"

/* For lgssm_smooth's backward pass (smoother.c): several records at
 * once where n allows (gain_lanes.h), and for large models mostly on a
 * second thread (ahead_thread.h); see struct lgssm_gains in internal.h. */

/* With a worker, every OWN_BATCH-th batch is left to the recursion's
 * thread: a step of the recursion costs about half a gain (two products
 * against four and a factorisation), so with all the gains on the
 * worker the recursion would wait a third of the time. */
#define OWN_BATCH 4

static int
own_batch(const struct lgssm_gains *ga, size_t b)
{
	return ga->worker == NULL || b % OWN_BATCH == OWN_BATCH - 1;
}

static size_t
batch_bytes(size_t batch, size_t n)
{
	return batch * (sizeof(size_t) + 4 * n * n * sizeof(double));
}

static const double *
gain_slot(const struct lgssm_gains *ga, size_t k)
{
	return ga->tr->slots + (ga->last - k) * ga->tr->slot_len;
}

/* A gain whose P_pred may be singular (Q singular: a state direction
 * with no noise of its own that the data have fixed, or that A maps to
 * zero): L^T = P_pred^+ A P_filt, by the pseudo-inverse, exact there
 * because A P_filt's columns lie in P_pred's range. The pivot is
 * cleared, or kept when memory runs out. */
static void
gain_singular(const struct lgssm_gains *ga, const double *Pf_packed,
	struct gain *g, size_t *pivot)
{
	const lgssm *m = ga->m;
	size_t n = m->n;

	dmat_unpack(g->P_f, Pf_packed, n);
	dmat_mul(g->Lt, m->A, g->P_f, n, n, n, 0, 0, 1, 0);
	memcpy(g->P_pred, m->Q, n * n * sizeof *g->P_pred);
	dmat_mul(g->P_pred, g->Lt, ga->At, n, n, n, 0, 0, 1, 1);
	dmat_symmetrise(g->P_pred, n);
	if (lgssm_psd_solve(g->P_pred, n, g->Lt, n) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			g->L[i * n + j] = g->Lt[j * n + i];
	*pivot = 0;
}

/* Gains first .. first+count-1 into gains and pivots. */
static void
gain_run(const struct lgssm_gains *ga, size_t first, size_t count,
	double *gains, size_t *pivots, double *fac)
{
	size_t n = ga->m->n, i = 0;

	if (ga->singular_q) {
		for (; i < count; i++) {
			struct gain g = gain_at(gains + i * 4 * n * n, n);
			pivots[i] = 1;
			gain_singular(ga, gain_slot(ga, first + i), &g,
			    pivots + i);
		}
		return;
	}
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
	for (i = 0; i < count; i++)
		if (pivots[i] != 0) {
			struct gain g = gain_at(gains + i * 4 * n * n, n);
			gain_singular(ga, gain_slot(ga, first + i), &g,
			    pivots + i);
		}
}

/* Compute batch b of ga's gains into buf (laid out as above). */
static void
gain_batch(const struct lgssm_gains *ga, size_t b, void *buf, double *fac)
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
	struct lgssm_gains *ga = ctx;

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
gains_worker_start(struct lgssm_gains *ga)
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
int
lgssm_gains_start(struct lgssm_gains *ga, const lgssm *m,
	const lgssm_trace *tr, const double *At, kv_err *err)
{
	size_t n = m->n;
	double *q_factor;

	memset(ga, 0, sizeof *ga);
	ga->m = m;
	ga->tr = tr;
	ga->At = At;
	ga->last = tr->slot[tr->T - 2];
	ga->count = ga->last + 1;
	/* P_pred >= Q: with Q positive definite, P_pred is safely so too;
	 * with Q singular it may be singular and come out of rounding a
	 * hair positive, which a factorisation would then invert */
	if ((q_factor = malloc(n * n * sizeof *q_factor)) == NULL)
		return kv_errf(err, "out of memory");
	memcpy(q_factor, m->Q, n * n * sizeof *q_factor);
	ga->singular_q = dmat_chol(q_factor, n) != 0;
	free(q_factor);
	/* about 32 kB of gains a batch */
	ga->batch = 4096 / (4 * n * n) > 1 ? 4096 / (4 * n * n) : 1;
	if ((ga->own = malloc(batch_bytes(ga->batch, n))) == NULL)
		return kv_errf(err, "out of memory");
	gains_worker_start(ga);
	return 0;
}

/* Stop ga's worker (if any) and free what lgssm_gains_start set up. */
void
lgssm_gains_stop(struct lgssm_gains *ga)
{
	ahead_stop(ga->worker);
	free(ga->theirs);
	free(ga->fac);
	free(ga->own);
}

/* Make the k-th gain, record t's, current in g: from a batch of the
 * worker's or of our own (computed here when it is reached, with fac
 * (n, n) as scratch). 0, or -1 naming the record. */
int
lgssm_gains_next(struct lgssm_gains *ga, size_t k, size_t t,
	struct gain *g, double *fac, kv_err *err)
{
	size_t n = ga->m->n, b = k / ga->batch, i = k % ga->batch;

	if (i == 0) {	/* a new batch */
		void *buf;
		int rc;
		if (own_batch(ga, b)) {
			gain_batch(ga, b, ga->own, fac);
			buf = ga->own;
		} else {
			if (ga->taken > 0)	/* done with */
				ahead_release(ga->worker, ga->taken - 1);
			buf = ahead_take(ga->worker, ga->taken++, &rc);
		}
		ga->pivots = buf;
		ga->gains = (double *)(ga->pivots + ga->batch);
	}
	*g = gain_at(ga->gains + i * 4 * n * n, n);
	if (ga->pivots[i] == 0)
		return 0;
	kv_errf(err, "out of memory for the pseudo-inverse of a singular "
	    "predicted covariance (pivot %zu)", ga->pivots[i]);
	return kv_err_prefix(err, "record %zu", t + 2);
}
