/* stats.c: expected sufficient statistics and Fisher-identity
 * gradients, see stats.h. */
#include "lgssm/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"

int
lgssm_stats_init(lgssm_stats *s, size_t n, size_t p, kv_err *err)
{
	double *b;

	memset(s, 0, sizeof *s);
	b = calloc(5 * n * n + p * n + p * p + n, sizeof *b);
	if ((s->block = b) == NULL)
		return kv_errf(err, "out of memory");
	s->n = n;
	s->p = p;
	s->S11 = b;	b += n * n;
	s->S00 = b;	b += n * n;
	s->S10 = b;	b += n * n;
	s->Szz = b;	b += n * n;
	s->E1 = b;	b += n * n;
	s->Sxz = b;	b += p * n;
	s->Sxx = b;	b += p * p;
	s->m1 = b;
	return 0;
}

void
lgssm_stats_clear(lgssm_stats *s)
{
	size_t n = s->n, p = s->p;

	memset(s->block, 0, (5 * n * n + p * n + p * p + n) * sizeof *s->block);
	s->nseq = s->ntrans = s->nrec = 0;
	s->loglik = 0;
}

void
lgssm_stats_free(lgssm_stats *s)
{
	free(s->block);
	memset(s, 0, sizeof *s);
}

/* The smoother's visitor: state of one sequence's pass. */
struct acc {
	lgssm_stats *s;
	const lgssm *m;
	const double *x;	/* (T, p) */
	double *gx;		/* (T, p) or NULL */
	const double *Rf;	/* (p, p) Cholesky factor of R (for gx) */
	double *mu_next;	/* (n) E[z_{t+1}] from the previous visit */
	double *Ezz, *H, *Exz, *Exx, *G, *Roo, *xhat, *r;
	size_t *obs, *mis;
	double *block;
};

static int
acc_alloc(struct acc *a, size_t n, size_t p, kv_err *err)
{
	double *b = malloc((2 * n + n * n + 2 * p * n + 3 * p * p + 2 * p) *
	    sizeof *b);

	a->obs = malloc(2 * p * sizeof *a->obs);
	if ((a->block = b) == NULL || a->obs == NULL) {
		free(b);
		free(a->obs);
		a->block = NULL;
		a->obs = NULL;
		return kv_errf(err, "out of memory");
	}
	a->mis = a->obs + p;
	a->mu_next = b;	b += 2 * n;
	a->Ezz = b;	b += n * n;
	a->H = b;	b += p * n;
	a->Exz = b;	b += p * n;
	a->Exx = b;	b += p * p;
	a->G = b;	b += p * p;
	a->Roo = b;	b += p * p;
	a->xhat = b;	b += p;
	a->r = b;
	return 0;
}

/* E[x_t], E[x_t z_t^T], E[x_t x_t^T] with the missing components
 * latent (see the header): fills a->xhat, a->Exz, a->Exx. 0, or -1 when
 * memory runs out. */
static int
complete_x(struct acc *a, const double *x, const double *mu, const double *P)
{
	const lgssm *m = a->m;
	size_t n = m->n, p = m->p, k = 0, u = 0;
	double *H = a->H, *G = a->G;

	for (size_t i = 0; i < p; i++) {
		if (isnan(x[i]))
			a->mis[u++] = i;
		else
			a->obs[k++] = i;
	}
	for (size_t r = 0; r < k; r++)
		a->xhat[a->obs[r]] = x[a->obs[r]];
	if (u > 0) {
		/* G^T = R_oo^{-1} R_om (k, u); H = C_m - G C_o (u, n) */
		for (size_t r = 0; r < k; r++) {
			for (size_t s = 0; s < k; s++)
				a->Roo[r * k + s] = m->R[a->obs[r] * p + a->obs[s]];
			for (size_t s = 0; s < u; s++)
				G[r * u + s] = m->R[a->obs[r] * p + a->mis[s]];
		}
		/* R is positive semi-definite: where R_oo is singular its
		 * pseudo-inverse gives the same conditional (psd.c) */
		if (k > 0 && lgssm_psd_solve(a->Roo, k, G, u) != 0)
			return -1;
		for (size_t s = 0; s < u; s++) {
			double g = 0;
			for (size_t j = 0; j < n; j++) {
				double h = m->C[a->mis[s] * n + j];
				for (size_t r = 0; r < k; r++)
					h -= G[r * u + s] * m->C[a->obs[r] * n + j];
				H[s * n + j] = h;
			}
			for (size_t r = 0; r < k; r++)
				g += G[r * u + s] * x[a->obs[r]];
			/* E[x_m] = H mu + g */
			for (size_t j = 0; j < n; j++)
				g += H[s * n + j] * mu[j];
			a->xhat[a->mis[s]] = g;
		}
	}
	/* E[x z^T] = xhat mu^T, plus H P on the missing rows */
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < n; j++)
			a->Exz[i * n + j] = a->xhat[i] * mu[j];
	for (size_t s = 0; s < u; s++)
		for (size_t l = 0; l < n; l++) {
			double h = H[s * n + l];
			for (size_t j = 0; j < n; j++)
				a->Exz[a->mis[s] * n + j] += h * P[l * n + j];
		}
	/* E[x x^T] = xhat xhat^T, plus H P H^T + R_mm - G R_om on the
	 * missing block */
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < p; j++)
			a->Exx[i * p + j] = a->xhat[i] * a->xhat[j];
	for (size_t s = 0; s < u; s++)
		for (size_t q = 0; q < u; q++) {
			double v = m->R[a->mis[s] * p + a->mis[q]];
			for (size_t r = 0; r < k; r++)
				v -= G[r * u + s] * m->R[a->obs[r] * p + a->mis[q]];
			/* (H P H^T)[s][q]: H P is the missing row of Exz minus
			 * xhat mu^T */
			for (size_t j = 0; j < n; j++)
				v += (a->Exz[a->mis[s] * n + j] -
				    a->xhat[a->mis[s]] * mu[j]) * H[q * n + j];
			a->Exx[a->mis[s] * p + a->mis[q]] += v;
		}
	return 0;
}

/* d log p / d x_o = -(R^{-1} (xhat - C mu))_o */
static void
grad_x(struct acc *a, const double *x, const double *mu, double *gx)
{
	const lgssm *m = a->m;
	size_t n = m->n, p = m->p;

	dmat_mv(a->r, m->C, mu, p, n, 0);
	for (size_t i = 0; i < p; i++)
		a->r[i] = a->xhat[i] - a->r[i];
	dmat_chol_solve(a->Rf, p, a->r, 1);
	for (size_t i = 0; i < p; i++)
		if (!isnan(x[i]))
			gx[i] -= a->r[i];
}

static int
accumulate(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct acc *a = ctx;
	lgssm_stats *s = a->s;
	size_t n = s->n, p = s->p;
	const double *x = a->x + t * p;

	/* E[z_t z_t^T] = P + mu mu^T */
	memcpy(a->Ezz, P, n * n * sizeof *P);
	dmat_mul(a->Ezz, mu, mu, n, 1, n, 0, 0, 1, 1);
	for (size_t i = 0; i < n * n; i++)
		s->Szz[i] += a->Ezz[i];
	if (P_cross != NULL) {
		/* the pair (z_{t+1}, z_t): E[z_{t+1} z_t^T] = P_cross +
		 * mu_{t+1} mu_t^T */
		dmat_mul(s->S10, a->mu_next, mu, n, 1, n, 0, 0, 1, 1);
		for (size_t i = 0; i < n * n; i++) {
			s->S10[i] += P_cross[i];
			s->S00[i] += a->Ezz[i];
		}
	}
	if (t > 0)
		for (size_t i = 0; i < n * n; i++)
			s->S11[i] += a->Ezz[i];
	else {
		for (size_t i = 0; i < n; i++)
			s->m1[i] += mu[i];
		for (size_t i = 0; i < n * n; i++)
			s->E1[i] += a->Ezz[i];
	}
	if (complete_x(a, x, mu, P) != 0)
		return 1;
	for (size_t i = 0; i < p * n; i++)
		s->Sxz[i] += a->Exz[i];
	for (size_t i = 0; i < p * p; i++)
		s->Sxx[i] += a->Exx[i];
	if (a->gx != NULL)
		grad_x(a, x, mu, a->gx + t * p);
	memcpy(a->mu_next, mu, n * sizeof *mu);
	return 0;
}

int
lgssm_stats_add(lgssm_stats *s, const lgssm *m, const double *x, size_t T,
	double *gx, kv_err *err)
{
	size_t n = m->n, p = m->p;
	struct acc a = { .s = s, .m = m, .x = x, .gx = gx };
	double *Rf = NULL;
	lgssm_filter f;
	lgssm_trace tr = { 0 };
	int rc = -1;

	if (T == 0)
		return 0;
	if (acc_alloc(&a, n, p, err) != 0)
		return -1;
	if (gx != NULL) {
		if ((Rf = malloc(p * p * sizeof *Rf)) == NULL) {
			free(a.block);
			free(a.obs);
			return kv_errf(err, "out of memory");
		}
		memcpy(Rf, m->R, p * p * sizeof *Rf);
		if (dmat_chol(Rf, p) != 0) {
			free(Rf);
			free(a.block);
			free(a.obs);
			return kv_errf(err, "R is singular: the gradient with "
			    "respect to the observations needs it positive "
			    "definite");
		}
		a.Rf = Rf;
	}
	if (lgssm_filter_init(&f, m, 0, err) == 0) {
		int vrc = -1;
		if (lgssm_filter_trace(&f, x, NULL, T, &tr, err) == 0 &&
		    (vrc = lgssm_smooth(m, &tr, accumulate, &a, 1, err)) == 0) {
			s->loglik += tr.loglik;
			s->nseq++;
			s->ntrans += T - 1;
			s->nrec += T;
			rc = 0;
		} else if (vrc > 0)	/* accumulate's: no memory */
			kv_errf(err, "out of memory");
		lgssm_filter_free(&f);
	}
	lgssm_trace_free(&tr);
	free(Rf);
	free(a.block);
	free(a.obs);
	return rc;
}

/* G += 0.5 S^{-1} (E - count S) S^{-1}, the gradient of
 * sum -0.5 (log det S + tr(S^{-1} e e^T)) with sum e e^T = E over count
 * terms. Two Cholesky solves; scratch 2 n^2. */
static int
cov_grad(double *G, const double *S, const double *E, double count,
	size_t n, double *scratch, const char *name, kv_err *err)
{
	double *F = scratch, *X = scratch + n * n;

	memcpy(F, S, n * n * sizeof *F);
	if (dmat_chol(F, n) != 0)
		return kv_errf(err, "%s is not positive definite", name);
	for (size_t i = 0; i < n * n; i++)
		X[i] = E[i] - count * S[i];
	dmat_chol_solve(F, n, X, n);	/* X = S^{-1} (E - cS) */
	for (size_t i = 0; i < n; i++)	/* transpose in place */
		for (size_t j = 0; j < i; j++) {
			double v = X[i * n + j];
			X[i * n + j] = X[j * n + i];
			X[j * n + i] = v;
		}
	dmat_chol_solve(F, n, X, n);	/* X = S^{-1} (E - cS) S^{-1} */
	for (size_t i = 0; i < n * n; i++)
		G[i] += 0.5 * X[i];
	dmat_symmetrise(G, n);
	return 0;
}

/* G += S^{-1} B, B (n, m). */
static int
solve_add(double *G, const double *S, const double *B, size_t n, size_t m,
	double *scratch, kv_err *err)
{
	double *F = scratch, *X = scratch + n * n;

	memcpy(F, S, n * n * sizeof *F);
	if (dmat_chol(F, n) != 0)
		return kv_errf(err, "a noise covariance is not positive "
		    "definite");
	memcpy(X, B, n * m * sizeof *X);
	dmat_chol_solve(F, n, X, m);
	for (size_t i = 0; i < n * m; i++)
		G[i] += X[i];
	return 0;
}

/* E = S11 - S10 A^T - A S10^T + A S00 A^T */
void
lgssm_stats_resid_state(const lgssm_stats *s, const double *A, double *E,
	double *tmp)
{
	size_t n = s->n;

	memcpy(E, s->S11, n * n * sizeof *E);
	dmat_mul(E, s->S10, A, n, n, n, 0, 1, -1, 1);
	dmat_mul(E, A, s->S10, n, n, n, 0, 1, -1, 1);
	dmat_mul(tmp, A, s->S00, n, n, n, 0, 0, 1, 0);
	dmat_mul(E, tmp, A, n, n, n, 0, 1, 1, 1);
	dmat_symmetrise(E, n);
}

/* E = Sxx - C Sxz^T - Sxz C^T + C Szz C^T: sum E[(x_t - C z_t)(..)^T]. */
void
lgssm_stats_resid_obs(const lgssm_stats *s, const double *C, double *E,
	double *tmp)
{
	size_t n = s->n, p = s->p;

	memcpy(E, s->Sxx, p * p * sizeof *E);
	dmat_mul(E, C, s->Sxz, p, n, p, 0, 1, -1, 1);
	dmat_mul(E, s->Sxz, C, p, n, p, 0, 1, -1, 1);
	dmat_mul(tmp, C, s->Szz, p, n, n, 0, 0, 1, 0);
	dmat_mul(E, tmp, C, p, n, p, 0, 1, 1, 1);
	dmat_symmetrise(E, p);
}

int
lgssm_stats_grad(const lgssm_stats *s, const lgssm *m, lgssm *g,
	kv_err *err)
{
	size_t n = m->n, p = m->p, big = n > p ? n : p;
	double *b = malloc((4 * big * big + n) * sizeof *b);
	double *E, *B, *scratch, *d;
	double ns = (double)s->nseq;
	int rc = -1;

	if (b == NULL)
		return kv_errf(err, "out of memory");
	E = b;
	B = E + big * big;
	scratch = B + big * big;
	d = scratch + 2 * big * big;
	/* mu0, P0: sum over sequences of E[(z_1 - mu0)(z_1 - mu0)^T] =
	 * E1 - m1 mu0^T - mu0 m1^T + nseq mu0 mu0^T */
	for (size_t i = 0; i < n; i++)
		d[i] = s->m1[i] - ns * m->mu0[i];
	memcpy(E, s->E1, n * n * sizeof *E);
	dmat_mul(E, s->m1, m->mu0, n, 1, n, 0, 0, -1, 1);
	dmat_mul(E, m->mu0, s->m1, n, 1, n, 0, 0, -1, 1);
	dmat_mul(E, m->mu0, m->mu0, n, 1, n, 0, 0, ns, 1);
	if (solve_add(g->mu0, m->P0, d, n, 1, scratch, err) != 0 ||
	    cov_grad(g->P0, m->P0, E, ns, n, scratch, "P0", err) != 0)
		goto done;
	/* A: Q^{-1} (S10 - A S00); Q from the state residuals */
	memcpy(B, s->S10, n * n * sizeof *B);
	dmat_mul(B, m->A, s->S00, n, n, n, 0, 0, -1, 1);
	if (solve_add(g->A, m->Q, B, n, n, scratch, err) != 0)
		goto done;
	lgssm_stats_resid_state(s, m->A, E, B);
	if (cov_grad(g->Q, m->Q, E, (double)s->ntrans, n, scratch, "Q",
	    err) != 0)
		goto done;
	/* C: R^{-1} (Sxz - C Szz); R from the observation residuals */
	memcpy(B, s->Sxz, p * n * sizeof *B);
	dmat_mul(B, m->C, s->Szz, p, n, n, 0, 0, -1, 1);
	if (solve_add(g->C, m->R, B, p, n, scratch, err) != 0)
		goto done;
	lgssm_stats_resid_obs(s, m->C, E, B);
	if (cov_grad(g->R, m->R, E, (double)s->nrec, p, scratch, "R",
	    err) != 0)
		goto done;
	rc = 0;
done:
	free(b);
	return rc;
}
