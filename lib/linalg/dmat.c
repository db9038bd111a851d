/* dmat.c: small dense double matrices, see dmat.h. */
#include "linalg/dmat.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "core/clones.h"
#include "linalg/dmat_body.h"

/* -1: by size (see dmat.h), 0: loops, 1: OpenBLAS. */
static int use_blas = -1;

int
dmat_set_blas(int on)
{
	int old = use_blas;

	use_blas = on;
	return old;
}

int
dmat_blas_by_size(void)
{
	return use_blas < 0;
}

/* Whether a product of m k n multiply-adds goes to OpenBLAS. */
static int
blas_for(size_t m, size_t k, size_t n)
{
	if (use_blas >= 0)
		return use_blas;
	return m * k * n >= DMAT_BLAS_MIN;
}

/* dmat_body_mul_nn with k a constant too where it is 2 or 4, the inner
 * size of a small model's products (a state or an observation of 2 or
 * 4). */
static inline __attribute__((always_inline)) void
mul_nn_small_k(double *restrict C, const double *restrict A,
	const double *restrict B, size_t m, size_t k, size_t n, double alpha)
{
	if (k == 2)
		dmat_body_mul_nn(C, A, B, m, 2, n, alpha);
	else if (k == 4)
		dmat_body_mul_nn(C, A, B, m, 4, n, alpha);
	else
		dmat_body_mul_nn(C, A, B, m, k, n, alpha);
}

KV_CLONES static void
mul_nn(double *restrict C, const double *restrict A,
	const double *restrict B, size_t m, size_t k, size_t n, double alpha)
{
	switch (n) {
	case 2: mul_nn_small_k(C, A, B, m, k, 2, alpha); break;
	case 4: mul_nn_small_k(C, A, B, m, k, 4, alpha); break;
	case 8: mul_nn_small_k(C, A, B, m, k, 8, alpha); break;
	default: dmat_body_mul_nn(C, A, B, m, k, n, alpha); break;
	}
}

/* C += alpha A B^T, A (m, k), B (n, k): dot products of rows. */
KV_CLONES static void
mul_nt(double *restrict C, const double *restrict A,
	const double *restrict B, size_t m, size_t k, size_t n, double alpha)
{
	for (size_t i = 0; i < m; i++) {
		const double *a = A + i * k;
		for (size_t j = 0; j < n; j++) {
			const double *b = B + j * k;
			double s = 0;
#pragma omp simd reduction(+:s)
			for (size_t l = 0; l < k; l++)
				s += a[l] * b[l];
			C[i * n + j] += alpha * s;
		}
	}
}

/* C += alpha A^T B, A (k, m), B (k, n). */
KV_CLONES static void
mul_tn(double *restrict C, const double *restrict A,
	const double *restrict B, size_t m, size_t k, size_t n, double alpha)
{
	for (size_t l = 0; l < k; l++) {
		const double *b = B + l * n;
		for (size_t i = 0; i < m; i++) {
			double a = alpha * A[l * m + i];
			double *c = C + i * n;
#pragma omp simd
			for (size_t j = 0; j < n; j++)
				c[j] += a * b[j];
		}
	}
}

/* C += alpha A^T B^T, A (k, m), B (n, k): rare, kept simple. */
static void
mul_tt(double *restrict C, const double *restrict A,
	const double *restrict B, size_t m, size_t k, size_t n, double alpha)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t l = 0; l < k; l++)
				s += A[l * m + i] * B[j * k + l];
			C[i * n + j] += alpha * s;
		}
}

/* OpenBLAS's own, not in gsl_cblas.h */
void openblas_set_num_threads(int num_threads);

void
dmat_blas_serial(void)
{
	openblas_set_num_threads(1);
}

void
dmat_mul(double *C, const double *A, const double *B, size_t m, size_t k,
	size_t n, int ta, int tb, double alpha, double beta)
{
	if (m == 0 || n == 0)
		return;
	if (k > 0 && blas_for(m, k, n)) {
		cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		    tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
		    alpha, A, ta ? (int)m : (int)k, B, tb ? (int)k : (int)n,
		    beta, C, (int)n);
		return;
	}
	dmat_body_scale(C, m * n, beta);
	if (tb && k * n <= DMAT_BLAS_MIN) {
		/* small: transpose B once so that the inner loop runs along
		 * rows of C (a dot product of a few terms vectorises badly) */
		double Bt[DMAT_BLAS_MIN];
		for (size_t l = 0; l < k; l++)
			for (size_t j = 0; j < n; j++)
				Bt[l * n + j] = B[j * k + l];
		if (ta)
			mul_tn(C, A, Bt, m, k, n, alpha);
		else
			mul_nn(C, A, Bt, m, k, n, alpha);
		return;
	}
	if (!ta && !tb)
		mul_nn(C, A, B, m, k, n, alpha);
	else if (!ta)
		mul_nt(C, A, B, m, k, n, alpha);
	else if (!tb)
		mul_tn(C, A, B, m, k, n, alpha);
	else
		mul_tt(C, A, B, m, k, n, alpha);
}

void
dmat_mul_ref(double *C, const double *A, const double *B, size_t m,
	size_t k, size_t n, int ta, int tb, double alpha, double beta)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t l = 0; l < k; l++) {
				double a = ta ? A[l * m + i] : A[i * k + l];
				double b = tb ? B[j * k + l] : B[l * n + j];
				s += a * b;
			}
			C[i * n + j] = alpha * s +
			    (beta == 0 ? 0 : beta * C[i * n + j]);
		}
}

KV_CLONES void
dmat_mv(double *restrict y, const double *restrict A,
	const double *restrict x, size_t m, size_t n, int ta)
{
	size_t inner = ta ? m : n;

	if (inner == 2)
		dmat_body_mv(y, A, x, ta ? 2 : m, ta ? n : 2, ta);
	else if (inner == 4)
		dmat_body_mv(y, A, x, ta ? 4 : m, ta ? n : 4, ta);
	else
		dmat_body_mv(y, A, x, m, n, ta);
}

/* Cholesky on the upper triangle U = L^T, where in row-major storage
 * every update runs along a contiguous row and vectorises (the dot
 * products above are latency-bound from n of about 8 on), in blocks of
 * CHOL_BLOCK rows: within a block, rank-one updates of the block's own
 * rows; below it, each row takes the block's whole update in one pass
 * (CHOL_BLOCK multiply-adds per element loaded), from the start of its
 * own block so that the vectors stay aligned (the few entries left of
 * the diagonal that this also updates are below U and overwritten at
 * the end). Each entry sees the same subtractions in the same order as
 * in the unblocked right-looking algorithm. */
#define CHOL_BLOCK 8

static inline __attribute__((always_inline)) void
chol_block_rows(double *restrict A, size_t n, size_t k0, size_t k1,
	size_t i)
{
	double *ai = A + i * n;
	const double *u = A + k0 * n;

#pragma omp simd
	for (size_t l = i & ~(size_t)(CHOL_BLOCK - 1); l < n; l++) {
		double s = ai[l];
		for (size_t r = 0; r < k1 - k0; r++)
			s -= u[r * n + i] * u[r * n + l];
		ai[l] = s;
	}
}

KV_CLONES static size_t
chol_rows(double *restrict A, size_t n)
{
	for (size_t i = 0; i < n; i++)	/* the lower triangle is the input */
		for (size_t j = 0; j < i; j++)
			A[j * n + i] = A[i * n + j];
	for (size_t k0 = 0; k0 < n; k0 += CHOL_BLOCK) {
		size_t k1 = k0 + CHOL_BLOCK < n ? k0 + CHOL_BLOCK : n;
		for (size_t j = k0; j < k1; j++) {
			double *uj = A + j * n;
			double d = uj[j];
			if (!(d > 0) || !isfinite(d))
				return j + 1;
			d = sqrt(d);
			uj[j] = d;
			d = 1 / d;
			for (size_t l = j + 1; l < n; l++)
				uj[l] *= d;
			for (size_t i = j + 1; i < k1; i++) {
				double *ai = A + i * n;
				double u = uj[i];
#pragma omp simd
				for (size_t l = i; l < n; l++)
					ai[l] -= u * uj[l];
			}
		}
		if (k1 - k0 == CHOL_BLOCK)	/* the block size a constant */
			for (size_t i = k1; i < n; i++)
				chol_block_rows(A, n, k0, k0 + CHOL_BLOCK, i);
		else
			for (size_t i = k1; i < n; i++)
				chol_block_rows(A, n, k0, k1, i);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			A[i * n + j] = A[j * n + i];
			A[j * n + i] = 0;
		}
	return 0;
}

#define DMAT_CHOL_ROWS_MIN 12	/* n from which chol_rows is faster */

size_t
dmat_chol(double *A, size_t n)
{
	return n < DMAT_CHOL_ROWS_MIN ? dmat_body_chol(A, n) : chol_rows(A, n);
}

KV_CLONES static void
chol_solve_loops(const double *restrict L, size_t n, double *restrict B,
	size_t m)
{
	switch (m) {
	case 1: dmat_body_chol_solve(L, n, B, 1); break;
	case 2: dmat_body_chol_solve(L, n, B, 2); break;
	case 4: dmat_body_chol_solve(L, n, B, 4); break;
	case 8: dmat_body_chol_solve(L, n, B, 8); break;
	case 32: dmat_body_chol_solve(L, n, B, 32); break;
	default: dmat_body_chol_solve(L, n, B, m); break;
	}
}

void
dmat_chol_solve(const double *L, size_t n, double *B, size_t m)
{
	/* The loops with a row of 32 held in registers beat OpenBLAS's
	 * dtrsm (1.8x at n = m = 32, build/release/tests/dmat-bench; with
	 * rows of 16 the same loops were 2x slower than dtrsm) */
	int held = use_blas < 0 && n <= 32 && m == 32;

	if (!held && blas_for(n, n, m)) {
		cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans,
		    CblasNonUnit, (int)n, (int)m, 1.0, L, (int)n, B, (int)m);
		cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans,
		    CblasNonUnit, (int)n, (int)m, 1.0, L, (int)n, B, (int)m);
		return;
	}
	chol_solve_loops(L, n, B, m);
}

KV_CLONES void
dmat_trsv_lower(const double *L, size_t n, double *b)
{
	dmat_body_trsv_lower(L, n, b);
}

/* dmat_ldl_solve's loops, inlined with n a constant for the smallest.
 * The unit lower factor goes below A's diagonal and D on it. */
static inline __attribute__((always_inline)) size_t
ldl_solve_body(double *restrict A, size_t n, double *restrict B, size_t m)
{
	double inv[DMAT_LDL_MAX], w[DMAT_LDL_MAX];

	for (size_t j = 0; j < n; j++) {
		double *aj = A + j * n, d = aj[j];
		for (size_t l = 0; l < j; l++) {
			w[l] = aj[l] * A[l * n + l];
			d -= w[l] * aj[l];
		}
		if (!(d > 0) || !isfinite(d))
			return j + 1;
		aj[j] = d;
		inv[j] = 1 / d;
		for (size_t i = j + 1; i < n; i++) {
			double *ai = A + i * n, s = ai[j];
			for (size_t l = 0; l < j; l++)
				s -= ai[l] * w[l];
			ai[j] = s * inv[j];
		}
	}
	for (size_t i = 0; i < n; i++)	/* L y = b */
		for (size_t l = 0; l < i; l++)
			for (size_t c = 0; c < m; c++)
				B[i * m + c] -= A[i * n + l] * B[l * m + c];
	for (size_t i = n; i-- > 0;) {	/* D L^T x = y */
		for (size_t c = 0; c < m; c++)
			B[i * m + c] *= inv[i];
		for (size_t l = i + 1; l < n; l++)
			for (size_t c = 0; c < m; c++)
				B[i * m + c] -= A[l * n + i] * B[l * m + c];
	}
	return 0;
}

size_t
dmat_ldl_solve(double *A, size_t n, double *B, size_t m)
{
	if (n == 4 && m == 4)
		return ldl_solve_body(A, 4, B, 4);
	if (n == 2 && m == 2)
		return ldl_solve_body(A, 2, B, 2);
	return ldl_solve_body(A, n, B, m);
}

double
dmat_chol_logdet(const double *L, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += log(L[i * n + i]);
	return 2 * s;
}

KV_CLONES void
dmat_symmetrise(double *A, size_t n)
{
	dmat_body_symmetrise(A, n);
}

void
dmat_pack(double *packed, const double *A, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j <= i; j++)
			*packed++ = A[i * n + j];
}

void
dmat_unpack(double *A, const double *packed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j <= i; j++)
			A[i * n + j] = A[j * n + i] = *packed++;
}

void
dmat_eye(double *A, size_t n)
{
	memset(A, 0, n * n * sizeof *A);
	for (size_t i = 0; i < n; i++)
		A[i * n + i] = 1;
}
