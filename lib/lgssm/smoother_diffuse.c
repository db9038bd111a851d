/* smoother_diffuse.c: the smoother of a model with diffuse states, in
 * Durbin and Koopman's backward form (2012, 4.4 and 5.3; the diffuse
 * period component by component as in Koopman and Durbin 2000); see
 * lgssm.h. */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"

/* r0, N0 weigh the data after a point against the state there (r and N
 * of the book); r1, N1, N2 are the diffuse period's extra terms. The
 * smoothed moments at a point with prior mean a, covariance P_* +
 * kappa Pinf are a + P_* r0 + Pinf r1 and P_* - P_* N0 P_* - X - X^T -
 * Pinf N2 Pinf, X = Pinf N1 P_*. */
struct dsmoother {
	size_t n, p;
	double *r0, *r1, *u, *g;	/* (n), (n), (p), (p) */
	double *N0, *N1, *N2;		/* (n, n) each */
	double *L0, *L1, *M0, *M1, *M2, *t1;	/* (n, n) each */
	double *a, *Ps, *Pi, *Pf;	/* a prior (n), (n, n) x 3 */
	double *mu, *V, *X;		/* (n), (n, n), (p, n) */
	struct lgssm_delems *de;
	lgssm_work *w;
	double *block;
};

static void
ds_free(struct dsmoother *s)
{
	lgssm_delems_free(s->de);
	lgssm_work_free(s->w);
	free(s->block);
}

static int
ds_alloc(struct dsmoother *s, size_t n, size_t p, kv_err *err)
{
	size_t nn = n * n;
	double *b;

	memset(s, 0, sizeof *s);
	s->n = n;
	s->p = p;
	s->block = b = calloc(4 * n + 2 * p + 15 * nn + p * n, sizeof *b);
	s->de = lgssm_delems_alloc(n, p);
	if (s->block == NULL || s->de == NULL ||
	    (s->w = lgssm_work_alloc(n, p, err)) == NULL) {
		ds_free(s);
		return kv_errf(err, "out of memory");
	}
	s->r0 = b;	b += n;
	s->r1 = b;	b += n;
	s->a = b;	b += n;
	s->mu = b;	b += n;
	s->u = b;	b += p;
	s->g = b;	b += p;
	s->N0 = b;	b += nn;
	s->N1 = b;	b += nn;
	s->N2 = b;	b += nn;
	s->L0 = b;	b += nn;
	s->L1 = b;	b += nn;
	s->M0 = b;	b += 3 * nn;	/* M0, M1, M2 */
	s->M1 = s->M0 + nn;
	s->M2 = s->M1 + nn;
	s->t1 = b;	b += nn;
	s->Ps = b;	b += nn;
	s->Pi = b;	b += nn;
	s->Pf = b;	b += nn;
	s->V = b;	b += 2 * nn;
	s->X = b;
	return 0;
}

/* out += alpha La^T N Lb (all n, n). */
static void
sandwich(struct dsmoother *s, double *out, const double *La, const double *N,
	const double *Lb, double alpha)
{
	size_t n = s->n;

	dmat_mul(s->t1, N, Lb, n, n, n, 0, 0, 1, 0);
	dmat_mul(out, La, s->t1, n, n, n, 1, 0, alpha, 1);
}

/* The prior of record t: (mu0, P0) or predicted from record t-1's
 * filtered moments in the trace; its Pinf too in the period. */
static void
prior(const lgssm *m, const lgssm_trace *tr, size_t t, struct dsmoother *s)
{
	size_t n = m->n;

	if (t == 0) {
		memcpy(s->a, m->mu0, n * sizeof *s->a);
		memcpy(s->Ps, m->P0, n * n * sizeof *s->Ps);
	} else {
		dmat_unpack(s->Pf, tr->slots + tr->slot[t - 1] * tr->slot_len, n);
		lgssm_predict(m, tr->mu_filt + (t - 1) * n, s->Pf, s->a, s->Ps,
		    s->w);
	}
	if (t < tr->ndiffuse)
		memcpy(s->Pi, tr->pinf + t * n * n, n * n * sizeof *s->Pi);
}

/* Visit record t after the period: smoothed from its filtered moments
 * and r0, N0 there. */
static int
visit_filtered(const lgssm_trace *tr, size_t t, struct dsmoother *s,
	lgssm_visit visit, void *ctx)
{
	size_t n = s->n;

	dmat_unpack(s->Pf, tr->slots + tr->slot[t] * tr->slot_len, n);
	dmat_mv(s->mu, s->Pf, s->r0, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->mu[i] += tr->mu_filt[t * n + i];
	memcpy(s->V, s->Pf, n * n * sizeof *s->V);
	dmat_mul(s->V + n * n, s->N0, s->Pf, n, n, n, 0, 0, 1, 0);
	dmat_mul(s->V, s->Pf, s->V + n * n, n, n, n, 0, 0, -1, 1);
	dmat_symmetrise(s->V, n);
	return visit(ctx, t, s->mu, s->V, NULL);
}

/* r0, N0 from the filtered point of record t (after the period) back
 * to its prior: r0 = C_o^T S^{-1} e + L^T r0, N0 = C_o^T S^{-1} C_o +
 * L^T N0 L with L = I - K C_o. 0 or -1. */
static int
back_through_record(const lgssm *m, const lgssm_trace *tr, size_t t,
	struct dsmoother *s, kv_err *err)
{
	size_t n = m->n, p = m->p, k;
	lgssm_work *w = s->w;

	prior(m, tr, t, s);
	if (lgssm_update(m, tr->x + t * p, tr->rvar ? tr->rvar + t * p : NULL,
	    s->a, s->Ps, s->mu, s->Pf, NULL, NULL, w, err) != 0)
		return -1;
	if ((k = w->k) == 0)
		return 0;
	memcpy(s->u, w->e, k * sizeof *s->u);
	dmat_chol_solve(w->S, k, s->u, 1);
	dmat_mv(s->g, w->K, s->r0, k, n, 1);
	for (size_t r = 0; r < k; r++)
		s->u[r] -= s->g[r];
	dmat_mv(s->mu, w->Cp, s->u, n, k, 1);
	for (size_t i = 0; i < n; i++)
		s->r0[i] += s->mu[i];
	dmat_eye(s->L0, n);
	dmat_mul(s->L0, w->K, w->Cp, n, k, n, 0, 0, -1, 1);
	memset(s->M0, 0, n * n * sizeof *s->M0);
	sandwich(s, s->M0, s->L0, s->N0, s->L0, 1);
	memcpy(s->X, w->Cp, k * n * sizeof *s->X);
	dmat_chol_solve(w->S, k, s->X, n);
	dmat_mul(s->M0, w->Cp, s->X, n, k, n, 1, 0, 1, 1);
	memcpy(s->N0, s->M0, n * n * sizeof *s->N0);
	return 0;
}

/* L0 = I - K0 z, L1 = -K1 z for component r of the period. */
static void
component_gains(struct dsmoother *s, size_t r)
{
	const struct lgssm_delems *d = s->de;
	size_t n = s->n;
	const double *z = d->z + r * n, *Ms = d->Mstar + r * n,
	    *Mi = d->Minf + r * n;
	double fi = d->Finf[r], fs = d->Fstar[r];

	dmat_eye(s->L0, n);
	memset(s->L1, 0, n * n * sizeof *s->L1);
	for (size_t i = 0; i < n; i++) {
		double k0 = fi > 0 ? Mi[i] / fi : Ms[i] / fs;
		double k1 = fi > 0 ? Ms[i] / fi - Mi[i] * fs / (fi * fi) : 0;
		for (size_t j = 0; j < n; j++) {
			s->L0[i * n + j] -= k0 * z[j];
			s->L1[i * n + j] = -k1 * z[j];
		}
	}
}

/* Back over component r of a record of the period (Koopman and Durbin
 * 2000): with F_inf > 0, r1 = z^T v / F_inf + L0^T r1 + L1^T r0,
 * r0 = L0^T r0, N2 = z^T z F2 + L0^T N2 L0 + L0^T N1 L1 + L1^T N1^T L0
 * + L1^T N0 L1, N1 = z^T z / F_inf + L0^T N1 L0 + L1^T N0 L0, N0 =
 * L0^T N0 L0 (F2 = -F_* / F_inf^2); else with F_* > 0 the ordinary step
 * on r0, N0, and N1 = N1 L0. */
static void
back_through_component(struct dsmoother *s, size_t r)
{
	const struct lgssm_delems *d = s->de;
	size_t n = s->n, nn = n * n;
	const double *z = d->z + r * n;
	double fi = d->Finf[r], fs = d->Fstar[r], v = d->v[r];

	if (fi == 0 && fs == 0)
		return;
	component_gains(s, r);
	memset(s->M0, 0, 3 * nn * sizeof *s->M0);
	if (fi > 0) {
		double f2 = -fs / (fi * fi);
		dmat_mv(s->mu, s->L0, s->r1, n, n, 1);
		dmat_mv(s->V, s->L1, s->r0, n, n, 1);
		for (size_t i = 0; i < n; i++)
			s->r1[i] = z[i] * v / fi + s->mu[i] + s->V[i];
		dmat_mv(s->mu, s->L0, s->r0, n, n, 1);
		memcpy(s->r0, s->mu, n * sizeof *s->r0);
		sandwich(s, s->M2, s->L0, s->N2, s->L0, 1);
		sandwich(s, s->M2, s->L0, s->N1, s->L1, 1);
		dmat_mul(s->t1, s->N1, s->L0, n, n, n, 1, 0, 1, 0);
		dmat_mul(s->M2, s->L1, s->t1, n, n, n, 1, 0, 1, 1);
		sandwich(s, s->M2, s->L1, s->N0, s->L1, 1);
		sandwich(s, s->M1, s->L0, s->N1, s->L0, 1);
		sandwich(s, s->M1, s->L1, s->N0, s->L0, 1);
		sandwich(s, s->M0, s->L0, s->N0, s->L0, 1);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				s->M2[i * n + j] += z[i] * z[j] * f2;
				s->M1[i * n + j] += z[i] * z[j] / fi;
			}
		memcpy(s->N2, s->M2, nn * sizeof *s->N2);
	} else {
		dmat_mv(s->mu, s->L0, s->r0, n, n, 1);
		for (size_t i = 0; i < n; i++)
			s->r0[i] = z[i] * v / fs + s->mu[i];
		sandwich(s, s->M0, s->L0, s->N0, s->L0, 1);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				s->M0[i * n + j] += z[i] * z[j] / fs;
		dmat_mul(s->M1, s->N1, s->L0, n, n, n, 0, 0, 1, 0);
	}
	memcpy(s->N1, s->M1, nn * sizeof *s->N1);
	memcpy(s->N0, s->M0, nn * sizeof *s->N0);
}

/* Record t of the period: its components again from its prior, back
 * over them, and its smoothed moments. 0 or -1. */
static int
diffuse_record(const lgssm *m, const lgssm_trace *tr, size_t t,
	struct dsmoother *s, lgssm_visit visit, void *ctx, kv_err *err)
{
	size_t n = m->n, nn = n * n, p = m->p;
	double *Ps = s->M0, *Pi = s->M1;

	prior(m, tr, t, s);
	memcpy(s->mu, s->a, n * sizeof *s->mu);
	memcpy(Ps, s->Ps, nn * sizeof *Ps);
	memcpy(Pi, s->Pi, nn * sizeof *Pi);
	if (lgssm_diffuse_update(m, tr->x + t * p, tr->rvar ? tr->rvar + t * p :
	    NULL, s->mu, Ps, Pi, NULL, NULL, s->de, s->w, err) != 0)
		return -1;
	for (size_t r = s->de->k; r-- > 0;)
		back_through_component(s, r);
	/* mean a + P_* r0 + Pinf r1 */
	memcpy(s->mu, s->a, n * sizeof *s->mu);
	dmat_mv(s->V, s->Ps, s->r0, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->mu[i] += s->V[i];
	dmat_mv(s->V, s->Pi, s->r1, n, n, 0);
	for (size_t i = 0; i < n; i++)
		s->mu[i] += s->V[i];
	/* covariance P_* - P_* N0 P_* - X - X^T - Pinf N2 Pinf */
	memcpy(s->V, s->Ps, nn * sizeof *s->V);
	sandwich(s, s->V, s->Ps, s->N0, s->Ps, -1);
	sandwich(s, s->V, s->Pi, s->N2, s->Pi, -1);
	dmat_mul(s->t1, s->N1, s->Ps, n, n, n, 0, 0, 1, 0);
	dmat_mul(s->M2, s->Pi, s->t1, n, n, n, 0, 0, 1, 0);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			s->V[i * n + j] -= s->M2[i * n + j] + s->M2[j * n + i];
	dmat_symmetrise(s->V, n);
	return visit(ctx, t, s->mu, s->V, NULL);
}

/* From a record's prior to the filtered point of the record before:
 * r = A^T r, N = A^T N A for each. */
static void
back_through_transition(const lgssm *m, struct dsmoother *s, int diffuse)
{
	size_t n = m->n, nn = n * n;
	double *r[] = { s->r0, s->r1 }, *N[] = { s->N0, s->N1, s->N2 };

	for (int k = 0; k < (diffuse ? 2 : 1); k++) {
		dmat_mv(s->mu, m->A, r[k], n, n, 1);
		memcpy(r[k], s->mu, n * sizeof *s->mu);
	}
	for (int k = 0; k < (diffuse ? 3 : 1); k++) {
		memset(s->M0, 0, nn * sizeof *s->M0);
		sandwich(s, s->M0, m->A, N[k], m->A, 1);
		memcpy(N[k], s->M0, nn * sizeof *s->M0);
	}
}

/* Records d..T-1 after the period, by the backward recursions of r0
 * and N0 themselves; leaves them at the filtered point of record d-1. */
static int
after_period_rn(const lgssm *m, const lgssm_trace *tr, struct dsmoother *s,
	lgssm_visit visit, void *ctx, kv_err *err)
{
	int rc = 0;

	for (size_t t = tr->T; rc == 0 && t-- > tr->ndiffuse;) {
		if ((rc = visit_filtered(tr, t, s, visit, ctx)) != 0)
			break;
		if (back_through_record(m, tr, t, s, err) != 0)
			return kv_err_prefix(err, "record %zu", t + 1);
		back_through_transition(m, s, t == tr->ndiffuse);
	}
	return rc;
}

/* The ordinary smoother (RTS, with its steady state and second thread)
 * takes the records after the period, visiting them through this, which
 * keeps the smoothed moments of record d, the first after it, and stops
 * the pass when it reaches the period. */
struct handover {
	lgssm_visit visit;
	void *ctx;
	size_t d, n;
	double *mu, *V;
};

#define HANDOVER_STOP 0x4b564145	/* the pass reached the period */

static int
handover_visit(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct handover *h = ctx;

	if (t < h->d)
		return HANDOVER_STOP;
	if (t == h->d) {
		memcpy(h->mu, mu, h->n * sizeof *mu);
		memcpy(h->V, P, h->n * h->n * sizeof *P);
	}
	return h->visit(h->ctx, t, mu, P, P_cross);
}

static int handover_allowed = 1;

int
lgssm_diffuse_handover(int on)
{
	int old = handover_allowed;

	handover_allowed = on;
	return old;
}

/* Whether record d's prior covariance P (the predicted one; s->a, s->Ps)
 * is safely positive definite, its Cholesky factor then in s->Pf: the
 * handover inverts it. */
static int
handover_ready(const lgssm *m, const lgssm_trace *tr, struct dsmoother *s)
{
	size_t n = m->n;
	double lo = INFINITY, hi = 0;

	prior(m, tr, tr->ndiffuse, s);
	memcpy(s->Pf, s->Ps, n * n * sizeof *s->Pf);
	if (dmat_chol(s->Pf, n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		lo = fmin(lo, s->Pf[i * n + i]);
		hi = fmax(hi, s->Pf[i * n + i]);
	}
	return lo * lo > 1e-6 * hi * hi;
}

/* Records d..T-1 by the ordinary smoother, then r0 = P^{-1} (mu_s - a),
 * N0 = P^{-1} (P - V_s) P^{-1} at record d's prior (a, P) from its
 * smoothed moments (mu_s, V_s), and on to the filtered point of d-1. */
static int
after_period_rts(const lgssm *m, const lgssm_trace *tr, struct dsmoother *s,
	lgssm_visit visit, void *ctx, kv_err *err)
{
	size_t n = m->n, nn = n * n;
	double *X = s->V, *Y = s->V + nn;
	struct handover h = { visit, ctx, tr->ndiffuse, n, s->mu, s->M2 };
	int rc = lgssm_smooth_rts(m, tr, handover_visit, &h, 0, err);

	if (rc != HANDOVER_STOP)
		return rc;
	for (size_t i = 0; i < n; i++)
		s->r0[i] = s->mu[i] - s->a[i];
	dmat_chol_solve(s->Pf, n, s->r0, 1);
	for (size_t i = 0; i < nn; i++)
		X[i] = s->Ps[i] - s->M2[i];
	dmat_chol_solve(s->Pf, n, X, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			Y[i * n + j] = X[j * n + i];
	dmat_chol_solve(s->Pf, n, Y, n);
	memcpy(s->N0, Y, nn * sizeof *s->N0);
	dmat_symmetrise(s->N0, n);
	back_through_transition(m, s, 1);
	return 0;
}

int
lgssm_smooth_diffuse(const lgssm *m, const lgssm_trace *tr,
	lgssm_visit visit, void *ctx, int cross, kv_err *err)
{
	size_t T = tr->T, d = tr->ndiffuse;
	struct dsmoother s;
	int rc = 0;

	if (cross)
		return kv_errf(err, "cross-covariances are not available "
		    "with diffuse initial states; give P0 instead");
	if (tr->diffuse_open)
		return kv_errf(err, "the diffuse period did not end by record "
		    "%zu: the data do not identify the initial state; give a "
		    "P0 for the states they leave open", T);
	if (ds_alloc(&s, m->n, m->p, err) != 0)
		return -1;
	lgssm_work_model(s.w, m);
	if (d < T && handover_allowed && handover_ready(m, tr, &s))
		rc = after_period_rts(m, tr, &s, visit, ctx, err);
	else if (d < T)
		rc = after_period_rn(m, tr, &s, visit, ctx, err);
	for (size_t t = d; rc == 0 && t-- > 0;) {
		rc = diffuse_record(m, tr, t, &s, visit, ctx, err);
		if (rc == 0 && t > 0)
			back_through_transition(m, &s, 1);
	}
	ds_free(&s);
	return rc;
}
