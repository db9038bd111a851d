/* dmat.h: small dense double matrices for the Kalman recursions.
 *
 * Row-major, contiguous, no leading dimensions: an (m, k) matrix is m*k
 * doubles. Sizes are those of an LGSSM (a few to a few hundred), where
 * the call overhead of a BLAS matters as much as the arithmetic, so the
 * products have two implementations: plain loops compiled for several
 * instruction sets (gcc target_clones, chosen at load time) and OpenBLAS's
 * cblas_dgemm / cblas_dtrsm. Measured here (tests/tools/dmat-bench,
 * figures in README): the loops win only for the smallest products, so
 * by default a product of fewer than DMAT_BLAS_MIN multiply-adds uses the
 * loops and anything larger OpenBLAS; dmat_set_blas() forces one side.
 * Nothing here allocates. */
#ifndef KVAE_DMAT_H
#define KVAE_DMAT_H

#include <stddef.h>

/* C (m, n) = alpha op(A) op(B) + beta C, op(A) (m, k), op(B) (k, n);
 * ta/tb non-zero: the operand is stored transposed. beta == 0 ignores
 * what C held. C must not alias A or B. */
void dmat_mul(double *C, const double *A, const double *B, size_t m,
	size_t k, size_t n, int ta, int tb, double alpha, double beta);

/* The same, written the obvious way (for tests). */
void dmat_mul_ref(double *C, const double *A, const double *B, size_t m,
	size_t k, size_t n, int ta, int tb, double alpha, double beta);

#define DMAT_BLAS_MIN 512	/* m k n at which OpenBLAS takes over */

/* Use OpenBLAS (1), the loops (0) or choose by size (-1, the default) in
 * dmat_mul and dmat_chol_solve. Returns the old value. */
int dmat_set_blas(int on);

/* 1 when the choice is by size (the default), else 0. */
int dmat_blas_by_size(void);

/* Keep OpenBLAS from using its own threads: at these sizes they cost
 * more than they give, and callers that want threads bring their own
 * (two threads calling a threaded OpenBLAS at once thrash). */
void dmat_blas_serial(void);

/* y (m) = A (m, n) x (n), or A^T x when ta (then A is (n, m)); y must
 * not alias A or x. */
void dmat_mv(double *y, const double *A, const double *x, size_t m,
	size_t n, int ta);

/* In place Cholesky A (n, n) = L L^T; the lower triangle gets L, the
 * upper triangle is zeroed. Returns 0, or the 1-based index of the
 * first pivot that is not positive (A not positive definite). */
size_t dmat_chol(double *A, size_t n);	/* reads the lower triangle */

/* Solve (L L^T) X = B for X in place, B (n, m); L from dmat_chol. */
void dmat_chol_solve(const double *L, size_t n, double *B, size_t m);

/* Solve A X = B in place for a symmetric positive definite A (n, n),
 * n <= DMAT_LDL_MAX, B (n, m), by A = L D L^T: no square roots and one
 * division per pivot, where dmat_chol and dmat_chol_solve take a square
 * root and three divisions, all in one chain of latencies at small n.
 * Reads A's lower triangle and overwrites
 * it. 0, or the 1-based pivot that is not positive. */
#define DMAT_LDL_MAX 12
size_t dmat_ldl_solve(double *A, size_t n, double *B, size_t m);

/* Solve L y = b in place (forward substitution), b (n). */
void dmat_trsv_lower(const double *L, size_t n, double *b);

/* log det (L L^T) = 2 sum log L_ii. */
double dmat_chol_logdet(const double *L, size_t n);

/* A = (A + A^T) / 2, A (n, n). */
void dmat_symmetrise(double *A, size_t n);

/* Packed lower triangle (n (n+1) / 2 doubles) <-> full symmetric. */
void dmat_pack(double *packed, const double *A, size_t n);
void dmat_unpack(double *A, const double *packed, size_t n);

/* Set A (n, n) to the identity. */
void dmat_eye(double *A, size_t n);

#endif
