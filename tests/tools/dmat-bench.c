/* dmat-bench: time the small dense products of the Kalman recursions
 * with the loop kernels and with OpenBLAS, and one filter + smoother
 * step of an LGSSM with each (bench/kf prints this). At n <= 4 the "by
 * size" step is lib/lgssm's small-model path (the loops inlined with the
 * sizes constant), the "loops" one the same loops through dmat's
 * functions. Usage: dmat-bench [N...] (state dims; p = N/2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "linalg/dmat.h"
#include "lgssm/lgssm.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds per call of C = A B (tb 0) or A B^T (tb 1), n x n. */
static double
time_mul(size_t n, int tb, const double *A, const double *B, double *C)
{
	size_t reps = 1;
	double t0, t;

	for (;;) {
		t0 = now();
		for (size_t r = 0; r < reps; r++)
			dmat_mul(C, A, B, n, n, n, 0, tb, 1, 0);
		t = now() - t0;
		if (t > 0.1)
			return t / (double)reps;
		reps *= 4;
	}
}

/* Seconds per Cholesky solve (L L^T) X = B, L and B (n, n). */
static double
time_solve(size_t n, const double *A, double *B, double *X)
{
	size_t reps = 1;
	double *L = malloc(n * n * sizeof *L), t0, t;

	/* L = A A^T + n I, factored */
	dmat_mul(L, A, A, n, n, n, 0, 1, 1, 0);
	for (size_t i = 0; i < n; i++)
		L[i * n + i] += (double)n;
	dmat_chol(L, n);
	for (;;) {
		t0 = now();
		for (size_t r = 0; r < reps; r++) {
			memcpy(X, B, n * n * sizeof *X);
			dmat_chol_solve(L, n, X, n);
		}
		t = now() - t0;
		if (t > 0.1)
			break;
		reps *= 4;
	}
	free(L);
	return t / (double)reps;
}

/* Seconds per record of filter + smoother on T records, repeated for at
 * least 0.1 s (one pass at n = 4 takes about a millisecond). */
static double
time_kf(size_t n, size_t p, gsl_rng *rng)
{
	size_t T = 2000, reps = 1;
	lgssm m;
	lgssm_moments mo;
	double *x = malloc(T * p * sizeof *x), t0;

	lgssm_alloc(&m, n, p, NULL);
	for (size_t i = 0; i < n; i++) {
		m.A[i * n + i] = 0.9;
		m.Q[i * n + i] = 0.1;
		m.P0[i * n + i] = 1;
	}
	for (size_t i = 0; i < p * n; i++)
		m.C[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < p; i++)
		m.R[i * p + i] = 1;
	lgssm_sample(&m, rng, T, NULL, x, NULL);
	for (;;) {
		t0 = now();
		for (size_t r = 0; r < reps; r++) {
			lgssm_smooth_all(&m, x, NULL, T, &mo, NULL);
			lgssm_moments_free(&mo);
		}
		t0 = now() - t0;
		if (t0 > 0.1)
			break;
		reps *= 4;
	}
	lgssm_free(&m);
	free(x);
	return t0 / (double)(reps * T);
}

int
main(int argc, char **argv)
{
	size_t dims[] = { 4, 8, 16, 32, 64 }, nd = 5;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	printf("%4s %-10s %12s %12s %12s %12s %12s %14s\n", "n", "kernel",
	    "AB ns", "AB GF/s", "AB^T ns", "AB^T GF/s", "solve ns",
	    "kf us/record");
	for (size_t k = 0; k < (argc > 1 ? (size_t)argc - 1 : nd); k++) {
		size_t n = argc > 1 ? (size_t)atoi(argv[k + 1]) : dims[k];
		double *A = malloc(n * n * sizeof *A), *B = malloc(n * n *
		    sizeof *B), *C = malloc(n * n * sizeof *C), ns;
		for (size_t i = 0; i < n * n; i++) {
			A[i] = gsl_ran_gaussian(rng, 1.0);
			B[i] = gsl_ran_gaussian(rng, 1.0);
		}
		for (int blas = -1; blas < 2; blas++) {
			double flops = 2.0 * (double)(n * n * n), nn, nt, kf;
			dmat_set_blas(blas);
			nn = time_mul(n, 0, A, B, C);
			nt = time_mul(n, 1, A, B, C);
			ns = time_solve(n, A, B, C);
			gsl_rng_set(rng, 1);
			kf = time_kf(n, n / 2 ? n / 2 : 1, rng);
			printf("%4zu %-10s %12.1f %12.2f %12.1f %12.2f %12.1f %14.2f\n", n,
			    blas < 0 ? "by size" : blas ? "openblas" : "loops", nn * 1e9, flops / nn * 1e-9,
			    nt * 1e9, flops / nt * 1e-9, ns * 1e9, kf * 1e6);
		}
		dmat_set_blas(-1);
		free(A);
		free(B);
		free(C);
	}
	gsl_rng_free(rng);
	return 0;
}
