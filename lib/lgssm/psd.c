/* psd.c: symmetric positive semi-definite matrices, where a model may
 * legitimately be singular (a state with no noise of its own, exact
 * observations, a posterior the data fix): Cholesky where the matrix is
 * positive definite, its eigenvectors where it is not. See internal.h. */
#include "lgssm/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>

#include "linalg/dmat.h"

/* Eigenvalues below this times the largest count as zero: rounding
 * leaves the zero eigenvalues of a computed covariance at about n eps
 * of the largest, of either sign. */
#define PSD_RTOL 1e-12

/* S's eigenvalues (ascending, into lambda) and eigenvectors (columns of
 * V, n n). 0, or -1 out of memory. */
static int
eigen(const double *S, size_t n, double *lambda, double *V)
{
	gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(n);
	gsl_matrix *a = gsl_matrix_alloc(n, n);
	gsl_vector_view l = gsl_vector_view_array(lambda, n);
	gsl_matrix_view v = gsl_matrix_view_array(V, n, n);

	if (ws == NULL || a == NULL) {
		if (ws != NULL)
			gsl_eigen_symmv_free(ws);
		if (a != NULL)
			gsl_matrix_free(a);
		return -1;
	}
	memcpy(a->data, S, n * n * sizeof *S);
	gsl_eigen_symmv(a, &l.vector, &v.matrix, ws);
	gsl_eigen_symmv_sort(&l.vector, &v.matrix, GSL_EIGEN_SORT_VAL_ASC);
	gsl_eigen_symmv_free(ws);
	gsl_matrix_free(a);
	return 0;
}

static double
largest_abs(const double *lambda, size_t n)
{
	return n == 0 ? 0 : fmax(fabs(lambda[0]), fabs(lambda[n - 1]));
}

/* Whether the Cholesky factor L of S has a pivot L_ii^2 below 1e-10 of
 * S's largest diagonal entry: S is then singular up to rounding (a zero
 * eigenvalue come out a hair positive), and inverting it through L
 * would blow the rounding up; the eigenvectors take over. */
static int
tiny_pivot(const double *L, const double *S, size_t n)
{
	double big = 0, small = INFINITY;

	for (size_t i = 0; i < n; i++) {
		big = fmax(big, S[i * n + i]);
		small = fmin(small, L[i * n + i] * L[i * n + i]);
	}
	return small < 1e-10 * big;
}

int
lgssm_psd_factor(const double *S, size_t n, double *F)
{
	double *lambda, *V;
	double tol;

	memcpy(F, S, n * n * sizeof *F);
	if (n == 0 || dmat_chol(F, n) == 0)
		return 0;
	if ((lambda = malloc((n + n * n) * sizeof *lambda)) == NULL)
		return -1;
	V = lambda + n;
	if (eigen(S, n, lambda, V) != 0) {
		free(lambda);
		return -1;
	}
	tol = PSD_RTOL * largest_abs(lambda, n);
	for (size_t j = 0; j < n; j++) {
		double s = lambda[j] > tol ? sqrt(lambda[j]) : 0;
		for (size_t i = 0; i < n; i++)
			F[i * n + j] = V[i * n + j] * s;
	}
	free(lambda);
	return 0;
}

int
lgssm_psd_solve(const double *S, size_t n, double *B, size_t m)
{
	double *F = malloc((2 * n * n + n + n * m) * sizeof *F);
	double *lambda, *V, *W;
	double tol;

	if (F == NULL)
		return -1;
	memcpy(F, S, n * n * sizeof *F);
	if (dmat_chol(F, n) == 0 && !tiny_pivot(F, S, n)) {
		dmat_chol_solve(F, n, B, m);
		free(F);
		return 0;
	}
	V = F + n * n;
	lambda = V + n * n;
	W = lambda + n;
	if (eigen(S, n, lambda, V) != 0) {
		free(F);
		return -1;
	}
	/* S^+ B = V diag(1 / lambda, 0 where lambda is none) V^T B */
	tol = PSD_RTOL * largest_abs(lambda, n);
	dmat_mul(W, V, B, n, n, m, 1, 0, 1, 0);
	for (size_t j = 0; j < n; j++)
		for (size_t c = 0; c < m; c++)
			W[j * m + c] = lambda[j] > tol ? W[j * m + c] / lambda[j] :
			    0;
	dmat_mul(B, V, W, n, n, m, 0, 0, 1, 0);
	free(F);
	return 0;
}

int
lgssm_psd_check(const char *name, const double *S, size_t n, kv_err *err)
{
	double *F = malloc((n + 2 * n * n) * sizeof *F);
	double *lambda, tol;
	int rc = 0;

	if (F == NULL)
		return kv_errf(err, "out of memory");
	memcpy(F, S, n * n * sizeof *F);
	if (n == 0 || dmat_chol(F, n) == 0) {
		free(F);
		return 0;
	}
	lambda = F + n * n;
	if (eigen(S, n, lambda, F + n * n + n) != 0)
		rc = kv_errf(err, "out of memory");
	else if (tol = PSD_RTOL * largest_abs(lambda, n), lambda[0] < -tol)
		rc = kv_errf(err, "%s is not positive semi-definite (eigenvalue "
		    "%.6g)", name, lambda[0]);
	free(F);
	return rc;
}
