/* internal.h: what lib/lgssm's files share; not a contract. */
#ifndef KVAE_LGSSM_INTERNAL_H
#define KVAE_LGSSM_INTERNAL_H

#include <stddef.h>

#include <gsl/gsl_eigen.h>

#include "core/ahead_thread.h"
#include "linalg/dmat.h"
#include "linalg/dmat_body.h"
#include "lgssm/gain_lanes.h"
#include "lgssm/lgssm.h"

/* What the public header does not promise: the filter's workspace, the
 * kernels of the recursions, and the functions one file of the Kalman
 * filter and smoother calls in another. Included by lib/lgssm's own
 * files only. */

#define LOG_2PI 1.8378770664093454835606594728112

/* Every product of the recursions is arranged as A B, never A B^T:
 * OpenBLAS's kernel for the transposed operand is about half as fast at
 * these sizes (build/release/tests/dmat-bench), so transposes are kept
 * alongside (C_o^T, K^T, A^T). */
struct lgssm_work {
	size_t n, p;
	size_t *obs;		/* (p) indices of observed components */
	double *Cp;		/* (k, n) observed rows of C */
	double *CpT;		/* (n, k) their transpose */
	double *Rp;		/* (k, k) observed block of R */
	double *e;		/* (k) innovation */
	double *v;		/* (k) */
	double *CP;		/* (k, n) C_o P_pred */
	double *S;		/* (k, k) innovation covariance, then its factor */
	double *Kt;		/* (k, n) K^T = S^{-1} C_o P_pred */
	double *K;		/* (n, k) gain */
	double *D;		/* (n, k) */
	double *tmp;		/* (n, n) */
	double *At;		/* (n, n) A^T, see lgssm_work_model */
	double logdet_S;
	size_t k;		/* observed components of the last update */
	int gathered;		/* Cp, CpT, Rp hold obs's rows of m's C, R */
	double *block;
};

/* The kernels of the recursions: dmat's functions or, where inl (a
 * constant at each call) says so, their loops inlined (dmat_body.h),
 * for the small models below. */
static inline __attribute__((always_inline)) void
lgssm_mul(int inl, double *C, const double *A, const double *B, size_t m,
	size_t k, size_t n, double alpha, double beta)
{
	if (inl)
		dmat_body_mul(C, A, B, m, k, n, alpha, beta);
	else
		dmat_mul(C, A, B, m, k, n, 0, 0, alpha, beta);
}

/* y (m) = A x, A (m, n), or A^T x when ta, A (n, m) */
static inline __attribute__((always_inline)) void
lgssm_mv(int inl, double *y, const double *A, const double *x, size_t m,
	size_t n, int ta)
{
	if (inl)
		dmat_body_mv(y, A, x, m, n, ta);
	else
		dmat_mv(y, A, x, m, n, ta);
}

static inline __attribute__((always_inline)) void
lgssm_symmetrise(int inl, double *A, size_t n)
{
	if (inl)
		dmat_body_symmetrise(A, n);
	else
		dmat_symmetrise(A, n);
}

/* Small models: a state of at most LGSSM_SMALL_N and as many components
 * observed, where dmat does every product of the recursions by its own
 * loops (fewer than DMAT_BLAS_MIN multiply-adds). There the cost of a
 * record is that of a dozen calls, each waiting on the one before; with
 * the sizes constant and the loops inlined, the compiler keeps rows in
 * registers and unrolls (filter_small.c, smoother_small.c,
 * smoother_means.c). The same loops either way, so the same bits:
 * dmat_set_blas(0) keeps small models to dmat's functions, for the
 * tests to compare. */
#define LGSSM_SMALL_N 4

static inline int
lgssm_small(size_t n, size_t k)
{
	return n <= LGSSM_SMALL_N && k <= LGSSM_SMALL_N && dmat_blas_by_size();
}

/* filter_small.c: lgssm_update_core and lgssm_predict_core
 * (filter_core.h) for a small model, sizes constant. The former's value
 * as the core's. */
size_t lgssm_update_small(const double *x, const double *mu_pred,
	const double *P_pred, double *mu_filt, double *P_filt, double *quad,
	lgssm_work *w, size_t n, size_t k);
void lgssm_predict_small(const lgssm *m, const double *mu_filt,
	const double *P_filt, double *mu_pred, double *P_pred, lgssm_work *w);

/* steady.c: the steady-state mode of lgssm_filter. A step of a fully
 * observed record with the stored constant gain, means only; and, after
 * a full step on a fully observed record, the test whether P_pred has
 * stopped changing (taking that step's gain if so). */
void lgssm_filter_steady_step(lgssm_filter *f, const double *x);
void lgssm_filter_steady_check(lgssm_filter *f);

/* smoother_small.c: lgssm_smoother_core (smoother_core.h) for a small
 * model, the size constant. */
struct lgssm_smoother;
void lgssm_smoother_small(const lgssm *m, struct lgssm_smoother *s,
	const double *mu_f, int cross);

/* smoother_gains.c: the gains of a trace in the order the backward pass
 * wants them: the k-th is slot tr->slot[T-2] - k's, since slots number
 * the distinct covariances in record order. They are computed in batches
 * of `batch` (enough that handing a batch over costs little next to
 * computing it): GAIN_LANES at a time where n allows (gain_lanes.h), and
 * from n = 16, where a second thread is allowed, most of them on that
 * thread (ahead_thread.h) while the backward pass proper runs on the
 * first. A batch, as an item: `batch` pivots (0, or where that gain's
 * P_pred is not positive definite), then `batch` gains of 4 n n
 * doubles. */
struct lgssm_gains {
	const lgssm *m;
	const lgssm_trace *tr;
	const double *At;
	size_t last;		/* slot of gain 0 */
	size_t count, batch;
	int singular_q;		/* Q singular: every gain by gain_singular */
	ahead *worker;		/* NULL: every batch is the taker's own */
	size_t *theirs;		/* the worker's batches, in order */
	double *fac;		/* (n, n) the worker's scratch */
	/* the taker's side */
	unsigned char *own;	/* a batch of its own */
	size_t taken;		/* worker's batches taken */
	size_t *pivots;		/* of the batch in use */
	double *gains;
};

/* Set up ga for a trace of T >= 2 records of m, whose A^T is At (kept
 * by pointer), and maybe its worker thread. 0, or -1 when out of
 * memory. */
int lgssm_gains_start(struct lgssm_gains *ga, const lgssm *m,
	const lgssm_trace *tr, const double *At, kv_err *err);

/* Make the k-th gain (0, 1, ...), record t's, current in g; fac (n, n)
 * is scratch. 0, or -1 naming the record whose P_pred is not positive
 * definite. */
int lgssm_gains_next(struct lgssm_gains *ga, size_t k, size_t t,
	struct gain *g, double *fac, kv_err *err);

/* Stop ga's worker (if any) and free what lgssm_gains_start set up. */
void lgssm_gains_stop(struct lgssm_gains *ga);

/* smoother_means.c: lgssm_smooth for a means-only trace, the fast state
 * smoother (see lgssm.h). 0, -1 (out of memory) or visit's non-zero
 * value. */
int lgssm_smooth_means(const lgssm *m, const lgssm_trace *tr,
	lgssm_visit visit, void *ctx, kv_err *err);

/* filter.c: gather the observed rows of x, C (and C^T) and R into w
 * (rvar's finite entries replace R's row and column); returns k, the
 * number observed. */
size_t lgssm_gather(const lgssm *m, const double *x, const double *rvar,
	lgssm_work *w);

/* diffuse.c: the diffuse period's measurement update, component by
 * component. The last record's components, as the smoother revisits
 * them: k of them, each a row z (n) of C_o (turned by R_oo's
 * eigenvectors where R_oo is not diagonal), its value y and noise
 * variance rdiag, and as met: v = y - z mu, M_* = P_* z^T, M_inf = Pinf
 * z^T, F_* = z M_* + rdiag, F_inf = z M_inf (0 when not positive; F_*
 * 0 when the component was predicted exactly). */
struct lgssm_delems {
	size_t n, p, k;
	double *z, *Mstar, *Minf;	/* (p, n) each */
	double *v, *Fstar, *Finf;	/* (p) each */
	double *y, *rdiag;		/* (p) each */
	double *U, *tmp;		/* (p, p), (p p + n) scratch */
	gsl_eigen_symmv_workspace *eig;
	double *block;
};
struct lgssm_delems *lgssm_delems_alloc(size_t n, size_t p);
void lgssm_delems_free(struct lgssm_delems *d);

/* Update mu, Pstar, Pinf (n, n) in place with record x (p, NaN missing;
 * rvar as lgssm_update), keeping its components in d (Pinf left exactly
 * zero once every entry is below 1e-9); adds the diffuse
 * log-likelihood terms to *loglik and the observed components to *nobs
 * (either may be NULL). 0, or -1 out of memory. */
int lgssm_diffuse_update(const lgssm *m, const double *x, const double *rvar,
	double *mu, double *Pstar, double *Pinf, double *loglik, size_t *nobs,
	struct lgssm_delems *d, lgssm_work *w, kv_err *err);

/* Pinf_pred = A Pinf_filt A^T, set to exactly zero when every entry is
 * below 1e-9 (the period is over). 1 while it is not zero, else 0. w's
 * A^T as lgssm_predict uses. */
int lgssm_diffuse_predict(const lgssm *m, const double *Pinf_filt,
	double *Pinf_pred, lgssm_work *w);

/* smoother.c: lgssm_smooth without the diffuse dispatch, the RTS or
 * means-only smoother over whatever the trace holds. */
int lgssm_smooth_rts(const lgssm *m, const lgssm_trace *tr,
	lgssm_visit visit, void *ctx, int cross, kv_err *err);

/* smoother_diffuse.c: lgssm_smooth for a trace of a model with diffuse
 * states (see lgssm.h). 0, -1 or visit's non-zero value. */
int lgssm_smooth_diffuse(const lgssm *m, const lgssm_trace *tr,
	lgssm_visit visit, void *ctx, int cross, kv_err *err);

/* Symmetric positive semi-definite matrices (psd.c): Cholesky where S
 * is positive definite, else its eigenvectors, eigenvalues below 1e-12
 * of the largest taken as zero. */

/* F (n, n) with F F^T = S: the Cholesky factor, or V diag(sqrt(lambda)).
 * 0, or -1 out of memory. */
int lgssm_psd_factor(const double *S, size_t n, double *F);

/* B (n, m) := S^+ B, the pseudo-inverse's product (S^{-1} B where S is
 * positive definite). 0, or -1 out of memory. */
int lgssm_psd_solve(const double *S, size_t n, double *B, size_t m);

/* 0 when S (symmetric) has no eigenvalue below -1e-12 of the largest;
 * else -1 and "NAME is not positive semi-definite (eigenvalue ...)". */
int lgssm_psd_check(const char *name, const double *S, size_t n,
	kv_err *err);

#endif
