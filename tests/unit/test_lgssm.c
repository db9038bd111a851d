/* test_lgssm: the Kalman filter and RTS smoother against dense Gaussian
 * conditioning of all states and observations (brute force), the scalar
 * random walk's closed-form steady-state gain, Fisher-identity gradients
 * against finite differences, and sampling moments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

#include "check.h"
#include "linalg/dmat.h"
#include "lgssm/lgssm.h"
#include "lgssm/stats.h"

/* A random model: stable A, random C, correlated SPD Q, R, P0. */
static void
random_spd(double *S, size_t n, gsl_rng *rng, double scale)
{
	double *B = malloc(n * n * sizeof *B);

	for (size_t i = 0; i < n * n; i++)
		B[i] = gsl_ran_gaussian(rng, 1.0);
	dmat_mul(S, B, B, n, n, n, 0, 1, scale / (double)n, 0);
	for (size_t i = 0; i < n; i++)
		S[i * n + i] += 0.3 * scale;
	dmat_symmetrise(S, n);
	free(B);
}

static void
random_model(lgssm *m, size_t n, size_t p, gsl_rng *rng)
{
	lgssm_alloc(m, n, p, NULL);
	for (size_t i = 0; i < n * n; i++)
		m->A[i] = 0.5 * gsl_ran_gaussian(rng, 1.0) / sqrt((double)n);
	for (size_t i = 0; i < n; i++)
		m->A[i * n + i] += 0.6;
	for (size_t i = 0; i < p * n; i++)
		m->C[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < n; i++)
		m->mu0[i] = gsl_ran_gaussian(rng, 1.0);
	random_spd(m->Q, n, rng, 0.5);
	random_spd(m->R, p, rng, 0.7);
	random_spd(m->P0, n, rng, 2.0);
}

/* The joint Gaussian of z (T n) and x (T p), dense. */
struct joint {
	size_t N;		/* T (n + p) */
	double *mean;		/* (N) */
	double *cov;		/* (N, N) */
};

static size_t zi(size_t t, size_t i, size_t n) { return t * n + i; }

static void
joint_build(struct joint *J, const lgssm *m, size_t T)
{
	size_t n = m->n, p = m->p, Nz = T * n, N = T * (n + p);
	double *Czz = calloc(Nz * Nz, sizeof *Czz), *tmp = malloc(n * n *
	    sizeof *tmp);

	J->N = N;
	J->mean = calloc(N, sizeof *J->mean);
	J->cov = calloc(N * N, sizeof *J->cov);
	/* state means and covariances: Var(z_t), Cov(z_t, z_s) = A Cov(z_{t-1}, z_s) */
	memcpy(J->mean, m->mu0, n * sizeof *J->mean);
	for (size_t t = 1; t < T; t++)
		dmat_mv(J->mean + t * n, m->A, J->mean + (t - 1) * n, n, n, 0);
	for (size_t t = 0; t < T; t++) {
		for (size_t s = 0; s < t; s++)	/* Cov(z_t, z_s) */
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++) {
					double v = 0;
					for (size_t l = 0; l < n; l++)
						v += m->A[i * n + l] *
						    Czz[zi(t - 1, l, n) * Nz + zi(s, j, n)];
					Czz[zi(t, i, n) * Nz + zi(s, j, n)] = v;
					Czz[zi(s, j, n) * Nz + zi(t, i, n)] = v;
				}
		/* Var(z_t) = A Var(z_{t-1}) A^T + Q, or P0 */
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double v;
				if (t == 0)
					v = m->P0[i * n + j];
				else {
					v = m->Q[i * n + j];
					for (size_t l = 0; l < n; l++)
						v += m->A[i * n + l] *
						    Czz[zi(t - 1, l, n) * Nz + zi(t, j, n)];
				}
				tmp[i * n + j] = v;
			}
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				Czz[zi(t, i, n) * Nz + zi(t, j, n)] = tmp[i * n + j];
	}
	/* fill the joint: [z; x] with x_t = C z_t + v_t */
	for (size_t a = 0; a < N; a++)
		for (size_t b = 0; b < N; b++) {
			int ax = a >= Nz, bx = b >= Nz;
			size_t ta = ax ? (a - Nz) / p : a / n, ia = ax ? (a - Nz) % p : a % n;
			size_t tb = bx ? (b - Nz) / p : b / n, ib = bx ? (b - Nz) % p : b % n;
			double v = 0;
			for (size_t l = 0; l < (ax ? n : 1); l++)
				for (size_t q = 0; q < (bx ? n : 1); q++) {
					double ca = ax ? m->C[ia * n + l] : 1;
					double cb = bx ? m->C[ib * n + q] : 1;
					size_t ra = ax ? zi(ta, l, n) : a;
					size_t rb = bx ? zi(tb, q, n) : b;
					v += ca * cb * Czz[ra * Nz + rb];
				}
			if (ax && bx && ta == tb)
				v += m->R[ia * p + ib];
			J->cov[a * N + b] = v;
		}
	for (size_t t = 0; t < T; t++)
		dmat_mv(J->mean + Nz + t * p, m->C, J->mean + t * n, p, n, 0);
	free(Czz);
	free(tmp);
}

/* Condition z on the observed x entries of records 0..upto-1: posterior
 * mean (T n), covariance (T n, T n), log N(x_o). */
static double
joint_condition(const struct joint *J, const lgssm *m, const double *x,
	size_t T, size_t upto, double *mu, double *P)
{
	size_t n = m->n, p = m->p, Nz = T * n, k = 0;
	size_t *o = malloc(T * p * sizeof *o);
	double logl = 0;

	for (size_t t = 0; t < upto; t++)
		for (size_t i = 0; i < p; i++)
			if (!isnan(x[t * p + i]))
				o[k++] = t * p + i;
	gsl_matrix *Soo = gsl_matrix_alloc(k ? k : 1, k ? k : 1);
	gsl_matrix *Szo = gsl_matrix_alloc(Nz, k ? k : 1);
	gsl_vector *e = gsl_vector_alloc(k ? k : 1);
	for (size_t r = 0; r < k; r++) {
		for (size_t s = 0; s < k; s++)
			gsl_matrix_set(Soo, r, s, J->cov[(Nz + o[r]) * J->N + Nz + o[s]]);
		for (size_t a = 0; a < Nz; a++)
			gsl_matrix_set(Szo, a, r, J->cov[a * J->N + Nz + o[r]]);
		gsl_vector_set(e, r, x[o[r]] - J->mean[Nz + o[r]]);
	}
	memcpy(mu, J->mean, Nz * sizeof *mu);
	for (size_t a = 0; a < Nz; a++)
		for (size_t b = 0; b < Nz; b++)
			P[a * Nz + b] = J->cov[a * J->N + b];
	if (k > 0) {
		gsl_vector *w = gsl_vector_alloc(k), *col = gsl_vector_alloc(k);
		double quad = 0, logdet = 0;
		gsl_linalg_cholesky_decomp1(Soo);
		gsl_linalg_cholesky_solve(Soo, e, w);
		for (size_t r = 0; r < k; r++) {
			quad += gsl_vector_get(e, r) * gsl_vector_get(w, r);
			logdet += 2 * log(gsl_matrix_get(Soo, r, r));
		}
		logl = -0.5 * ((double)k * log(2 * M_PI) + logdet + quad);
		for (size_t a = 0; a < Nz; a++)
			for (size_t r = 0; r < k; r++)
				mu[a] += gsl_matrix_get(Szo, a, r) * gsl_vector_get(w, r);
		for (size_t b = 0; b < Nz; b++) {
			for (size_t r = 0; r < k; r++)
				gsl_vector_set(col, r, gsl_matrix_get(Szo, b, r));
			gsl_linalg_cholesky_solve(Soo, col, w);
			for (size_t a = 0; a < Nz; a++) {
				double v = 0;
				for (size_t r = 0; r < k; r++)
					v += gsl_matrix_get(Szo, a, r) * gsl_vector_get(w, r);
				P[a * Nz + b] -= v;
			}
		}
		gsl_vector_free(w);
		gsl_vector_free(col);
	}
	gsl_matrix_free(Soo);
	gsl_matrix_free(Szo);
	gsl_vector_free(e);
	free(o);
	return logl;
}

static void
block(double *dst, const double *P, size_t Nz, size_t r0, size_t c0,
	size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			dst[i * n + j] = P[(r0 + i) * Nz + c0 + j];
}

/* Filter, smoother and log-likelihood against the dense reference. */
/* The singular models test_dense also takes (issue: textbook models). */
enum { REGULAR, Q_RANK_N1, Q_RANK_N2, PRED_SINGULAR, R_ZERO };

/* States that have no noise of their own (Q's last rows and columns
 * zero); with PRED_SINGULAR also A's last row, so that the last state
 * is 0 from record 2 on and every P_pred is singular; or R = 0. */
static void
make_singular(lgssm *m, int kind)
{
	size_t n = m->n, p = m->p, k = kind == Q_RANK_N2 ? 2 : 1;

	if (kind == R_ZERO) {
		memset(m->R, 0, p * p * sizeof *m->R);
		return;
	}
	if (kind == REGULAR)
		return;
	for (size_t i = n - k; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			m->Q[i * n + j] = m->Q[j * n + i] = 0;
			if (kind == PRED_SINGULAR)
				m->A[i * n + j] = 0;
		}
}

static void
test_dense(const char *what, size_t n, size_t p, size_t T, int diagR,
	unsigned long seed, int kind)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t Nz = T * n;
	lgssm m;
	struct joint J;
	lgssm_filter f;
	lgssm_moments mo;
	double *x = malloc(T * p * sizeof *x), *mu = malloc(Nz * sizeof *mu);
	double *P = malloc(Nz * Nz * sizeof *P), *ref = malloc(n * n * sizeof *ref);
	double ll_ref = 0;
	char name[160];
	kv_err err;

	gsl_rng_set(rng, seed);
	random_model(&m, n, p, rng);
	make_singular(&m, kind);
	if (diagR)
		for (size_t i = 0; i < p; i++)
			for (size_t j = 0; j < p; j++)
				if (i != j)
					m.R[i * p + j] = 0;
	lgssm_sample(&m, rng, T, NULL, x, &err);
	/* a fully missing record and partial ones */
	for (size_t i = 0; i < p; i++)
		x[2 * p + i] = NAN;
	x[4 * p + 0] = NAN;
	if (p > 2)
		x[(T - 1) * p + p - 1] = NAN;
	joint_build(&J, &m, T);
	CHECK(lgssm_filter_init(&f, &m, 0, &err) == 0, "%s: filter init", what);
	double worst_mu = 0, worst_P = 0, ll_last = 0;
	int ok = 1;
	for (size_t t = 0; t < T; t++) {
		lgssm_filter_step(&f, x + t * p, NULL, &err);
		ll_last = joint_condition(&J, &m, x, T, t + 1, mu, P);
		for (size_t i = 0; i < n; i++) {
			double w = mu[t * n + i], g = f.mu_filt[i];
			worst_mu = fmax(worst_mu, fabs(g - w) / (1e-12 + fabs(w)));
			ok &= check_near(g, w, 1e-9, 1e-12);
		}
		block(ref, P, Nz, t * n, t * n, n);
		for (size_t i = 0; i < n * n; i++) {
			worst_P = fmax(worst_P, fabs(f.P_filt[i] - ref[i]) /
			    (1e-12 + fabs(ref[i])));
			ok &= check_near(f.P_filt[i], ref[i], 1e-9, 1e-12);
		}
	}
	CHECK(ok, "%s: filtered means and covariances, every record, vs dense "
	    "conditioning: worst rel diff %.3g, %.3g (rtol 1e-9)", what,
	    worst_mu, worst_P);
	CHECK_NEAR("dense: filter log-likelihood", f.loglik, ll_last, 1e-9, 0);
	ll_ref = joint_condition(&J, &m, x, T, T, mu, P);
	CHECK(lgssm_smooth_all(&m, x, NULL, T, &mo, &err) == 0, "%s: smooth", what);
	snprintf(name, sizeof name, "%s: smoothed means", what);
	CHECK_ARRAY(name, mo.mu, mu, Nz, 1e-9, 1e-12);
	double *Ps = malloc(T * n * n * sizeof *Ps), *Pc = malloc(T * n * n *
	    sizeof *Pc);
	for (size_t t = 0; t < T; t++) {
		block(Ps + t * n * n, P, Nz, t * n, t * n, n);
		if (t + 1 < T)
			block(Pc + t * n * n, P, Nz, (t + 1) * n, t * n, n);
	}
	snprintf(name, sizeof name, "%s: smoothed covariances", what);
	CHECK_ARRAY(name, mo.P, Ps, T * n * n, 1e-9, 1e-12);
	snprintf(name, sizeof name, "%s: lag-one cross-covariances "
	    "Cov(z_t+1, z_t | x)", what);
	CHECK_ARRAY(name, mo.P_cross, Pc, (T - 1) * n * n, 1e-9, 1e-12);
	snprintf(name, sizeof name, "%s: log-likelihood", what);
	CHECK_NEAR(name, mo.loglik, ll_ref, 1e-9, 0);
	free(Ps);
	free(Pc);
	lgssm_moments_free(&mo);
	lgssm_filter_free(&f);
	free(J.mean);
	free(J.cov);
	free(x);
	free(mu);
	free(P);
	free(ref);
	lgssm_free(&m);
	gsl_rng_free(rng);
}

/* Scalar random walk: steady-state P_pred = (q + sqrt(q^2 + 4 q r)) / 2,
 * gain K = P / (P + r); the steady-state filter within 1e-9 of the full. */
static void
test_random_walk(void)
{
	double q = 0.3, r = 2.0, P = (q + sqrt(q * q + 4 * q * r)) / 2;
	size_t T = 3000;
	lgssm m;
	lgssm_filter full, ss;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *x = malloc(T * sizeof *x), worst = 0;
	kv_err err;

	gsl_rng_set(rng, 5);
	lgssm_alloc(&m, 1, 1, NULL);
	m.A[0] = m.C[0] = 1;
	m.Q[0] = q;
	m.R[0] = r;
	m.P0[0] = 10;
	lgssm_sample(&m, rng, T, NULL, x, &err);
	lgssm_filter_init(&full, &m, 0, &err);
	lgssm_filter_init(&ss, &m, 1, &err);
	for (size_t t = 0; t < T; t++) {
		lgssm_filter_step(&full, x + t, NULL, &err);
		lgssm_filter_step(&ss, x + t, NULL, &err);
		worst = fmax(worst, fabs(full.mu_filt[0] - ss.mu_filt[0]));
	}
	CHECK_NEAR("random walk: converged P_pred vs closed form",
	    full.P_pred[0], P, 1e-12, 0);
	CHECK(ss.converged, "random walk: steady state reached after %zu of "
	    "%zu records", T - ss.steady_steps, T);
	CHECK_NEAR("random walk: steady gain vs closed form P/(P+r)", ss.K[0],
	    P / (P + r), 1e-12, 0);
	CHECK(worst < 1e-9, "random walk: steady-state filter vs full: worst "
	    "|diff| %.3g (tol 1e-9)", worst);
	CHECK_NEAR("random walk: steady-state log-likelihood", ss.loglik,
	    full.loglik, 1e-12, 0);
	lgssm_filter_free(&full);
	lgssm_filter_free(&ss);
	lgssm_free(&m);
	free(x);
	gsl_rng_free(rng);
}

/* Keep the smoothed moments of a steady-state trace. */
struct keep_all {
	size_t n;
	double *mu, *P;
};

static int
keep_means(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct keep_all *k = ctx;

	(void)P_cross;
	if (P != NULL)
		return -1;	/* a means-only smoother gives no covariance */
	memcpy(k->mu + t * k->n, mu, k->n * sizeof *mu);
	return 0;
}

static int
keep_all(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct keep_all *k = ctx;

	(void)P_cross;
	memcpy(k->mu + t * k->n, mu, k->n * sizeof *mu);
	memcpy(k->P + t * k->n * k->n, P, k->n * k->n * sizeof *P);
	return 0;
}

/* A random model m (n, p) and T records drawn from it (returned, to
 * free), from the generator seeded with seed. */
static double *
sampled(lgssm *m, size_t n, size_t p, size_t T, unsigned long seed)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *x = malloc(T * p * sizeof *x);
	kv_err err;

	gsl_rng_set(rng, seed);
	random_model(m, n, p, rng);
	lgssm_sample(m, rng, T, NULL, x, &err);
	gsl_rng_free(rng);
	return x;
}

/* The steady-state trace (shared covariances, means-only smoother steps
 * once converged) against the full recursions. */
static void
test_steady_smoother(void)
{
	size_t n = 3, p = 2, T = 1500;
	lgssm m;
	double *x = sampled(&m, n, p, T, 21);
	lgssm_filter f;
	lgssm_trace tr = { 0 };
	lgssm_moments mo;
	struct keep_all k = { .n = n };
	kv_err err;

	x[700 * p] = NAN;	/* leaves and re-enters the steady state */
	k.mu = malloc(T * n * sizeof *k.mu);
	k.P = malloc(T * n * n * sizeof *k.P);
	lgssm_smooth_all(&m, x, NULL, T, &mo, &err);
	lgssm_filter_init(&f, &m, 1, &err);
	int ok = lgssm_filter_trace(&f, x, NULL, T, &tr, &err) == 0 &&
	    lgssm_smooth(&m, &tr, keep_all, &k, 0, &err) == 0;
	CHECK(ok, "steady-state trace and smoother");
	CHECK(tr.nslots < T / 4, "steady state shares covariances: %zu "
	    "distinct for %zu records", tr.nslots, T);
	CHECK_ARRAY("steady-state smoothed means vs full", k.mu, mo.mu, T * n,
	    0, 1e-9);
	CHECK_ARRAY("steady-state smoothed covariances vs full", k.P, mo.P,
	    T * n * n, 0, 1e-9);
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
	lgssm_moments_free(&mo);
	lgssm_free(&m);
	free(k.mu);
	free(k.P);
	free(x);
}

static double
loglik_of(const lgssm *m, const double *x, size_t T)
{
	lgssm_filter f;
	kv_err err;
	double ll;

	lgssm_filter_init(&f, m, 0, &err);
	for (size_t t = 0; t < T; t++)
		lgssm_filter_step(&f, x + t * m->p, NULL, &err);
	ll = f.loglik;
	lgssm_filter_free(&f);
	return ll;
}

/* Fisher-identity gradients against central differences. */
static void
test_grad(void)
{
	size_t n = 3, p = 3, T = 7, rows, cols;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *x = malloc(T * p * sizeof *x), *gx = calloc(T * p, sizeof *gx);
	double h = 1e-5;
	lgssm m, g;
	lgssm_stats s;
	kv_err err;

	gsl_rng_set(rng, 11);
	random_model(&m, n, p, rng);
	lgssm_sample(&m, rng, T, NULL, x, &err);
	x[1 * p + 0] = NAN;
	x[3 * p + 1] = x[3 * p + 2] = NAN;
	for (size_t i = 0; i < p; i++)
		x[5 * p + i] = NAN;
	lgssm_alloc(&g, n, p, NULL);
	lgssm_stats_init(&s, n, p, NULL);
	CHECK(lgssm_stats_add(&s, &m, x, T, gx, &err) == 0 &&
	    lgssm_stats_grad(&s, &m, &g, &err) == 0, "gradient computed");
	for (int k = 0; k < LGSSM_NPARAM; k++) {
		double *v = lgssm_param(&m, k, &rows, &cols);
		double *gv = lgssm_param(&g, k, &rows, &cols);
		int sym = k == LGSSM_Q || k == LGSSM_R || k == LGSSM_P0;
		size_t N = rows * cols;
		double *got = malloc(N * sizeof *got), *fd = malloc(N * sizeof *fd);
		char name[96];
		for (size_t a = 0; a < N; a++) {
			size_t i = a / cols, j = a % cols, b = j * cols + i;
			double save = v[a], save_b = v[b], up, down;
			/* symmetric matrices: move [i][j] and [j][i] together */
			v[a] = save + h;
			if (sym && b != a) v[b] = save_b + h;
			up = loglik_of(&m, x, T);
			v[a] = save - h;
			if (sym && b != a) v[b] = save_b - h;
			down = loglik_of(&m, x, T);
			v[a] = save;
			v[b] = save_b;
			fd[a] = (up - down) / (2 * h);
			got[a] = gv[a] + (sym && b != a ? gv[b] : 0);
		}
		snprintf(name, sizeof name, "d log p / d %s vs central "
		    "differences (h %g)", lgssm_param_name[k], h);
		CHECK_ARRAY(name, got, fd, N, 1e-5, 1e-6);
		free(got);
		free(fd);
	}
	double *fd = malloc(T * p * sizeof *fd);
	for (size_t a = 0; a < T * p; a++) {
		double save = x[a], up, down;
		if (isnan(save)) {
			fd[a] = 0;
			continue;
		}
		x[a] = save + h;
		up = loglik_of(&m, x, T);
		x[a] = save - h;
		down = loglik_of(&m, x, T);
		x[a] = save;
		fd[a] = (up - down) / (2 * h);
	}
	CHECK_ARRAY("d log p / d x_t (observed entries; 0 where missing) vs "
	    "central differences", gx, fd, T * p, 1e-5, 1e-6);
	CHECK_NEAR("statistics' log-likelihood = filter's", s.loglik,
	    loglik_of(&m, x, T), 1e-12, 0);
	free(fd);
	lgssm_stats_free(&s);
	lgssm_free(&g);
	lgssm_free(&m);
	free(x);
	free(gx);
	gsl_rng_free(rng);
}

/* Sample mean and covariance of x_2 over many draws vs the model's. */
static void
test_sample(void)
{
	size_t n = 2, p = 2, T = 2, N = 40000;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	lgssm m;
	double x[4], mean[2] = { 0 }, cov[4] = { 0 }, want_mean[2], want[4];
	double z1[2], V1[4], tmp[4];
	kv_err err;

	gsl_rng_set(rng, 3);
	random_model(&m, n, p, rng);
	for (size_t s = 0; s < N; s++) {
		lgssm_sample(&m, rng, T, NULL, x, &err);
		for (size_t i = 0; i < 2; i++) {
			mean[i] += x[2 + i] / (double)N;
			for (size_t j = 0; j < 2; j++)
				cov[i * 2 + j] += x[2 + i] * x[2 + j] / (double)N;
		}
	}
	for (size_t i = 0; i < 4; i++)
		cov[i] -= mean[i / 2] * mean[i % 2];
	/* E x_2 = C A mu0; Var x_2 = C (A P0 A^T + Q) C^T + R */
	dmat_mv(z1, m.A, m.mu0, 2, 2, 0);
	dmat_mv(want_mean, m.C, z1, 2, 2, 0);
	dmat_mul(tmp, m.A, m.P0, 2, 2, 2, 0, 0, 1, 0);
	memcpy(V1, m.Q, sizeof V1);
	dmat_mul(V1, tmp, m.A, 2, 2, 2, 0, 1, 1, 1);
	dmat_mul(tmp, m.C, V1, 2, 2, 2, 0, 0, 1, 0);
	memcpy(want, m.R, sizeof want);
	dmat_mul(want, tmp, m.C, 2, 2, 2, 0, 1, 1, 1);
	CHECK_ARRAY("sampling: mean of x_2 over 40000 draws", mean, want_mean,
	    2, 0, 0.08);
	CHECK_ARRAY("sampling: covariance of x_2 over 40000 draws", cov, want,
	    4, 0.05, 0.05);
	lgssm_free(&m);
	gsl_rng_free(rng);
}

/* Keep everything a smoother gives, cross-covariances included; stop
 * (returning 7) at record stop_at if that is below T. */
struct keep_cross {
	size_t n, stop_at;
	double *mu, *P, *Pc;
};

static int
keep_cross(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct keep_cross *k = ctx;
	size_t n = k->n;

	if (t == k->stop_at)
		return 7;
	memcpy(k->mu + t * n, mu, n * sizeof *mu);
	memcpy(k->P + t * n * n, P, n * n * sizeof *P);
	if (P_cross != NULL)
		memcpy(k->Pc + t * n * n, P_cross, n * n * sizeof *P);
	else
		memset(k->Pc + t * n * n, 0, n * n * sizeof *P);
	return 0;
}

static void
keep_cross_alloc(struct keep_cross *k, size_t n, size_t T)
{
	k->n = n;
	k->stop_at = (size_t)-1;
	k->mu = malloc(T * n * sizeof *k->mu);
	k->P = malloc(T * n * n * sizeof *k->P);
	k->Pc = malloc(T * n * n * sizeof *k->Pc);
}

static void
keep_cross_free(struct keep_cross *k)
{
	free(k->mu);
	free(k->P);
	free(k->Pc);
}

/* Filter and smooth x (T, p) under m on `threads` threads into k (the
 * trace filled twice, so that its memory is reused); the smoother's
 * return value. */
static int
smooth_on(const lgssm *m, const double *x, size_t T, int threads,
	int steady, struct keep_cross *k, kv_err *err)
{
	lgssm_filter f;
	lgssm_trace tr = { .threads = threads };
	int rc;

	lgssm_filter_init(&f, m, steady, err);
	rc = lgssm_filter_trace(&f, x, NULL, T / 3, &tr, err);
	if (rc == 0)
		rc = lgssm_filter_trace(&f, x, NULL, T, &tr, err);
	if (rc == 0)
		rc = lgssm_smooth(m, &tr, keep_cross, k, 1, err);
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
	return rc;
}

/* The RTS pass with its gains computed on a second thread (ahead_thread.h)
 * against the same pass on one: the same bits, with missing records,
 * with and without the steady state, for several state sizes; the same
 * error for a prediction that is not positive definite; and a visitor
 * that stops early stops the worker too. */
static void
test_threaded_smoother(void)
{
	size_t dims[][3] = { { 4, 2, 300 }, { 16, 5, 300 }, { 21, 7, 200 } };
	kv_err e1, e2;

	for (size_t c = 0; c < sizeof dims / sizeof dims[0]; c++)
	for (int steady = 0; steady < 2; steady++) {
		size_t n = dims[c][0], p = dims[c][1], T = dims[c][2];
		lgssm m;
		double *x = sampled(&m, n, p, T, 40 + c);
		struct keep_cross a, b;
		char name[100];

		for (size_t t = 3; t < T; t += 11)
			x[t * p] = NAN;
		for (size_t i = 0; i < p; i++)
			x[(T / 2) * p + i] = NAN;
		keep_cross_alloc(&a, n, T);
		keep_cross_alloc(&b, n, T);
		CHECK(smooth_on(&m, x, T, 1, steady, &a, &e1) == 0 &&
		    smooth_on(&m, x, T, 2, steady, &b, &e2) == 0,
		    "n=%zu steady %d: smoothed on one and on two threads", n,
		    steady);
		snprintf(name, sizeof name, "n=%zu steady %d: two threads: "
		    "means", n, steady);
		CHECK_ARRAY(name, b.mu, a.mu, T * n, 0, 0);
		snprintf(name, sizeof name, "n=%zu steady %d: two threads: "
		    "covariances", n, steady);
		CHECK_ARRAY(name, b.P, a.P, T * n * n, 0, 0);
		snprintf(name, sizeof name, "n=%zu steady %d: two threads: "
		    "cross-covariances", n, steady);
		CHECK_ARRAY(name, b.Pc, a.Pc, T * n * n, 0, 0);
		b.stop_at = T / 2;
		CHECK(smooth_on(&m, x, T, 2, steady, &b, &e2) == 7,
		    "n=%zu steady %d: a visitor's stop stops the worker", n,
		    steady);
		keep_cross_free(&a);
		keep_cross_free(&b);
		lgssm_free(&m);
		free(x);
	}
	/* z_2 = z_1 without noise: every P_pred is singular (the gains by
	 * the pseudo-inverse, psd.c), while the filter, observing z_1 among
	 * others, carries on (n = 4: gains computed eight at once,
	 * gain_lanes.h). The smoothed moments must keep the constraint
	 * z_2,t = z_1,t-1: equal means, and Var(z_2,t - z_1,t-1) = 0. */
	for (size_t n = 4; n <= 16; n += 12) {
		lgssm m;
		double *x = sampled(&m, n, 3, 300, 50);
		struct keep_cross a, b;
		double worst_mu = 0, worst_var = 0, scale = 0;
		char name[100];

		dmat_eye(m.A, n);
		m.A[1 * n + 1] = 0;
		m.A[1 * n + 0] = 1;
		for (size_t j = 0; j < n; j++)	/* z_1 and z_2 noiseless */
			m.Q[j] = m.Q[j * n] = m.Q[1 * n + j] = m.Q[j * n + 1] = 0;
		/* data from this model (the random one's may grow without
		 * bound, and with them the rounding), drawn through Q's
		 * eigenvectors (lgssm_sample) */
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(rng, 51);
		CHECK(lgssm_sample(&m, rng, 300, NULL, x, &e1) == 0,
		    "n=%zu: samples from a singular Q", n);
		gsl_rng_free(rng);
		keep_cross_alloc(&a, n, 300);
		keep_cross_alloc(&b, n, 300);
		CHECK(smooth_on(&m, x, 300, 1, 0, &a, &e1) == 0 &&
		    smooth_on(&m, x, 300, 2, 0, &b, &e2) == 0,
		    "n=%zu: singular predictions smooth on one thread and on "
		    "two: '%s' / '%s'", n, e1.msg, e2.msg);
		snprintf(name, sizeof name, "n=%zu singular P_pred: two "
		    "threads: covariances", n);
		CHECK_ARRAY(name, b.P, a.P, 300 * n * n, 0, 0);
		for (size_t t = 1; t < 300; t++) {
			const double *P1 = a.P + (t - 1) * n * n;
			const double *P2 = a.P + t * n * n;
			/* Cov(z_t, z_t-1): row 1 (z_2,t), column 0 (z_1,t-1) */
			double c = a.Pc[(t - 1) * n * n + 1 * n + 0];
			worst_mu = fmax(worst_mu, fabs(a.mu[t * n + 1] -
			    a.mu[(t - 1) * n + 0]));
			worst_var = fmax(worst_var, fabs(P2[1 * n + 1] +
			    P1[0] - 2 * c));
			scale = fmax(scale, P1[0]);
		}
		CHECK(worst_mu < 1e-9 && worst_var < 1e-9 * scale, "n=%zu: "
		    "smoothed z_2,t = z_1,t-1 (worst %.3g) with Var(z_2,t - "
		    "z_1,t-1) = 0 (worst %.3g, Var(z_1) up to %.3g)", n,
		    worst_mu, worst_var, scale);
		keep_cross_free(&a);
		keep_cross_free(&b);
		lgssm_free(&m);
		free(x);
	}
}

/* The log-likelihood of x (T, p) under m by the streaming filter. */
static double
filter_loglik(const lgssm *m, const double *x, size_t T, int steady)
{
	lgssm_filter f;
	double ll = NAN;
	kv_err err;

	lgssm_filter_init(&f, m, steady, &err);
	for (size_t t = 0; t < T; t++)
		if (lgssm_filter_step(&f, x + t * m->p, NULL, &err) != 0)
			break;
	if (f.t == T)
		ll = f.loglik;
	lgssm_filter_free(&f);
	return ll;
}

/* The means-only smoother's means of x (T, p) under m into mu (T, n). */
static int
means_only_on(const lgssm *m, const double *x, size_t T, int steady,
	double *mu)
{
	lgssm_filter f;
	lgssm_trace tr = { .means_only = 1 };
	struct keep_all k = { .n = m->n, .mu = mu };
	kv_err err;
	int rc;

	lgssm_filter_init(&f, m, steady, &err);
	rc = lgssm_filter_trace(&f, x, NULL, T, &tr, &err);
	if (rc == 0)
		rc = lgssm_smooth(m, &tr, keep_means, &k, 0, &err);
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
	return rc;
}

/* Small models (n <= 4) run the recursions with their sizes constants
 * and dmat's loops inlined (lib/lgssm/filter_small.c): against the same
 * recursions through dmat's functions (dmat_set_blas(0)), the same bits,
 * for the RTS and the means-only smoother, with records missing in whole
 * and in part, more components observed than states, and the steady
 * state. */
static void
test_small_models(void)
{
	size_t dims[][2] = { { 1, 1 }, { 1, 3 }, { 2, 2 }, { 3, 2 }, { 3, 5 },
	    { 4, 2 }, { 4, 4 } };
	kv_err e1, e2;

	for (size_t c = 0; c < sizeof dims / sizeof dims[0]; c++)
	for (int steady = 0; steady < 2; steady++) {
		size_t n = dims[c][0], p = dims[c][1], T = 200;
		lgssm m;
		double *x = sampled(&m, n, p, T, 60 + c), ll1, ll2;
		double *mu1 = malloc(T * n * sizeof *mu1);
		double *mu2 = malloc(T * n * sizeof *mu2);
		struct keep_cross a, b;
		char name[100];

		for (size_t t = 3; t < T; t += 7)
			x[t * p + t % p] = NAN;
		for (size_t i = 0; i < p; i++)
			x[(T / 2) * p + i] = NAN;
		keep_cross_alloc(&a, n, T);
		keep_cross_alloc(&b, n, T);
		ll1 = filter_loglik(&m, x, T, steady);
		CHECK(means_only_on(&m, x, T, steady, mu1) == 0,
		    "n=%zu p=%zu steady %d: means-only smoother", n, p, steady);
		dmat_set_blas(0);
		ll2 = filter_loglik(&m, x, T, steady);
		CHECK(means_only_on(&m, x, T, steady, mu2) == 0,
		    "n=%zu p=%zu steady %d: means-only smoother through dmat's "
		    "functions", n, p, steady);
		CHECK(smooth_on(&m, x, T, 1, steady, &b, &e2) == 0,
		    "n=%zu p=%zu steady %d: smoothed through dmat's functions",
		    n, p, steady);
		dmat_set_blas(-1);
		CHECK(smooth_on(&m, x, T, 1, steady, &a, &e1) == 0,
		    "n=%zu p=%zu steady %d: smoothed", n, p, steady);
		CHECK(ll1 == ll2, "n=%zu p=%zu steady %d: log-likelihood %.17g, "
		    "through dmat's functions %.17g", n, p, steady, ll1, ll2);
		snprintf(name, sizeof name, "n=%zu p=%zu steady %d: smoothed "
		    "means", n, p, steady);
		CHECK_ARRAY(name, a.mu, b.mu, T * n, 0, 0);
		snprintf(name, sizeof name, "n=%zu p=%zu steady %d: means-only "
		    "smoother's means", n, p, steady);
		CHECK_ARRAY(name, mu1, mu2, T * n, 0, 0);
		snprintf(name, sizeof name, "n=%zu p=%zu steady %d: smoothed "
		    "covariances", n, p, steady);
		CHECK_ARRAY(name, a.P, b.P, T * n * n, 0, 0);
		snprintf(name, sizeof name, "n=%zu p=%zu steady %d: "
		    "cross-covariances", n, p, steady);
		CHECK_ARRAY(name, a.Pc, b.Pc, T * n * n, 0, 0);
		keep_cross_free(&a);
		keep_cross_free(&b);
		lgssm_free(&m);
		free(mu1);
		free(mu2);
		free(x);
	}
}

/* The means-only (fast state) smoother of x (T, p) under m, with rvar
 * (or NULL), against the full RTS recursions: with and without the
 * steady state, the trace filled twice (its memory is reused). */
static void
check_means_only(const char *what, const lgssm *m, const double *x,
	const double *rvar, size_t T, double rtol, double atol)
{
	size_t n = m->n;
	lgssm_moments mo;
	kv_err err;

	CHECK(lgssm_smooth_all(m, x, rvar, T, &mo, &err) == 0,
	    "%s: full smoother runs", what);
	for (int steady = 0; steady < 2; steady++) {
		lgssm_filter f;
		lgssm_trace tr = { .means_only = 1 };
		struct keep_all k = { .n = n, .mu = malloc(T * n * sizeof *k.mu) };
		char name[120];
		int ok;

		lgssm_filter_init(&f, m, steady, &err);
		ok = lgssm_filter_trace(&f, x, rvar, T / 2, &tr, &err) == 0 &&
		    lgssm_filter_trace(&f, x, rvar, T, &tr, &err) == 0 &&
		    lgssm_smooth(m, &tr, keep_means, &k, 0, &err) == 0;
		CHECK(ok, "%s: means-only smoother runs (steady %d)", what,
		    steady);
		snprintf(name, sizeof name, "%s: means-only smoothed means vs "
		    "full (steady %d)", what, steady);
		CHECK_ARRAY(name, k.mu, mo.mu, T * n, rtol, atol);
		CHECK(lgssm_smooth(m, &tr, keep_means, &k, 1, &err) != 0,
		    "%s: a means-only trace refuses cross-covariances", what);
		lgssm_trace_free(&tr);
		lgssm_filter_free(&f);
		free(k.mu);
	}
	lgssm_moments_free(&mo);
}

/* The means-only smoother against the full one: partly and fully
 * missing records, per-record variances, an (approximately) diffuse
 * prior on a state only partly observed, and a long constant-velocity
 * track whose transition has a double unit root (the forward recursion
 * mu_t = A mu_{t-1} + Q r_{t-1} must not let rounding grow). */
static void
test_means_only(void)
{
	size_t n = 4, p = 3, T = 900;
	lgssm m;
	double *x, *rvar = malloc(T * p * sizeof *rvar);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	kv_err err;

	/* a stable transition (spectral radius below 1), so that the
	 * states stay of the data's size and relative errors mean what
	 * they say */
	gsl_rng_set(rng, 33);
	random_model(&m, n, p, rng);
	for (size_t i = 0; i < n * n; i++)
		m.A[i] = (i % (n + 1) == 0 ? 0.9 : 0) + 0.1 *
		    gsl_ran_gaussian(rng, 1.0) / (double)n;
	x = malloc(T * p * sizeof *x);
	lgssm_sample(&m, rng, T, NULL, x, &err);

	for (size_t t = 0; t < T; t += 7)
		x[t * p + t % p] = NAN;
	for (size_t i = 0; i < p; i++)
		x[400 * p + i] = x[(T - 1) * p + i] = NAN;
	check_means_only("missing records", &m, x, NULL, T, 1e-12, 1e-10);
	for (size_t i = 0; i < T * p; i++)
		rvar[i] = i % 5 == 0 ? NAN : 0.05 + 0.01 * (double)(i % 11);
	check_means_only("per-record variances", &m, x, rvar, T, 1e-12, 1e-10);
	dmat_eye(m.P0, n);
	for (size_t i = 0; i < n * n; i++)
		m.P0[i] *= 1e7;
	check_means_only("diffuse prior", &m, x + 3 * p, NULL, T - 3, 1e-9, 1e-8);
	lgssm_free(&m);
	free(x);
	free(rvar);
	gsl_rng_free(rng);

	T = 20000;
	lgssm_alloc(&m, 2, 1, NULL);
	m.A[0] = m.A[1] = m.A[3] = 1;	/* position += velocity */
	m.C[0] = 1;
	m.Q[0] = 1e-4;
	m.Q[3] = 1e-6;
	m.R[0] = 0.25;
	m.P0[0] = m.P0[3] = 1e4;
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 34);
	x = malloc(T * sizeof *x);
	lgssm_sample(&m, rng, T, NULL, x, &err);
	gsl_rng_free(rng);
	for (size_t t = 5000; t < 5600; t++)
		x[t] = NAN;
	check_means_only("constant velocity, 20000 records", &m, x, NULL, T,
	    1e-10, 1e-9);
	lgssm_free(&m);
	free(x);
}

/* The loop kernels against the obvious product, every transpose, and
 * OpenBLAS against the loops. */
static void
test_dmat(void)
{
	size_t m = 5, k = 7, n = 3;
	double A[64], B[64], C1[64], C2[64], C3[64], S[49], L[49], X[21], Y[21];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	for (size_t i = 0; i < 64; i++) {
		A[i] = gsl_ran_gaussian(rng, 1.0);
		B[i] = gsl_ran_gaussian(rng, 1.0);
		C1[i] = C2[i] = C3[i] = gsl_ran_gaussian(rng, 1.0);
	}
	for (int t = 0; t < 4; t++) {
		char name[64];
		dmat_mul_ref(C2, A, B, m, k, n, t & 1, t >> 1, 0.7, 0.3);
		dmat_set_blas(1);
		dmat_mul(C3, A, B, m, k, n, t & 1, t >> 1, 0.7, 0.3);
		dmat_set_blas(0);
		dmat_mul(C1, A, B, m, k, n, t & 1, t >> 1, 0.7, 0.3);
		dmat_set_blas(-1);
		snprintf(name, sizeof name, "dmat_mul ta=%d tb=%d loops vs reference",
		    t & 1, t >> 1);
		CHECK_ARRAY(name, C1, C2, m * n, 1e-13, 1e-13);
		snprintf(name, sizeof name, "dmat_mul ta=%d tb=%d OpenBLAS vs "
		    "reference", t & 1, t >> 1);
		CHECK_ARRAY(name, C3, C2, m * n, 1e-13, 1e-13);
	}
	random_spd(S, k, rng, 1.0);
	memcpy(L, S, sizeof L);
	CHECK(dmat_chol(L, k) == 0, "dmat_chol of an SPD matrix");
	for (size_t i = 0; i < k * n; i++)
		X[i] = gsl_ran_gaussian(rng, 1.0);
	for (int blas = 0; blas < 2; blas++) {
		memcpy(Y, X, sizeof Y);
		dmat_set_blas(blas);
		dmat_chol_solve(L, k, Y, n);
		dmat_set_blas(-1);
		dmat_mul_ref(C1, S, Y, k, k, n, 0, 0, 1, 0);
		CHECK_ARRAY(blas ? "dmat_chol_solve (OpenBLAS): S (S^-1 B) = B" :
		    "dmat_chol_solve (loops): S (S^-1 B) = B", C1, X, k * n,
		    1e-12, 1e-12);
	}
	{	/* pack and unpack: the symmetric matrix back */
		double Sp[28], U[49];
		dmat_pack(Sp, S, k);
		dmat_unpack(U, Sp, k);
		CHECK_ARRAY("dmat_unpack (dmat_pack (S)) = S", U, S, k * k, 0, 0);
	}
	for (size_t nn = 1; nn <= DMAT_LDL_MAX; nn += nn < 4 ? 1 : 4) {
		/* L D L^T solves, 2 and 4 right-hand sides and 3 */
		size_t mm = nn == 2 || nn == 4 ? nn : 3;
		double SS[DMAT_LDL_MAX * DMAT_LDL_MAX], FF[DMAT_LDL_MAX *
		    DMAT_LDL_MAX], XX[DMAT_LDL_MAX * 4], YY[DMAT_LDL_MAX * 4],
		    ZZ[DMAT_LDL_MAX * 4];
		char nm[80];

		random_spd(SS, nn, rng, 1.0);
		memcpy(FF, SS, nn * nn * sizeof *FF);
		for (size_t i = 0; i < nn * mm; i++)
			XX[i] = YY[i] = gsl_ran_gaussian(rng, 1.0);
		CHECK(dmat_ldl_solve(FF, nn, YY, mm) == 0, "dmat_ldl_solve "
		    "n=%zu m=%zu", nn, mm);
		dmat_mul_ref(ZZ, SS, YY, nn, nn, mm, 0, 0, 1, 0);
		snprintf(nm, sizeof nm, "dmat_ldl_solve n=%zu m=%zu: "
		    "S (S^-1 B) = B", nn, mm);
		CHECK_ARRAY(nm, ZZ, XX, nn * mm, 1e-12, 1e-12);
		memcpy(FF, SS, nn * nn * sizeof *FF);
		FF[(nn - 1) * nn + nn - 1] = -1;
		CHECK(dmat_ldl_solve(FF, nn, YY, mm) == nn, "dmat_ldl_solve "
		    "n=%zu refuses a negative last pivot", nn);
	}
	{	/* the sizes whose rows the solve holds in registers */
		size_t sizes[][2] = { { 16, 32 }, { 32, 16 }, { 32, 32 },
		    { 29, 16 }, { 13, 5 } };
		for (size_t c = 0; c < 5; c++) {
			size_t nn = sizes[c][0], mm = sizes[c][1];
			double *SS = malloc(nn * nn * sizeof *SS);
			double *LL = malloc(nn * nn * sizeof *LL);
			double *XX = malloc(nn * mm * sizeof *XX);
			double *YY = malloc(nn * mm * sizeof *YY);
			double *ZZ = malloc(nn * mm * sizeof *ZZ);
			char nm[80];

			random_spd(SS, nn, rng, 1.0);
			memcpy(LL, SS, nn * nn * sizeof *LL);
			dmat_chol(LL, nn);	/* checked below */
			for (size_t i = 0; i < nn * mm; i++)
				XX[i] = YY[i] = gsl_ran_gaussian(rng, 1.0);
			dmat_chol_solve(LL, nn, YY, mm);
			dmat_mul_ref(ZZ, SS, YY, nn, nn, mm, 0, 0, 1, 0);
			snprintf(nm, sizeof nm, "dmat_chol_solve n=%zu m=%zu: "
			    "S (S^-1 B) = B", nn, mm);
			CHECK_ARRAY(nm, ZZ, XX, nn * mm, 1e-11, 1e-11);
			free(SS); free(LL); free(XX); free(YY); free(ZZ);
		}
	}
	S[0] = -1;
	CHECK(dmat_chol(S, k) == 1, "dmat_chol refuses a negative pivot");
	gsl_rng_free(rng);
}

/* The size-specialised paths: products whose rows are 2, 4 or 8 long,
 * the matrix-vector product at those sizes, and the row-update Cholesky
 * used from n = 12 on, against the obvious versions. */
static void
test_dmat_sizes(void)
{
	static const size_t sizes[] = { 2, 4, 8, 20, 32 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double A[1024], B[1024], C1[1024], C2[1024], S[1024], L[1024];
	char name[96];

	for (size_t i = 0; i < 1024; i++) {
		A[i] = gsl_ran_gaussian(rng, 1.0);
		B[i] = gsl_ran_gaussian(rng, 1.0);
	}
	for (size_t a = 0; a < 5; a++) {
		size_t n = sizes[a], m = 3, k = 5;
		dmat_set_blas(0);
		dmat_mul(C1, A, B, m, k, n, 0, 0, 1.5, 0);
		dmat_set_blas(-1);
		dmat_mul_ref(C2, A, B, m, k, n, 0, 0, 1.5, 0);
		snprintf(name, sizeof name, "dmat_mul loops, rows of %zu", n);
		CHECK_ARRAY(name, C1, C2, m * n, 1e-13, 1e-13);
		for (int ta = 0; ta < 2; ta++) {
			dmat_mv(C1, A, B, n, k, ta);
			dmat_mul_ref(C2, A, B, n, k, 1, ta, 0, 1, 0);
			snprintf(name, sizeof name, "dmat_mv %zu x %zu ta=%d", n,
			    k, ta);
			CHECK_ARRAY(name, C1, C2, n, 1e-13, 1e-13);
		}
		random_spd(S, n, rng, 1.0);
		memcpy(L, S, n * n * sizeof *L);
		CHECK(dmat_chol(L, n) == 0, "dmat_chol n=%zu", n);
		dmat_mul_ref(C1, L, L, n, n, n, 0, 1, 1, 0);
		snprintf(name, sizeof name, "dmat_chol n=%zu: L L^T = S", n);
		CHECK_ARRAY(name, C1, S, n * n, 1e-12, 1e-12);
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (L[i * n + j] != 0)
					CHECK(0, "dmat_chol n=%zu leaves L[%zu][%zu]",
					    n, i, j);
		S[(n - 1) * n + n - 1] = -1;
		CHECK(dmat_chol(S, n) == n, "dmat_chol n=%zu refuses a "
		    "negative last pivot", n);
	}
	gsl_rng_free(rng);
}

int
main(void)
{
	test_dmat();
	test_dmat_sizes();
	test_dense("dense n=3 p=2 T=6 full R", 3, 2, 6, 0, 1, REGULAR);
	test_dense("dense n=2 p=3 T=7 full R", 2, 3, 7, 0, 2, REGULAR);
	test_dense("dense n=4 p=3 T=5 diagonal R", 4, 3, 5, 1, 3, REGULAR);
	test_dense("dense n=3 p=2 T=6 Q of rank n-1", 3, 2, 6, 0, 4,
	    Q_RANK_N1);
	test_dense("dense n=4 p=3 T=6 Q of rank n-2", 4, 3, 6, 0, 5,
	    Q_RANK_N2);
	test_dense("dense n=3 p=2 T=7 singular P_pred (a noiseless state "
	    "that A zeroes)", 3, 2, 7, 0, 6, PRED_SINGULAR);
	test_dense("dense n=9 p=2 T=6 singular P_pred, gains on the "
	    "plain path", 9, 2, 6, 0, 7, PRED_SINGULAR);
	test_dense("dense n=3 p=2 T=6 R = 0", 3, 2, 6, 0, 8, R_ZERO);
	test_random_walk();
	test_steady_smoother();
	test_means_only();
	test_threaded_smoother();
	test_small_models();
	test_grad();
	test_sample();
	return check_done();
}
