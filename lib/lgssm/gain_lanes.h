/* gain_lanes.h: the RTS smoother's gain of one record, from the
 * record's filtered covariance alone: P_pred = A P_filt A^T + Q (the
 * next record's prior, symmetrised) and L = P_filt A^T P_pred^{-1}.
 *
 * One gain at a time is bound by latency at small n: its factorisation
 * is a chain of dependent divisions. The gains of different records do
 * not depend on each other, so below GAIN_LANES_NMAX they are also
 * computed GAIN_LANES at once, record c in vector lane c, at the rate of
 * the arithmetic. Both ways give the same bits. Internal to lib/lgssm
 * and its tests. */
#ifndef KVAE_LGSSM_GAIN_H
#define KVAE_LGSSM_GAIN_H

#include <stddef.h>

#include "lgssm/lgssm.h"

/* A gain's four (n, n) matrices, in one block of 4 n n doubles. */
struct gain {
	double *P_f, *P_pred, *L, *Lt;	/* Lt = L^T */
};

/* The gain whose block starts at block. */
struct gain gain_at(double *block, size_t n);

/* Fill g from the packed P_filt Pf_packed (n (n+1) / 2 doubles). At is
 * A^T (n, n); fac (n, n) is scratch. 0, or the 1-based pivot at which
 * P_pred is not positive definite. */
size_t gain_compute(const lgssm *m, const double *At,
	const double *Pf_packed, struct gain *g, double *fac);

/* Models with n <= GAIN_LANES_NMAX may use gain_compute_lanes: there
 * dmat_mul's own loops do gain_compute's products (n^3 < DMAT_BLAS_MIN,
 * unless dmat_set_blas forces OpenBLAS), in the order the lanes repeat. */
#define GAIN_LANES 8
#define GAIN_LANES_NMAX 7

/* count (1 .. GAIN_LANES) gains at once: g[c] and pivots[c] from
 * Pf_packed[c] as gain_compute would give them, bit for bit. */
void gain_compute_lanes(const lgssm *m, const double *const *Pf_packed,
	size_t count, struct gain *g, size_t *pivots);

#endif
