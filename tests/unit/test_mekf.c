/* test_mekf: Levinson-Durbin against analytic cases and a dense solve,
 * reversibility, the Riccati fixed point, the fast filter against the
 * reference, and the filter's error on simulated AR + noise against the
 * Riccati steady state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "mefilter/ar_model.h"

static void
test_analytic(void)
{
	double r1[] = { 1, 0.5, 0.25 }, r2[] = { 1, 0.9, 0.81, 0.729 };
	double a[3], k[3], e;
	kv_err err = { "" };

	CHECK(mekf_levdur(a, k, &e, r1, 2, &err) == 0, "levdur r=(1,.5,.25)");
	double want_a1[] = { -0.5, 0 };
	CHECK_ARRAY("r=(1,.5,.25): a (SPTK sign, AR coefficient 0.5)", a,
	    want_a1, 2, 0, 1e-15);
	CHECK_ARRAY("r=(1,.5,.25): reflection k", k, want_a1, 2, 0, 1e-15);
	CHECK_NEAR("r=(1,.5,.25): error variance", e, 0.75, 0, 1e-15);

	CHECK(mekf_levdur(a, k, &e, r2, 3, &err) == 0, "levdur r=(1,.9,...)");
	double want_a2[] = { -0.9, 0, 0 };
	CHECK_ARRAY("r=(1,.9,.81,.729): a", a, want_a2, 3, 0, 1e-14);
	CHECK_NEAR("r=(1,.9,.81,.729): error variance", e, 0.19, 0, 1e-14);
}

static void
test_not_positive_definite(void)
{
	double bad1[] = { 1, 1.2 }, bad2[] = { 1, 0.9, -0.9 }, zero[] = { 0, 0 };
	double a[2], k[2], e;
	kv_err err = { "" };

	CHECK(mekf_levdur(a, k, &e, bad1, 1, &err) != 0 &&
	    strstr(err.msg, "k(1)"), "r=(1,1.2) refused: %s", err.msg);
	CHECK(mekf_levdur(a, k, &e, bad2, 2, &err) != 0 &&
	    strstr(err.msg, "k(2)"), "r=(1,.9,-.9) refused: %s", err.msg);
	CHECK(mekf_levdur(a, k, &e, zero, 1, &err) != 0,
	    "r(0)=0 refused: %s", err.msg);
}

/* Levinson-Durbin against a dense Cholesky solve of R a = -r. */
static void
test_against_dense(gsl_rng *rng)
{
	enum { P = 10 };
	double kk[P], a[P], r[P + 1], a2[P], e;
	kv_err err = { "" };

	for (size_t i = 0; i < P; i++)
		kk[i] = gsl_ran_flat(rng, -0.9, 0.9);
	/* a from reflection coefficients (step-up). */
	for (size_t m = 1; m <= P; m++) {
		double prev[P];
		memcpy(prev, a, (m - 1) * sizeof *a);
		for (size_t i = 1; i < m; i++)
			a[i - 1] = prev[i - 1] + kk[m - 1] * prev[m - i - 1];
		a[m - 1] = kk[m - 1];
	}
	CHECK(mekf_levdur_inverse(r, a, 2.5, P, &err) == 0, "a -> r");
	CHECK(mekf_levdur(a2, NULL, &e, r, P, &err) == 0, "r -> a");
	CHECK_ARRAY("reversibility a -> r -> a (order 10)", a2, a, P, 1e-9,
	    1e-11);
	CHECK_NEAR("reversibility: error variance", e, 2.5, 1e-10, 0);

	gsl_matrix *R = gsl_matrix_alloc(P, P);
	gsl_vector *b = gsl_vector_alloc(P), *x = gsl_vector_alloc(P);
	for (size_t i = 0; i < P; i++) {
		for (size_t j = 0; j < P; j++)
			gsl_matrix_set(R, i, j, r[i > j ? i - j : j - i]);
		gsl_vector_set(b, i, -r[i + 1]);
	}
	int st = gsl_linalg_cholesky_decomp1(R);
	st = st ? st : gsl_linalg_cholesky_solve(R, b, x);
	CHECK(st == 0, "dense Cholesky solve");
	CHECK_ARRAY("levdur vs Cholesky solve of R a = -r", a2, x->data, P,
	    1e-9, 1e-11);
	double e2 = r[0];
	for (size_t i = 0; i < P; i++)
		e2 += x->data[i] * r[i + 1];
	CHECK_NEAR("error variance r0 + a'r vs dense", e, e2, 1e-10, 0);
	gsl_matrix_free(R);
	gsl_vector_free(b);
	gsl_vector_free(x);
}

/* AR(1): the Riccati fixed point P = phi^2 P R/(P+R) + Q in closed form. */
static void
test_riccati_ar1(void)
{
	double phi = 0.8, Q = 1, R = 0.5;
	double r[2] = { Q / (1 - phi * phi) + R, 0 };
	mekf_model m;
	kv_err err = { "" };

	r[1] = phi * (r[0] - R);
	CHECK(mekf_fit_autocorr(&m, r, 0, 1, R, &err) == 0, "AR(1) fit: %s",
	    err.msg);
	CHECK_NEAR("AR(1) a_1", m.a[0], -phi, 1e-12, 1e-12);
	/* P^2 + P (R - phi^2 R - Q) - Q R = 0 */
	double bq = R - phi * phi * R - Q;
	double P = (-bq + sqrt(bq * bq + 4 * Q * R)) / 2;
	CHECK_NEAR("AR(1) steady prior variance vs closed form", m.P_pred_ss,
	    P, 1e-10, 0);
	CHECK_NEAR("AR(1) steady gain vs closed form", m.gain[0],
	    P / (P + R), 1e-10, 0);
	CHECK_NEAR("AR(1) steady error variance P R/(P+R)", m.P_filt_ss,
	    P * R / (P + R), 1e-10, 0);
}

/* An AR(3) model fitted to exact moments, used by the simulations. */
static const double ar3_a[3] = { -1.2, 0.5, -0.1 };

static void
simulate(gsl_rng *rng, double *s, double *y, size_t n, double Q, double R)
{
	double h[3] = { 0 };
	for (size_t t = 0; t < n + 1000; t++) {
		double v = gsl_ran_gaussian(rng, sqrt(Q));
		for (int i = 0; i < 3; i++)
			v -= ar3_a[i] * h[i];
		h[2] = h[1];
		h[1] = h[0];
		h[0] = v;
		if (t >= 1000) {	/* burn-in */
			s[t - 1000] = v + 10;
			y[t - 1000] = v + 10 + gsl_ran_gaussian(rng, sqrt(R));
		}
	}
}

static double
mse(const double *a, const double *b, size_t n, size_t skip)
{
	double s = 0;
	for (size_t t = skip; t < n; t++)
		s += (a[t] - b[t]) * (a[t] - b[t]);
	return s / (double)(n - skip);
}

static void
test_filter(gsl_rng *rng)
{
	enum { N = 200000 };
	double Q = 1, R = 4, r[4];
	double *s = malloc(N * sizeof *s), *y = malloc(N * sizeof *y);
	double *f = malloc(N * sizeof *f), *g = malloc(N * sizeof *g);
	double P[9];
	mekf_model m;
	kv_err err = { "" };

	simulate(rng, s, y, N, Q, R);
	CHECK(mekf_levdur_inverse(r, ar3_a, Q, 3, &err) == 0, "AR(3) moments");
	r[0] += R;
	CHECK(mekf_fit_autocorr(&m, r, 10, 3, R, &err) == 0, "fit: %s",
	    err.msg);
	CHECK(mekf_riccati(&m, P, &err) == 0, "Riccati");

	/* Fixed point: P = A (P - P c c' P / S) A' + Q e e'. */
	double A[9], Pf[9], AP[9], resid = 0, S = P[8] + R;
	mekf_companion(A, m.a, 3);
	for (int i = 0; i < 9; i++)
		Pf[i] = P[i] - P[(i / 3) * 3 + 2] * P[6 + i % 3] / S;
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			AP[i * 3 + j] = 0;
			for (int l = 0; l < 3; l++)
				AP[i * 3 + j] += A[i * 3 + l] * Pf[l * 3 + j];
		}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double v = (i == 2 && j == 2) ? Q : 0;
			for (int l = 0; l < 3; l++)
				v += AP[i * 3 + l] * A[j * 3 + l];
			resid = fmax(resid, fabs(v - P[i * 3 + j]));
		}
	CHECK(resid < 1e-9, "Riccati fixed-point residual %.3g < 1e-9", resid);

	memcpy(f, y, N * sizeof *f);
	memcpy(g, y, N * sizeof *g);
	mekf_filter(&m, f, N, 1, NULL);
	mekf_filter_ref(&m, g, N, 1, NULL);
	CHECK_ARRAY("fast filter vs reference (full matrices)", f, g, N, 1e-12,
	    1e-12);
	double e_true = mse(f, s, N, 100);
	CHECK(fabs(e_true / m.P_filt_ss - 1) < 0.03, "true model: output MSE "
	    "%.4f vs Riccati error variance %.4f (within 3%%; noise var %g)",
	    e_true, m.P_filt_ss, R);

	mekf_model est;
	CHECK(mekf_fit(&est, y, N, 1, 3, R, &err) == 0, "fit from data: %s",
	    err.msg);
	memcpy(f, y, N * sizeof *f);
	mekf_filter(&est, f, N, 1, NULL);
	double e_est = mse(f, s, N, 100);
	CHECK(fabs(e_est / m.P_filt_ss - 1) < 0.05, "estimated model: output "
	    "MSE %.4f vs Riccati error variance %.4f (within 5%%)", e_est,
	    m.P_filt_ss);
	CHECK(e_est < 0.5 * R, "filter MSE %.3f well below the noise %g",
	    e_est, R);

	/* Strided run, with the state carried across two calls. */
	double st[3] = { 0 };
	for (size_t t = 0; t < 1000; t++)
		g[2 * t] = y[t];
	mekf_filter(&m, g, 500, 2, st);
	mekf_filter(&m, g + 1000, 500, 2, st);
	memcpy(f, y, 1000 * sizeof *f);
	mekf_filter(&m, f, 1000, 1, NULL);
	double worst = 0;
	for (size_t t = 0; t < 1000; t++)
		worst = fmax(worst, fabs(g[2 * t] - f[t]));
	CHECK(worst < 1e-12, "stride 2, state carried over: |diff| %.3g",
	    worst);
	free(s);
	free(y);
	free(f);
	free(g);
}

static void
test_noise_mad(gsl_rng *rng)
{
	enum { N = 100000 };
	double *x = malloc(N * sizeof *x);

	for (size_t t = 0; t < N; t++)
		x[t] = 50 * sin(t * 0.001) + gsl_ran_gaussian(rng, 3);
	double v = mekf_noise_var_mad(x, N, 1);
	CHECK(fabs(v / 9 - 1) < 0.05, "MAD of first differences: slow sine + "
	    "noise sd 3: variance %.3f vs 9 (5%%)", v);
	CHECK(mekf_noise_var_mad(x, 1, 1) == 0, "one sample: 0");
	free(x);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_set_error_handler_off();
	gsl_rng_set(rng, 7);
	test_analytic();
	test_not_positive_definite();
	test_against_dense(rng);
	test_riccati_ar1();
	test_filter(rng);
	test_noise_mad(rng);
	gsl_rng_free(rng);
	return check_done();
}
