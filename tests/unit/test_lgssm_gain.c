/* test_lgssm_gain: the RTS smoother's gain of one record against GSL's
 * Cholesky solve of the same system, and the gains computed
 * GAIN_LANES at once against the same gains computed one at a time: the
 * same bits, for every state size the lanes take and every count of
 * records, also when one record's prediction is not positive definite. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "linalg/dmat.h"
#include "lgssm/lgssm.h"
#include "lgssm/gain_lanes.h"

#define NMAX (GAIN_LANES_NMAX + 2)	/* sizes tested against GSL */

/* S = B B^T scale / n + 0.1 scale I, B standard normal: well conditioned
 * enough for 1e-12, far from diagonal. */
static void
random_spd(double *S, size_t n, gsl_rng *rng, double scale)
{
	double B[NMAX * NMAX];

	for (size_t i = 0; i < n * n; i++)
		B[i] = gsl_ran_gaussian(rng, 1.0);
	dmat_mul_ref(S, B, B, n, n, n, 0, 1, scale / (double)n, 0);
	for (size_t i = 0; i < n; i++)
		S[i * n + i] += 0.1 * scale;
	dmat_symmetrise(S, n);
}

static void
random_model(lgssm *m, size_t n, gsl_rng *rng)
{
	lgssm_alloc(m, n, 1, NULL);
	for (size_t i = 0; i < n * n; i++)
		m->A[i] = gsl_ran_gaussian(rng, 1.0) / sqrt((double)n);
	random_spd(m->Q, n, rng, 0.5);
}

static void
transpose(double *At, const double *A, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			At[j * n + i] = A[i * n + j];
}

/* L = P_f A^T (A P_f A^T + Q)^{-1} by GSL: P_pred L^T = A P_f. */
static void
reference_gain(const lgssm *m, const double *P_f, double *P_pred,
	double *L)
{
	size_t n = m->n;
	gsl_matrix *F = gsl_matrix_alloc(n, n);
	gsl_vector *b = gsl_vector_alloc(n), *x = gsl_vector_alloc(n);
	double AP[NMAX * NMAX];

	dmat_mul_ref(AP, m->A, P_f, n, n, n, 0, 0, 1, 0);
	memcpy(P_pred, m->Q, n * n * sizeof *P_pred);
	dmat_mul_ref(P_pred, AP, m->A, n, n, n, 0, 1, 1, 1);
	for (size_t i = 0; i < n * n; i++)
		F->data[i] = P_pred[i];
	gsl_linalg_cholesky_decomp1(F);
	for (size_t j = 0; j < n; j++) {	/* column j of L^T */
		for (size_t i = 0; i < n; i++)
			b->data[i] = AP[i * n + j];
		gsl_linalg_cholesky_solve(F, b, x);
		for (size_t i = 0; i < n; i++)
			L[j * n + i] = x->data[i];
	}
	gsl_vector_free(x);
	gsl_vector_free(b);
	gsl_matrix_free(F);
}

static void
test_against_gsl(gsl_rng *rng)
{
	for (size_t n = 1; n <= NMAX; n++) {
		lgssm m;
		size_t nn = n * n;
		double *b = malloc((9 * nn + n * (n + 1) / 2) * sizeof *b);
		double *P_f = b, *At = b + nn, *fac = b + 2 * nn;
		double *P_pred = b + 3 * nn, *L = b + 4 * nn;
		double *blk = b + 5 * nn, *packed = b + 9 * nn;
		struct gain g = gain_at(blk, n);
		char name[80];

		random_model(&m, n, rng);
		random_spd(P_f, n, rng, 2.0);
		dmat_pack(packed, P_f, n);
		transpose(At, m.A, n);
		reference_gain(&m, P_f, P_pred, L);
		CHECK(gain_compute(&m, At, packed, &g, fac) == 0,
		    "n=%zu: gain computed", n);
		snprintf(name, sizeof name, "n=%zu: P_pred against GSL", n);
		CHECK_ARRAY(name, g.P_pred, P_pred, nn, 1e-13, 1e-15);
		snprintf(name, sizeof name, "n=%zu: L against GSL's solve", n);
		CHECK_ARRAY(name, g.L, L, nn, 1e-12, 1e-14);
		transpose(P_pred, g.L, n);
		snprintf(name, sizeof name, "n=%zu: L^T is L transposed", n);
		CHECK_ARRAY(name, g.Lt, P_pred, nn, 0, 0);
		lgssm_free(&m);
		free(b);
	}
}

/* count records' gains by lanes against one at a time, bit for bit;
 * record `bad` (or none: count) gets a covariance that makes its
 * prediction singular under m (see test_lanes). */
static void
compare_lanes(const lgssm *m, gsl_rng *rng, size_t count, size_t bad)
{
	size_t n = m->n, nn = n * n;
	double packed[GAIN_LANES][GAIN_LANES_NMAX * (GAIN_LANES_NMAX + 1) / 2];
	double one[GAIN_LANES][4 * GAIN_LANES_NMAX * GAIN_LANES_NMAX];
	double lanes[GAIN_LANES][4 * GAIN_LANES_NMAX * GAIN_LANES_NMAX];
	double At[GAIN_LANES_NMAX * GAIN_LANES_NMAX];
	double fac[GAIN_LANES_NMAX * GAIN_LANES_NMAX];
	double P[GAIN_LANES_NMAX * GAIN_LANES_NMAX];
	const double *Pf[GAIN_LANES];
	struct gain g[GAIN_LANES];
	size_t piv_one[GAIN_LANES], piv_lanes[GAIN_LANES];
	char name[160];

	transpose(At, m->A, n);
	for (size_t c = 0; c < count; c++) {
		struct gain g1 = gain_at(one[c], n);
		random_spd(P, n, rng, 1.0 + (double)c);
		if (c == bad)	/* no variance along z_1 */
			for (size_t j = 0; j < n; j++)
				P[j] = P[j * n] = 0;
		dmat_pack(packed[c], P, n);
		Pf[c] = packed[c];
		g[c] = gain_at(lanes[c], n);
		memset(one[c], 0, sizeof one[c]);
		memset(lanes[c], 0, sizeof lanes[c]);
		piv_one[c] = gain_compute(m, At, packed[c], &g1, fac);
	}
	gain_compute_lanes(m, Pf, count, g, piv_lanes);
	if (bad < count)
		CHECK(piv_one[bad] != 0, "n=%zu, %zu at once: record %zu's "
		    "prediction is singular (pivot %zu)", n, count, bad,
		    piv_one[bad]);
	for (size_t c = 0; c < count; c++) {
		CHECK(piv_lanes[c] == piv_one[c], "n=%zu, %zu at once, record "
		    "%zu: pivot %zu, alone %zu", n, count, c, piv_lanes[c],
		    piv_one[c]);
		if (piv_one[c] != 0) {
			CHECK(c == bad, "n=%zu: only the singular record fails "
			    "(record %zu)", n, c);
			continue;
		}
		snprintf(name, sizeof name, "n=%zu, %zu at once, record %zu: "
		    "P_filt, P_pred, L, L^T against one at a time", n, count,
		    c);
		CHECK_ARRAY(name, lanes[c], one[c], 4 * nn, 0, 0);
	}
}

static void
test_lanes(gsl_rng *rng)
{
	for (size_t n = 1; n <= GAIN_LANES_NMAX; n++) {
		lgssm m;

		random_model(&m, n, rng);
		for (size_t count = 1; count <= GAIN_LANES; count++)
			compare_lanes(&m, rng, count, count);
		/* P_pred singular: z_1 has no noise and A maps it only to
		 * itself, so a record with no variance along z_1 predicts
		 * none (n = 1: P_pred = 0) */
		for (size_t j = 0; j < n; j++) {
			m.A[j] = m.A[j * n] = 0;
			m.Q[j] = m.Q[j * n] = 0;
		}
		m.A[0] = 0.9;
		compare_lanes(&m, rng, GAIN_LANES, 2);
		compare_lanes(&m, rng, 3, 0);
		lgssm_free(&m);
	}
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(rng, 2026);
	test_against_gsl(rng);
	test_lanes(rng);
	gsl_rng_free(rng);
	return check_done();
}
