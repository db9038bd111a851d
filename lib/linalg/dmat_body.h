/* dmat_body.h: the loops of dmat.c's kernels for small matrices, as
 * functions always inlined, so that a caller that knows its sizes at
 * compile time (lib/lgssm's filter_small.c and smoother_small.c) gets
 * them unrolled, with rows in vector registers, and no call. dmat.c's functions run the
 * same loops whenever they do not hand over to OpenBLAS, so either way
 * gives the same bits. Internal to lib/: the contract is dmat.h. */
#ifndef KVAE_DMAT_BODY_H
#define KVAE_DMAT_BODY_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#define DMAT_INLINE static inline __attribute__((always_inline))

/* C = beta C, C (m n) */
DMAT_INLINE void
dmat_body_scale(double *C, size_t mn, double beta)
{
	if (beta == 0)
		memset(C, 0, mn * sizeof *C);
	else if (beta != 1)
		for (size_t i = 0; i < mn; i++)
			C[i] *= beta;
}

/* C += alpha A B, A (m, k), B (k, n): i-l-j order, inner loop
 * contiguous. With the row length n a constant (2, 4, 8) a row is one or
 * two vector registers and the loop disappears. */
DMAT_INLINE void
dmat_body_mul_nn(double *restrict C, const double *restrict A,
	const double *restrict B, size_t m, size_t k, size_t n, double alpha)
{
	for (size_t i = 0; i < m; i++) {
		double *c = C + i * n;
		for (size_t l = 0; l < k; l++) {
			double a = alpha * A[i * k + l];
			const double *b = B + l * n;
#pragma omp simd
			for (size_t j = 0; j < n; j++)
				c[j] += a * b[j];
		}
	}
}

/* C = alpha A B + beta C: dmat_mul without transposes, by its loops. */
DMAT_INLINE void
dmat_body_mul(double *restrict C, const double *restrict A,
	const double *restrict B, size_t m, size_t k, size_t n, double alpha,
	double beta)
{
	dmat_body_scale(C, m * n, beta);
	dmat_body_mul_nn(C, A, B, m, k, n, alpha);
}

/* y = A x (ta = 0) or A^T x, A (m, n). */
DMAT_INLINE void
dmat_body_mv(double *restrict y, const double *restrict A,
	const double *restrict x, size_t m, size_t n, int ta)
{
	if (!ta && n <= 4) {	/* in order: a vector's sum costs more */
		for (size_t i = 0; i < m; i++) {
			const double *a = A + i * n;
			double s = 0;
			for (size_t j = 0; j < n; j++)
				s += a[j] * x[j];
			y[i] = s;
		}
		return;
	}
	if (!ta) {
		for (size_t i = 0; i < m; i++) {
			const double *a = A + i * n;
			double s = 0;
#pragma omp simd reduction(+:s)
			for (size_t j = 0; j < n; j++)
				s += a[j] * x[j];
			y[i] = s;
		}
		return;
	}
	for (size_t i = 0; i < m; i++)
		y[i] = 0;
	for (size_t j = 0; j < n; j++) {
		const double *a = A + j * m;
		double xj = x[j];
#pragma omp simd
		for (size_t i = 0; i < m; i++)
			y[i] += a[i] * xj;
	}
}

/* Cholesky by dot products (left-looking), for tiny n where vector code
 * only adds overhead: dmat_chol's contract. */
DMAT_INLINE size_t
dmat_body_chol(double *A, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		const double *aj = A + j * n;
		double d = aj[j];
		for (size_t l = 0; l < j; l++)
			d -= aj[l] * aj[l];
		if (!(d > 0) || !isfinite(d))
			return j + 1;
		d = sqrt(d);
		A[j * n + j] = d;
		d = 1 / d;
		for (size_t i = j + 1; i < n; i++) {
			const double *ai = A + i * n;
			double s = ai[j];
			for (size_t l = 0; l < j; l++)
				s -= ai[l] * aj[l];
			A[i * n + j] = s * d;
		}
		for (size_t i = 0; i < j; i++)
			A[i * n + j] = 0;
	}
	return 0;
}

/* dmat_chol_solve by loops. With the row length m a constant (the few
 * right-hand sides of a Kalman filter, or rows of 32, a gain's) a row
 * being solved is held in vector registers while the rows above are
 * taken out of it, loaded and stored once. A division per row, then
 * multiplications: the division is the slow instruction. */
DMAT_INLINE void
dmat_body_chol_solve(const double *restrict L, size_t n,
	double *restrict B, size_t m)
{
	if (m == 0)
		return;	/* and acc below has a size */
	double acc[m];

	/* L Y = B, row by row; each row of B is m right-hand sides. */
	for (size_t i = 0; i < n; i++) {
		double *bi = B + i * m, inv = 1 / L[i * n + i];
		for (size_t j = 0; j < m; j++)
			acc[j] = bi[j];
		for (size_t l = 0; l < i; l++) {
			double a = L[i * n + l];
			const double *bl = B + l * m;
			for (size_t j = 0; j < m; j++)
				acc[j] -= a * bl[j];
		}
		for (size_t j = 0; j < m; j++)
			bi[j] = acc[j] * inv;
	}
	/* L^T X = Y, from the bottom. */
	for (size_t i = n; i-- > 0;) {
		double *bi = B + i * m, inv = 1 / L[i * n + i];
		for (size_t j = 0; j < m; j++)
			acc[j] = bi[j];
		for (size_t l = i + 1; l < n; l++) {
			double a = L[l * n + i];
			const double *bl = B + l * m;
			for (size_t j = 0; j < m; j++)
				acc[j] -= a * bl[j];
		}
		for (size_t j = 0; j < m; j++)
			bi[j] = acc[j] * inv;
	}
}

/* dmat_trsv_lower: L y = b in place. */
DMAT_INLINE void
dmat_body_trsv_lower(const double *L, size_t n, double *b)
{
	for (size_t i = 0; i < n; i++) {
		double s = b[i];
		for (size_t l = 0; l < i; l++)
			s -= L[i * n + l] * b[l];
		b[i] = s / L[i * n + i];
	}
}

/* dmat_symmetrise: A = (A + A^T) / 2. */
DMAT_INLINE void
dmat_body_symmetrise(double *A, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			double v = 0.5 * (A[i * n + j] + A[j * n + i]);
			A[i * n + j] = A[j * n + i] = v;
		}
}

#endif
