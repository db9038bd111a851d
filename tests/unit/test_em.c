/* test_em: EM for the LGSSM (em.h, em_init.h). From the principal-
 * components start, each iteration does not lower the log-likelihood
 * on data sampled from a known model with gaps; on one long sequence
 * of a 1-D local-level model EM recovers Q and R; errors come back as
 * messages naming the iteration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "check.h"
#include "lgssm/em.h"
#include "lgssm/em_init.h"
#include "lgssm/lgssm.h"

/* The log-likelihoods reported, in order. */
struct trace {
	double ll[1024];
	size_t iter[1024];
	size_t n, stop_at;
};

static int
record(void *ctx, size_t iteration, double loglik)
{
	struct trace *t = ctx;

	if (t->n < 1024) {
		t->ll[t->n] = loglik;
		t->iter[t->n++] = iteration;
	}
	return t->stop_at != 0 && iteration == t->stop_at ? 7 : 0;
}

/* nseq sequences of T records of m, laid end to end, with every
 * `gap`-th value missing (0: none). */
static double *
sample(const lgssm *m, size_t nseq, size_t T, size_t gap, unsigned long seed)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *x = malloc(nseq * T * m->p * sizeof *x);

	gsl_rng_set(rng, seed);
	for (size_t s = 0; s < nseq; s++)
		lgssm_sample(m, rng, T, NULL, x + s * T * m->p, NULL);
	if (gap > 0)
		for (size_t i = 3; i < nseq * T * m->p; i += gap)
			x[i] = NAN;
	gsl_rng_free(rng);
	return x;
}

/* The bats test's model: a damped rotation seen through 3 channels. */
static void
rotation_model(lgssm *m)
{
	static const double A[] = { 0.95, 0.2, -0.2, 0.95 };
	static const double C[] = { 1, 0, 0.5, 1, 0, 1 };

	lgssm_alloc(m, 2, 3, NULL);
	memcpy(m->A, A, sizeof A);
	memcpy(m->C, C, sizeof C);
	m->Q[0] = m->Q[3] = 0.1;
	m->R[0] = m->R[4] = m->R[8] = 0.5;
	m->P0[0] = m->P0[3] = 1;
}

static void
test_monotone(void)
{
	enum { NSEQ = 10, T = 200, K = 60 };
	size_t lens[NSEQ];
	lgssm truth, m;
	struct trace tr = { .n = 0 };
	lgssm_em_fit_opts o = { .iterations = K, .tol = 0, .report = record,
	    .ctx = &tr };
	double *x, ll_true = 0, ll, worst = 0;
	lgssm_em_result res;
	size_t at = 0;
	kv_err err;
	int rc;

	rotation_model(&truth);
	x = sample(&truth, NSEQ, T, 13, 3);
	for (size_t i = 0; i < NSEQ; i++)
		lens[i] = T;
	rc = lgssm_em_init_pca(&m, x, NSEQ * T, 3, 2, 1, &err);
	CHECK(rc == 0 && m.n == 2 && m.p == 3, "PCA start for n = 2, p = 3 "
	    "validates%s%s", rc ? ": " : "", rc ? err.msg : "");
	if (rc != 0)
		goto out;
	rc = lgssm_em_fit(&m, x, lens, NSEQ, &o, &res, &err);
	ll = res.loglik;
	CHECK(rc == 0 && tr.n == K + 1 && tr.iter[0] == 0 && tr.iter[K] == K &&
	    ll == tr.ll[K], "%d iterations with tol 0: %zu reports, 0 to %d, "
	    "the last one returned (%s)", K, tr.n, K, rc ? err.msg : "ok");
	CHECK(res.iterations == K && !res.converged, "the cap ended it: %zu "
	    "M-steps, converged %d", res.iterations, res.converged);
	for (size_t k = 1; k < tr.n; k++) {
		double drop = (tr.ll[k - 1] - tr.ll[k]) / fabs(tr.ll[k - 1]);
		if (drop > worst) {
			worst = drop;
			at = k;
		}
	}
	CHECK(worst <= 1e-10, "log-likelihood never decreases: largest "
	    "relative drop %.3g (at iteration %zu), tolerance 1e-10", worst, at);
	CHECK(tr.ll[tr.n - 1] > tr.ll[0] + 100, "EM gains: %.4f from the PCA "
	    "start's %.4f (want more than 100 nats)", tr.ll[tr.n - 1], tr.ll[0]);
	{	/* compare with the true model's log-likelihood */
		struct trace t0 = { .n = 0 };
		lgssm_em_fit_opts o0 = { .iterations = 0, .report = record,
		    .ctx = &t0 };
		lgssm_em_fit(&truth, x, lens, NSEQ, &o0, &res, &err);
		ll_true = res.loglik;
		CHECK(t0.n == 1 && ll > ll_true - 0.01 * NSEQ * T * 3,
		    "fitted log-likelihood %.4f within 0.01 nats per value of "
		    "the true model's %.4f (0 iterations: 1 report, got %zu)",
		    ll, ll_true, t0.n);
	}

	/* stop by the report, and converge by tol */
	lgssm_free(&m);
	lgssm_em_init_pca(&m, x, NSEQ * T, 3, 2, 1, &err);
	tr.n = 0;
	tr.stop_at = 4;
	rc = lgssm_em_fit(&m, x, lens, NSEQ, &o, &res, &err);
	ll = res.loglik;
	CHECK(rc == 7 && tr.n == 5 && ll == tr.ll[4], "a report returning 7 "
	    "after iteration 4 stops the fit with 7 (rc %d, %zu reports)", rc,
	    tr.n);
	lgssm_free(&m);
	lgssm_em_init_pca(&m, x, NSEQ * T, 3, 2, 1, &err);
	tr.n = 0;
	tr.stop_at = 0;
	o.tol = 1e-4;
	o.iterations = 1000;
	rc = lgssm_em_fit(&m, x, lens, NSEQ, &o, &res, &err);
	ll = res.loglik;
	CHECK(rc == 0 && tr.n > 2 && tr.n < 1001 &&
	    tr.ll[tr.n - 1] - tr.ll[tr.n - 2] <= 1e-4 * fabs(tr.ll[tr.n - 1]),
	    "tol 1e-4: stops after %zu reports when the gain %.3g is at most "
	    "1e-4 |loglik|", tr.n, tr.n > 1 ? tr.ll[tr.n - 1] -
	    tr.ll[tr.n - 2] : NAN);
	CHECK(res.converged && res.iterations == tr.n - 1, "tol ended it: "
	    "converged %d after %zu M-steps", res.converged, res.iterations);

	/* more states than observed columns: random loadings, still valid */
	lgssm_free(&m);
	rc = lgssm_em_init_pca(&m, x, NSEQ * T, 3, 5, 1, &err);
	CHECK(rc == 0 && m.n == 5, "PCA start for n = 5 > p = 3 validates%s%s",
	    rc ? ": " : "", rc ? err.msg : "");
out:
	lgssm_free(&m);
	lgssm_free(&truth);
	free(x);
}

static void
test_local_level(void)
{
	enum { T = 20000 };
	const double q = 0.1, r = 1.0;
	lgssm truth, m;
	size_t len = T;
	struct trace tr = { .n = 0 };
	lgssm_em_fit_opts o = { .mstep = { .fixed = 1u << LGSSM_A |
	    1u << LGSSM_C }, .iterations = 1000, .tol = 1e-9,
	    .report = record, .ctx = &tr };
	double *x, worst = 0;
	lgssm_em_result res;
	kv_err err;
	int rc;

	lgssm_alloc(&truth, 1, 1, NULL);
	truth.A[0] = truth.C[0] = 1;
	truth.Q[0] = q;
	truth.R[0] = r;
	truth.P0[0] = 1;
	x = sample(&truth, 1, T, 0, 11);
	lgssm_copy(&m, &truth, NULL);
	m.Q[0] = 10 * q;	/* start far off: Q ten times, R a tenth */
	m.R[0] = 0.1 * r;
	rc = lgssm_em_fit(&m, x, &len, 1, &o, &res, &err);
	for (size_t k = 1; k < tr.n; k++)
		worst = fmax(worst, (tr.ll[k - 1] - tr.ll[k]) / fabs(tr.ll[k - 1]));
	CHECK(rc == 0 && res.converged && worst <= 1e-10, "local level, T = %d, "
	    "from Q = %g, R = %g: converged (tol 1e-9) after %zu iterations, "
	    "largest relative drop %.3g (tolerance 1e-10)%s%s", T, 10 * q,
	    0.1 * r, tr.n - 1, worst, rc ? ": " : "", rc ? err.msg : "");
	CHECK(m.A[0] == 1 && m.C[0] == 1, "A and C kept as given");
	/* The estimates' spread over 12 seeds was some 4% (Q) and 1% (R). */
	CHECK(check_near(m.Q[0], q, 0.15, 0), "Q recovered: %.5f, true %g, "
	    "tolerance 15%% relative", m.Q[0], q);
	CHECK(check_near(m.R[0], r, 0.04, 0), "R recovered: %.5f, true %g, "
	    "tolerance 4%% relative", m.R[0], r);
	lgssm_free(&m);
	lgssm_free(&truth);
	free(x);
}

static void
test_errors(void)
{
	double x[] = { 1, 2, 3 };
	size_t lens[] = { 1, 1, 1 };
	lgssm m;
	lgssm_em_fit_opts o = { .iterations = 5 };
	kv_err err = { "" };
	int rc;

	lgssm_alloc(&m, 1, 1, NULL);
	m.A[0] = m.C[0] = m.Q[0] = m.R[0] = m.P0[0] = 1;
	rc = lgssm_em_fit(&m, x, lens, 3, &o, NULL, &err);
	CHECK(rc == -1 && strstr(err.msg, "iteration 1: M-step: A and Q need "
	    "sequences of 2 or more records") != NULL, "sequences of one "
	    "record: the M-step's error, naming the iteration: %s", err.msg);
	o.mstep.fixed = 1u << LGSSM_A | 1u << LGSSM_Q;
	rc = lgssm_em_fit(&m, x, lens, 3, &o, NULL, &err);
	CHECK(rc == 0, "the same with A and Q fixed fits (%s)",
	    rc ? err.msg : "ok");
	lgssm_free(&m);
}

int
main(void)
{
	test_monotone();
	test_local_level();
	test_errors();
	return check_done();
}
