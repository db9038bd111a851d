/* gain_lanes.c: the RTS smoother's gains, see gain_lanes.h. */
#include "lgssm/gain_lanes.h"

#include <math.h>
#include <string.h>

#include "core/clones.h"
#include "linalg/dmat.h"

struct gain
gain_at(double *block, size_t n)
{
	struct gain g = { block, block + n * n, block + 2 * n * n,
	    block + 3 * n * n };
	return g;
}

size_t
gain_compute(const lgssm *m, const double *At, const double *Pf_packed,
	struct gain *g, double *fac)
{
	size_t n = m->n, bad;

	dmat_unpack(g->P_f, Pf_packed, n);
	dmat_mul(g->Lt, m->A, g->P_f, n, n, n, 0, 0, 1, 0);
	memcpy(g->P_pred, m->Q, n * n * sizeof *g->P_pred);
	dmat_mul(g->P_pred, g->Lt, At, n, n, n, 0, 0, 1, 1);
	dmat_symmetrise(g->P_pred, n);
	memcpy(fac, g->P_pred, n * n * sizeof *fac);
	if (n <= DMAT_LDL_MAX)	/* A P_filt -> L^T */
		bad = dmat_ldl_solve(fac, n, g->Lt, n);
	else if ((bad = dmat_chol(fac, n)) == 0)
		dmat_chol_solve(fac, n, g->Lt, n);
	if (bad != 0)
		return bad;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			g->L[i * n + j] = g->Lt[j * n + i];
	return 0;
}

/* One matrix entry of GAIN_LANES records, record c's in lane c. Each
 * loop over the lanes below repeats, lane by lane, the operations of
 * gain_compute's kernels in their order (dmat.c's mul_nn_body,
 * dmat_symmetrise and ldl_solve_body), which is what keeps the bits. */
typedef double lanes[GAIN_LANES];

#define NN (GAIN_LANES_NMAX * GAIN_LANES_NMAX)

/* X (n, n) = 0 + A P, A (n, n) one matrix, P lanes. */
static inline __attribute__((always_inline)) void
lanes_mul_left(lanes *restrict X, const double *restrict A,
	const lanes *restrict P, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			lanes s = { 0 };
			for (size_t l = 0; l < n; l++)
#pragma omp simd
				for (size_t c = 0; c < GAIN_LANES; c++)
					s[c] += A[i * n + l] * P[l * n + j][c];
			memcpy(X[i * n + j], s, sizeof s);
		}
}

/* X (n, n) = Q + Y A^T, Y lanes. */
static inline __attribute__((always_inline)) void
lanes_add_mul_right_t(lanes *restrict X, const double *restrict Q,
	const lanes *restrict Y, const double *restrict A, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			lanes s;
			for (size_t c = 0; c < GAIN_LANES; c++)
				s[c] = Q[i * n + j];
			for (size_t l = 0; l < n; l++)
#pragma omp simd
				for (size_t c = 0; c < GAIN_LANES; c++)
					s[c] += Y[i * n + l][c] * A[j * n + l];
			memcpy(X[i * n + j], s, sizeof s);
		}
}

static inline __attribute__((always_inline)) void
lanes_symmetrise(lanes *X, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
#pragma omp simd
			for (size_t c = 0; c < GAIN_LANES; c++)
				X[i * n + j][c] = X[j * n + i][c] =
				    0.5 * (X[i * n + j][c] + X[j * n + i][c]);
}

/* Solve F X = B in place (F, B (n, n)) by F = L D L^T in F's lower
 * triangle; pivots[c] gets 0 or lane c's first pivot that is not
 * positive (its lane then holds no solution). */
static inline __attribute__((always_inline)) void
lanes_ldl_solve(lanes *restrict F, lanes *restrict B, size_t n,
	size_t *pivots)
{
	lanes inv[GAIN_LANES_NMAX], w[GAIN_LANES_NMAX];

	for (size_t c = 0; c < GAIN_LANES; c++)
		pivots[c] = 0;
	for (size_t j = 0; j < n; j++) {
		lanes d;
		memcpy(d, F[j * n + j], sizeof d);
		for (size_t l = 0; l < j; l++)
#pragma omp simd
			for (size_t c = 0; c < GAIN_LANES; c++) {
				w[l][c] = F[j * n + l][c] * F[l * n + l][c];
				d[c] -= w[l][c] * F[j * n + l][c];
			}
		for (size_t c = 0; c < GAIN_LANES; c++)
			if ((!(d[c] > 0) || !isfinite(d[c])) && pivots[c] == 0)
				pivots[c] = j + 1;
#pragma omp simd
		for (size_t c = 0; c < GAIN_LANES; c++) {
			F[j * n + j][c] = d[c];
			inv[j][c] = 1 / d[c];
		}
		for (size_t i = j + 1; i < n; i++) {
			lanes s;
			memcpy(s, F[i * n + j], sizeof s);
			for (size_t l = 0; l < j; l++)
#pragma omp simd
				for (size_t c = 0; c < GAIN_LANES; c++)
					s[c] -= F[i * n + l][c] * w[l][c];
#pragma omp simd
			for (size_t c = 0; c < GAIN_LANES; c++)
				F[i * n + j][c] = s[c] * inv[j][c];
		}
	}
	for (size_t i = 0; i < n; i++)	/* L Y = B */
		for (size_t l = 0; l < i; l++)
			for (size_t k = 0; k < n; k++)
#pragma omp simd
				for (size_t c = 0; c < GAIN_LANES; c++)
					B[i * n + k][c] -= F[i * n + l][c] *
					    B[l * n + k][c];
	for (size_t i = n; i-- > 0;) {	/* D L^T X = Y */
		for (size_t k = 0; k < n; k++)
#pragma omp simd
			for (size_t c = 0; c < GAIN_LANES; c++)
				B[i * n + k][c] *= inv[i][c];
		for (size_t l = i + 1; l < n; l++)
			for (size_t k = 0; k < n; k++)
#pragma omp simd
				for (size_t c = 0; c < GAIN_LANES; c++)
					B[i * n + k][c] -= F[l * n + i][c] *
					    B[l * n + k][c];
	}
}

/* Lanes past count repeat lane 0, so that every lane holds numbers. */
static void
lanes_unpack(lanes *P, const double *const *Pf_packed, size_t count,
	size_t n)
{
	for (size_t c = 0; c < GAIN_LANES; c++) {
		const double *p = Pf_packed[c < count ? c : 0];
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j <= i; j++)
				P[i * n + j][c] = P[j * n + i][c] = *p++;
	}
}

static void
lanes_store(const lanes *P_pred, const lanes *Lt, size_t count, size_t n,
	const double *const *Pf_packed, struct gain *g)
{
	for (size_t c = 0; c < count; c++) {
		dmat_unpack(g[c].P_f, Pf_packed[c], n);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				g[c].P_pred[i * n + j] = P_pred[i * n + j][c];
				g[c].Lt[i * n + j] = Lt[i * n + j][c];
				g[c].L[j * n + i] = Lt[i * n + j][c];
			}
	}
}

/* The whole computation with n a constant, for the compiler to unroll. */
static inline __attribute__((always_inline)) void
lanes_body(const lgssm *m, const double *const *Pf_packed, size_t count,
	struct gain *g, size_t *pivots, size_t n)
{
	lanes P[NN], Lt[NN], P_pred[NN], F[NN];
	size_t piv[GAIN_LANES];

	lanes_unpack(P, Pf_packed, count, n);
	lanes_mul_left(Lt, m->A, P, n);			/* A P_filt */
	lanes_add_mul_right_t(P_pred, m->Q, Lt, m->A, n);
	lanes_symmetrise(P_pred, n);
	memcpy(F, P_pred, n * n * sizeof *F);
	lanes_ldl_solve(F, Lt, n, piv);			/* -> L^T */
	lanes_store(P_pred, Lt, count, n, Pf_packed, g);
	memcpy(pivots, piv, count * sizeof *pivots);
}

KV_CLONES void
gain_compute_lanes(const lgssm *m, const double *const *Pf_packed,
	size_t count, struct gain *g, size_t *pivots)
{
	switch (m->n) {
	case 1: lanes_body(m, Pf_packed, count, g, pivots, 1); break;
	case 2: lanes_body(m, Pf_packed, count, g, pivots, 2); break;
	case 3: lanes_body(m, Pf_packed, count, g, pivots, 3); break;
	case 4: lanes_body(m, Pf_packed, count, g, pivots, 4); break;
	default: lanes_body(m, Pf_packed, count, g, pivots, m->n); break;
	}
}
