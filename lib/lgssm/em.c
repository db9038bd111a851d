/* em.c: the EM M-step and loop, see em.h. */
#include "lgssm/em.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/dmat.h"

int
lgssm_em_parse_params(const char *list, unsigned allowed, unsigned *bits,
	kv_err *err)
{
	char *copy = strdup(list), *save = NULL, *w;

	if (copy == NULL)
		return kv_errf(err, "out of memory");
	*bits = 0;
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int k;
		for (k = 0; k < LGSSM_NPARAM; k++)
			if (strcmp(w, lgssm_param_name[k]) == 0)
				break;
		if (k == LGSSM_NPARAM || !(allowed & (1u << k))) {
			kv_errf(err, "'%s' is not one of the parameters here",
			    w);
			free(copy);
			return -1;
		}
		*bits |= 1u << k;
	}
	free(copy);
	return 0;
}

/* X (r, d) = B (r, d) S^{-1} for SPD S (d, d): X^T = S^{-1} B^T. */
static int
right_solve(double *X, const double *B, const double *S, size_t r,
	size_t d, double *scratch, const char *what, kv_err *err)
{
	double *F = scratch, *Xt = scratch + d * d;

	memcpy(F, S, d * d * sizeof *F);
	if (dmat_chol(F, d) != 0)
		return kv_errf(err, "M-step: %s is singular (too little data?)",
		    what);
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < d; j++)
			Xt[j * r + i] = B[i * d + j];
	dmat_chol_solve(F, d, Xt, r);
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < d; j++)
			X[i * d + j] = Xt[j * r + i];
	return 0;
}

/* S = E / count, symmetric, optionally only its diagonal. A zero
 * variance in S stays zero with its row and column (a state with no
 * noise of its own, an exact observation): EM cannot move it, since
 * under the model the matching residual is zero, and what rounding
 * would leave there (1e-16, of either sign) is not a variance. */
static void
set_cov(double *S, const double *E, double count, size_t d, int diag)
{
	for (size_t i = 0; i < d; i++)
		for (size_t j = 0; j < d; j++) {
			if (S[i * d + i] == 0 || S[j * d + j] == 0)
				continue;
			S[i * d + j] = diag && i != j ? 0 : E[i * d + j] / count;
		}
	dmat_symmetrise(S, d);
}

int
lgssm_em_mstep(lgssm *m, const lgssm_stats *s, const lgssm_em_opts *o,
	kv_err *err)
{
	size_t n = m->n, p = m->p, big = n > p ? n : p;
	unsigned fx = o->fixed, dg = o->diagonal;
	double *b = malloc(4 * big * big * sizeof *b), *E, *tmp, *scratch;
	int rc = -1;

	if (b == NULL)
		return kv_errf(err, "out of memory");
	E = b;
	tmp = E + big * big;
	scratch = tmp + big * big;
	if (s->ntrans == 0 && !((fx >> LGSSM_A) & (fx >> LGSSM_Q) & 1)) {
		kv_errf(err, "M-step: A and Q need sequences of 2 or more records");
		goto done;
	}
	/* A = S10 S00^{-1}; Q = residual covariance under the new A */
	if (!(fx & 1u << LGSSM_A) && right_solve(m->A, s->S10, s->S00, n, n,
	    scratch, "sum E[z_t-1 z_t-1^T]", err) != 0)
		goto done;
	if (!(fx & 1u << LGSSM_Q)) {
		lgssm_stats_resid_state(s, m->A, E, tmp);
		set_cov(m->Q, E, (double)s->ntrans, n, dg >> LGSSM_Q & 1);
	}
	/* C = Sxz Szz^{-1}; R = residual covariance under the new C */
	if (!(fx & 1u << LGSSM_C) && right_solve(m->C, s->Sxz, s->Szz, p, n,
	    scratch, "sum E[z_t z_t^T]", err) != 0)
		goto done;
	if (!(fx & 1u << LGSSM_R)) {
		lgssm_stats_resid_obs(s, m->C, E, tmp);
		set_cov(m->R, E, (double)s->nrec, p, dg >> LGSSM_R & 1);
	}
	/* mu0 = mean E[z_1]; P0 = mean E[(z_1 - mu0)(z_1 - mu0)^T] */
	if (!(fx & 1u << LGSSM_MU0))
		for (size_t i = 0; i < n; i++)
			m->mu0[i] = s->m1[i] / (double)s->nseq;
	if (!(fx & 1u << LGSSM_P0)) {
		memcpy(E, s->E1, n * n * sizeof *E);
		dmat_mul(E, s->m1, m->mu0, n, 1, n, 0, 0, -1, 1);
		dmat_mul(E, m->mu0, s->m1, n, 1, n, 0, 0, -1, 1);
		dmat_mul(E, m->mu0, m->mu0, n, 1, n, 0, 0, (double)s->nseq, 1);
		set_cov(m->P0, E, (double)s->nseq, n, dg >> LGSSM_P0 & 1);
	}
	rc = lgssm_validate(m, err) == 0 ? 0 :
	    kv_err_prefix(err, "M-step");
done:
	free(b);
	return rc;
}

/* The E-step over every sequence: s from scratch under m. */
static int
estep(lgssm_stats *s, const lgssm *m, const double *x, const size_t *T,
	size_t nseq, kv_err *err)
{
	lgssm_stats_clear(s);
	for (size_t i = 0; i < nseq; x += T[i] * m->p, i++)
		if (lgssm_stats_add(s, m, x, T[i], NULL, err) != 0)
			return kv_err_prefix(err, "sequence %zu", i + 1);
	return 0;
}

int
lgssm_em_fit(lgssm *m, const double *x, const size_t *T, size_t nseq,
	const lgssm_em_fit_opts *o, lgssm_em_result *res, kv_err *err)
{
	lgssm_em_result r = { .loglik = NAN };
	lgssm_stats st;
	double prev = -INFINITY;
	int rc = 0;

	if (lgssm_is_diffuse(m))
		return kv_errf(err, "diffuse initial states: EM estimates P0 "
		    "and needs one to start from (give \"P0\" a value)");
	if (lgssm_stats_init(&st, m->n, m->p, err) != 0)
		return -1;
	for (size_t k = 0; rc == 0; k++) {
		if (estep(&st, m, x, T, nseq, err) != 0) {
			rc = kv_err_prefix(err, "iteration %zu", k);
			break;
		}
		r.loglik = st.loglik;
		r.iterations = k;
		if (o->report != NULL &&
		    (rc = o->report(o->ctx, k, st.loglik)) != 0)
			break;
		if (st.loglik - prev <= o->tol * fabs(st.loglik)) {
			r.converged = 1;
			break;
		}
		if (k == o->iterations)
			break;
		prev = st.loglik;
		if (lgssm_em_mstep(m, &st, &o->mstep, err) != 0)
			rc = kv_err_prefix(err, "iteration %zu", k + 1);
	}
	lgssm_stats_free(&st);
	if (res != NULL)
		*res = r;
	return rc;
}
