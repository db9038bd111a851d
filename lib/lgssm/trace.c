/* trace.c: what the filter keeps of a sequence for the smoother. */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/prefault.h"
#include "linalg/dmat.h"

/* lgssm_trace and lgssm_filter_trace (see lgssm.h): the filtered
 * moments, or for the means-only smoother the gains, the weighed
 * innovations and the anchors. */

/* Room for T records, and as many slots (pages of slots that the
 * steady state leaves unused are never touched). Earlier contents are
 * not kept. 1 when newly allocated, 0 when the old room serves, -1. */
static int
trace_reserve(lgssm_trace *tr, size_t T, size_t n, size_t p, kv_err *err)
{
	int means_only = tr->means_only, threads = tr->threads;
	size_t len = means_only ? n * p : n * (n + 1) / 2;

	if (tr->n == n && tr->p == p && tr->slot_len == len && T <= tr->cap)
		return 0;
	lgssm_trace_free(tr);
	tr->means_only = means_only;
	tr->threads = threads;
	tr->n = n;
	tr->p = p;
	tr->slot_len = len;
	tr->slot = malloc(T * sizeof *tr->slot);
	tr->slots = malloc(T * len * sizeof *tr->slots);
	if (means_only) {
		tr->u = malloc(T * p * sizeof *tr->u);
		tr->r = malloc(T * n * sizeof *tr->r);
	} else
		tr->mu_filt = malloc(T * n * sizeof *tr->mu_filt);
	if (tr->slot == NULL || tr->slots == NULL || (means_only ?
	    tr->u == NULL || tr->r == NULL : tr->mu_filt == NULL)) {
		lgssm_trace_free(tr);
		tr->means_only = means_only;
		tr->threads = threads;
		return kv_errf(err, "out of memory");
	}
	tr->cap = T;
	return 1;
}

/* The largest diagonal entry of P (n, n). */
static double
max_variance(const double *P, size_t n)
{
	double v = 0;

	for (size_t i = 0; i < n; i++)
		v = fmax(v, P[i * n + i]);
	return v;
}

/* Keep record t of a means-only trace as an anchor if lgssm_smooth's
 * rule says so (see lgssm.h). 0 or -1 (out of memory). */
static int
trace_anchor(lgssm_filter *f, lgssm_trace *tr, size_t t, kv_err *err)
{
	size_t n = f->m->n, len = n + n * n;
	double var = max_variance(f->P_filt, n), *a;

	if (tr->nanchors > 0 && var >= 0.5 * tr->anchor_var &&
	    t - tr->anchor_t[tr->nanchors - 1] < LGSSM_ANCHOR)
		return 0;
	if (tr->nanchors == tr->anchor_cap) {
		size_t cap = tr->anchor_cap ? 2 * tr->anchor_cap : 64;
		double *b = realloc(tr->anchors, cap * len * sizeof *b);
		size_t *at = b == NULL ? NULL :
		    realloc(tr->anchor_t, cap * sizeof *at);
		if (b != NULL)
			tr->anchors = b;
		if (at == NULL)
			return kv_errf(err, "out of memory");
		tr->anchor_t = at;
		tr->anchor_cap = cap;
	}
	a = tr->anchors + tr->nanchors * len;
	memcpy(a, f->mu_filt, n * sizeof *a);
	memcpy(a + n, f->P_filt, n * n * sizeof *a);
	tr->anchor_t[tr->nanchors++] = t;
	tr->anchor_var = var;
	return 0;
}

/* Keep record t: its filtered mean and P_filt packed, or for a
 * means-only trace its u and gain (and maybe an anchor). A new slot only
 * where the covariance changed (steady-state records share one). 0 or
 * -1. */
static int
trace_keep(lgssm_filter *f, lgssm_trace *tr, size_t t, kv_err *err)
{
	size_t n = f->m->n, p = f->m->p;
	int fresh = f->cov_changed || tr->nslots == 0;
	double *slot = tr->slots + tr->nslots * tr->slot_len;

	if (tr->means_only) {
		lgssm_filter_gain(f, fresh ? slot : NULL, tr->u + t * p);
		if (trace_anchor(f, tr, t, err) != 0)
			return -1;
	} else {
		memcpy(tr->mu_filt + t * n, f->mu_filt, n * sizeof *f->mu_filt);
		if (fresh)
			dmat_pack(slot, f->P_filt, n);
	}
	tr->nslots += fresh;
	tr->slot[t] = tr->nslots - 1;
	return 0;
}

/* A model with diffuse states: a copy of x and rvar (the exact initial
 * smoother revisits the records). 0 or -1. */
static int
trace_keep_data(lgssm_trace *tr, const double *x, const double *rvar,
	size_t T, size_t p, kv_err *err)
{
	double *a, *b = NULL;

	if ((a = realloc(tr->x, (T * p + 1) * sizeof *a)) == NULL)
		return kv_errf(err, "out of memory");
	tr->x = a;
	memcpy(tr->x, x, T * p * sizeof *x);
	free(tr->rvar);
	tr->rvar = NULL;
	if (rvar != NULL) {
		if ((b = malloc((T * p + 1) * sizeof *b)) == NULL)
			return kv_errf(err, "out of memory");
		memcpy(b, rvar, T * p * sizeof *b);
		tr->rvar = b;
	}
	return 0;
}

/* Keep the predicted Pinf of record t of the diffuse period. 0 or -1. */
static int
trace_keep_pinf(const lgssm_filter *f, lgssm_trace *tr, size_t t,
	kv_err *err)
{
	size_t nn = f->m->n * f->m->n;

	if (t == tr->diffuse_cap) {
		size_t cap = tr->diffuse_cap ? 2 * tr->diffuse_cap : 8;
		double *b = realloc(tr->pinf, cap * nn * sizeof *b);
		if (b == NULL)
			return kv_errf(err, "out of memory");
		tr->pinf = b;
		tr->diffuse_cap = cap;
	}
	memcpy(tr->pinf + t * nn, f->Pinf_pred, nn * sizeof *tr->pinf);
	return 0;
}

int
lgssm_filter_trace(lgssm_filter *f, const double *x, const double *rvar,
	size_t T, lgssm_trace *tr, kv_err *err)
{
	size_t n = f->m->n, p = f->m->p, bytes;
	prefault *pf = NULL;
	int fresh, rc = 0;

	if (f->delems != NULL)	/* diffuse states: a full trace */
		tr->means_only = 0;
	if ((fresh = trace_reserve(tr, T, n, p, err)) < 0 ||
	    (f->delems != NULL && trace_keep_data(tr, x, rvar, T, p, err) != 0))
		return -1;
	/* New slots the filter will fill, one per record unless the steady
	 * state shares them: mapped ahead of it (prefault.h) */
	bytes = T * tr->slot_len * sizeof *tr->slots;
	if (fresh && !f->steady && bytes >= ((size_t)16 << 20))
		pf = prefault_start(tr->slots, bytes, tr->threads > 1);
	tr->T = T;
	tr->nslots = 0;
	tr->nanchors = 0;
	lgssm_filter_reset(f);
	for (size_t t = 0; rc == 0 && t < T; t++) {
		if (f->diffuse && trace_keep_pinf(f, tr, t, err) != 0)
			rc = -1;
		else if (lgssm_filter_step(f, x + t * p, rvar ? rvar + t * p : NULL,
		    err) != 0)
			rc = kv_err_prefix(err, "record %zu", t + 1);
		else
			rc = trace_keep(f, tr, t, err);
	}
	prefault_finish(pf);
	tr->loglik = f->loglik;
	tr->ndiffuse = f->ndiffuse;
	tr->diffuse_open = f->diffuse != 0;
	return rc;
}

void
lgssm_trace_free(lgssm_trace *tr)
{
	free(tr->mu_filt);
	free(tr->u);
	free(tr->r);
	free(tr->anchors);
	free(tr->anchor_t);
	free(tr->slot);
	free(tr->slots);
	free(tr->pinf);
	free(tr->x);
	free(tr->rvar);
	memset(tr, 0, sizeof *tr);
}
