/* lgssm.h: the linear Gaussian state-space model, its Kalman filter, RTS
 * smoother, log-likelihood, gradients and sampling.
 *
 *   z_1 ~ N(mu0, P0),  z_t = A z_{t-1} + w_t,  w_t ~ N(0, Q)   state (n)
 *   x_t = C z_t + v_t,  v_t ~ N(0, R)                         observation (p)
 *
 * The code follows Algorithms 1 and 2 of the KVAE paper (seed 001) step
 * by step and uses its names: mu_pred, P_pred = mu_{t|t-1}, Sigma_{t|t-1};
 * mu_filt, P_filt = mu_{t|t}, Sigma_{t|t}; L the smoother gain. Updates
 * use the Joseph form with Cholesky solves (never an explicit inverse)
 * and keep covariances symmetric. A missing component of x_t (NaN) drops
 * its row of x, C and R for that step; an all-missing record skips the
 * update. Matrices are row-major (see dmat.h).
 *
 * Exact diffuse initialisation (Durbin and Koopman 2012, 5.2; Koopman and
 * Durbin 2000): with Pinf non-zero, z_1 ~ N(mu0, P0 + kappa Pinf) as
 * kappa grows without bound. While a record's predicted Pinf is non-zero
 * (the diffuse period) the filter runs the exact initial recursions
 * component by component (the observed block of R turned diagonal by its
 * eigenvectors), and the smoother the matching backward recursions
 * (smoother_diffuse.c); after it, the ordinary ones. The log-likelihood
 * is the diffuse one of Durbin and Koopman 7.2.2, as statsmodels'
 * `llf`: a component whose F_inf is positive adds -log(2 pi F_inf) / 2.
 * (KFAS's logLik leaves out the -log(2 pi) / 2 of those components.)
 *
 * Where it is: model.c (the model, its checks, the workspace); filter.c
 * (Algorithm 1: lgssm_update, lgssm_predict, lgssm_filter; their steps
 * line by line in filter_core.h, small models in filter_small.c, the
 * steady state in steady.c); trace.c (lgssm_filter_trace); smoother.c
 * (Algorithm 2: lgssm_smooth, lgssm_smooth_all; its step in
 * smoother_core.h, small models in smoother_small.c, the gains in
 * smoother_gains.c and gain_lanes.c, the means-only smoother in
 * smoother_means.c); sample.c (lgssm_sample), sample_posterior.c
 * (lgssm_sample_posterior). internal.h holds what
 * these share. */
#ifndef KVAE_LGSSM_H
#define KVAE_LGSSM_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "core/err.h"

typedef struct lgssm {
	size_t n, p;	/* state and observation dimensions */
	double *A;	/* (n, n) transition */
	double *C;	/* (p, n) emission */
	double *Q;	/* (n, n) process noise covariance */
	double *R;	/* (p, p) observation noise covariance */
	double *mu0;	/* (n) mean of z_1 */
	double *P0;	/* (n, n) covariance of z_1 (its known part) */
	double *Pinf;	/* (n, n) its diffuse part, zero: none (not one
			   of the parameters below) */
	double *block;	/* owns all of the above */
} lgssm;

/* The six parameters in a fixed order, for loops over them. */
enum { LGSSM_A, LGSSM_C, LGSSM_Q, LGSSM_R, LGSSM_MU0, LGSSM_P0,
	LGSSM_NPARAM };
extern const char *const lgssm_param_name[LGSSM_NPARAM];	/* "A", ... */

/* The parameter k of m as a pointer and its shape. */
double *lgssm_param(const lgssm *m, int k, size_t *rows, size_t *cols);

/* Allocate a zeroed model. 0, or -1 (out of memory). */
int lgssm_alloc(lgssm *m, size_t n, size_t p, kv_err *err);
void lgssm_free(lgssm *m);	/* safe on a zeroed struct */

/* dst = src (dst allocated here). 0 or -1. */
int lgssm_copy(lgssm *dst, const lgssm *src, kv_err *err);

/* 1 when some state of m is diffuse (Pinf non-zero). */
int lgssm_is_diffuse(const lgssm *m);

/* Make the states idx[0..count-1] diffuse: Pinf selects them, their
 * rows and columns of P0 become 0. */
void lgssm_set_diffuse(lgssm *m, const size_t *idx, size_t count);

/* Check that every entry is finite, Q, R, P0 are symmetric (to 1e-9
 * relative), Q and R positive semi-definite (a state with no noise of
 * its own, exact observations) and P0 positive definite (semi-definite
 * when some state is diffuse). -1 names the
 * first offence. The recursions then need the innovation covariance S
 * positive definite where a record is observed, and say where it is
 * not. */
int lgssm_validate(const lgssm *m, kv_err *err);

/* Scratch memory for one step, for models up to n, p. */
typedef struct lgssm_work lgssm_work;
lgssm_work *lgssm_work_alloc(size_t n, size_t p, kv_err *err);
void lgssm_work_free(lgssm_work *w);

/* Take m into w: its A^T, which lgssm_predict uses, and no rows of C
 * and R yet (lgssm_update keeps those from one record to the next while
 * the same components are observed). Call it before the first update
 * or prediction and whenever m changes (lgssm_filter_reset does, so a
 * model may change between sequences, not within one). */
void lgssm_work_model(lgssm_work *w, const lgssm *m);

/* Measurement update (Algorithm 1, first half) with the observed
 * components of x (p; NaN = missing): mu_filt (n), P_filt (n, n) from
 * mu_pred, P_pred. rvar (p) or NULL: a per-record diagonal R replacing
 * m->R. Adds this record's log-likelihood term log N(x_o; C_o mu_pred,
 * S) to *loglik and the number of observed components to *nobs (either
 * may be NULL). An all-missing record copies the prediction. Returns -1
 * when S is not positive definite. May alias: mu_filt == mu_pred and
 * P_filt == P_pred are allowed. */
int lgssm_update(const lgssm *m, const double *x, const double *rvar,
	const double *mu_pred, const double *P_pred, double *mu_filt,
	double *P_filt, double *loglik, size_t *nobs, lgssm_work *w,
	kv_err *err);

/* Time update (Algorithm 1, second half): mu_pred = A mu_filt, P_pred =
 * A P_filt A^T + Q (symmetrised). No aliasing. */
void lgssm_predict(const lgssm *m, const double *mu_filt,
	const double *P_filt, double *mu_pred, double *P_pred, lgssm_work *w);

/* A streaming filter over one sequence at a time, O(n^2) memory. */
typedef struct lgssm_filter {
	const lgssm *m;		/* not owned */
	double *mu_pred, *P_pred;	/* prior of the next record */
	double *mu_filt, *P_filt;	/* posterior of the last record */
	double loglik;		/* this sequence so far */
	size_t t;		/* records of this sequence so far */
	size_t nobs;		/* observed components so far */
	size_t burn;		/* leave the first `burn` records' terms out
				   of loglik and nobs (0: none) */
	/* Steady state (time-invariant R, fully observed records only):
	 * once P_pred stops changing, reuse the gain. */
	int steady;		/* mode enabled */
	double steady_tol;	/* relative change of P_pred; default 1e-13 */
	int converged;		/* the gain below is in use */
	int cov_changed;	/* the last step changed P_filt */
	size_t steady_steps;	/* records done with the constant gain */
	double *K, *LS, *P_filt_ss, *P_pred_ss;	/* (n,p) (p,p) (n,n) (n,n) */
	double logdet_S;
	/* Exact diffuse initialisation: the diffuse parts of the prior
	 * and the posterior; `diffuse` while the next record is in the
	 * diffuse period, after which both are zero */
	double *Pinf_pred, *Pinf_filt;	/* (n, n) each */
	int diffuse;		/* the next record's Pinf_pred is non-zero */
	int was_diffuse;	/* the last record was in the period */
	size_t ndiffuse;	/* records of the period so far */
	struct lgssm_delems *delems;	/* its scratch (NULL: no diffuse
					   state) */
	lgssm_work *w;
	double *block;
} lgssm_filter;

/* Set up for model m (kept by pointer). 0 or -1. */
int lgssm_filter_init(lgssm_filter *f, const lgssm *m, int steady,
	kv_err *err);

/* Start a new sequence: prior N(mu0, P0), log-likelihood 0. */
void lgssm_filter_reset(lgssm_filter *f);

/* One record: update with x (p, NaN missing; rvar as lgssm_update),
 * leaving mu_filt, P_filt, then predict the next prior. -1 when a
 * covariance stops being positive definite. */
int lgssm_filter_step(lgssm_filter *f, const double *x, const double *rvar,
	kv_err *err);

void lgssm_filter_free(lgssm_filter *f);

/* After lgssm_filter_step: that record's gain K (n, p), and u (p) =
 * S^{-1} e, its innovation weighed by the innovation covariance; both
 * zero where the record's component was missing. K may be NULL. */
void lgssm_filter_gain(const lgssm_filter *f, double *K, double *u);

/* What the forward pass keeps for the backward pass of one sequence.
 * Full trace: mu_filt per record and, per distinct covariance
 * (steady-state records share one), a slot holding P_filt packed
 * (n (n+1)/2 doubles). Means-only trace (the caller sets means_only
 * before filtering): per record u_t = S_t^{-1} e_t, the innovation
 * weighed by its covariance, and per slot the gain K_t (n, p), both with
 * zeros where the record's component was missing, and at anchor records
 * (see lgssm_smooth) mu_filt and P_filt; the smoother then gives means
 * only, O(n^2 + n p) a record, with no factorisation. */
#define LGSSM_ANCHOR 32	/* records between anchors at most */
typedef struct lgssm_trace {
	size_t n, p, T;
	int means_only;		/* set by the caller (zeroed: 0) */
	int threads;		/* set by the caller: with 2 or more, a
				   second thread maps the trace ahead of
				   the filter and computes lgssm_smooth's
				   gains (zeroed: 0, one thread) */
	double *mu_filt;	/* (T, n), full trace only */
	double *u;		/* (T, p), means-only trace only */
	double *r;		/* (T, n), means-only: the smoother's scratch */
	/* means-only: the anchors, records anchor_t[k] (increasing), each
	 * n + n n doubles: mu_filt, P_filt */
	double *anchors;
	size_t *anchor_t;
	size_t nanchors, anchor_cap;
	double anchor_var;	/* largest variance in the last one */
	size_t *slot;		/* (T): which slot record t uses */
	double *slots;		/* (nslots, slot_len) */
	size_t nslots, slot_len;
	size_t cap;		/* room for cap records and as many slots */
	double loglik;
	/* A model with diffuse states (always a full trace): the
	 * records of the diffuse period and each one's predicted Pinf,
	 * and every record's x and rvar, which the backward recursions
	 * of the exact initial smoother revisit */
	size_t ndiffuse;	/* records in the diffuse period */
	int diffuse_open;	/* the period had not ended by the last record */
	double *pinf;		/* (ndiffuse, n, n) */
	double *x, *rvar;	/* (T, p) each; rvar NULL when not given */
	size_t diffuse_cap;	/* room in pinf, in records */
} lgssm_trace;

/* Filter the whole sequence x (T, p) (rvar (T, p) or NULL) with f,
 * keeping the trace (its memory is reused between calls). f is reset
 * first. 0 or -1 (message names the record, 1-based). */
int lgssm_filter_trace(lgssm_filter *f, const double *x, const double *rvar,
	size_t T, lgssm_trace *tr, kv_err *err);

void lgssm_trace_free(lgssm_trace *tr);

/* Called by the smoother once per record t (0-based: from T-1 down to
 * 0, or from 0 up for a means-only trace) with the smoothed moments of
 * z_t: mu_smooth (n), P_smooth (n, n), and P_cross = Cov(z_{t+1}, z_t |
 * x_{1:T}) (n, n), NULL at t = T-1. The buffers are the smoother's; copy
 * what you keep. Non-zero stops the smoother and is returned. */
typedef int (*lgssm_visit)(void *ctx, size_t t, const double *mu_smooth,
	const double *P_smooth, const double *P_cross);

/* With diffuse states the trace is a full one whatever means_only
 * says, and lgssm_smooth runs the exact initial smoother instead
 * (Durbin and Koopman 2012, 5.3 and 6.4; smoother_diffuse.c): the
 * backward recursions r, N over every record and the extra r1, N1, N2
 * over the diffuse period, component by component; moments as below,
 * P_cross not available (`cross` must be 0); an error when the diffuse
 * period did not end (the data do not identify the initial state). */

/* After the diffuse period the exact initial smoother hands the records
 * to the RTS smoother below and takes r, N back at the first record
 * after the period from its smoothed moments, where that record's
 * predicted covariance is safely positive definite (condition below
 * 1e6); else it runs its own backward recursions there too. 0 keeps it
 * to the latter (for the tests to compare); returns the old setting. */
int lgssm_diffuse_handover(int on);

/* RTS smoother (Algorithm 2) over a trace from lgssm_filter_trace:
 * L_t = P_filt_t A^T P_pred_{t+1}^{-1} (by Cholesky solve),
 * mu_smooth_t = mu_filt_t + L_t (mu_smooth_{t+1} - mu_pred_{t+1}),
 * P_smooth_t = P_filt_t + L_t (P_smooth_{t+1} - P_pred_{t+1}) L_t^T,
 * P_cross_t = P_smooth_{t+1} L_t^T (only when `cross`; else the visitor
 * gets NULL). Predictions are recomputed from the trace rather than
 * stored. Where the trace shares one P_filt (steady state) L is reused,
 * and once P_smooth then stops changing (1e-13 relative) only the means
 * are updated. With tr->threads >= 2 and n >= 16 the gains L_t (which
 * depend on P_filt_t alone) are computed on a second thread, in batches
 * ahead of the recursion; the results are the same to the bit.
 *
 * A means_only trace gives the means alone, by the fast
 * state smoother (de Jong 1989; Durbin & Koopman 2012, 4.6.2): backwards
 * r_{t-1} = s_t + C^T (u_t - K_t^T s_t) with s_t = A^T r_t, r_{T-1} = 0;
 * then forwards mu_smooth_{t+1} = A mu_smooth_t + Q r_t, except at
 * anchor records, where mu_smooth_t = mu_filt_t + P_filt_t s_t. The
 * first record is an anchor, and so is a record whose largest filtered
 * variance has fallen below half of that at the last anchor, or that is
 * LGSSM_ANCHOR records past it. Why: the rounding error of a mean
 * computed from r is about proportional to the covariance multiplying r,
 * and the forward recursion carries it on (undamped where A has unit
 * roots). The textbook start mu_smooth_0 = mu0 + P0 r_{-1} with a
 * diffuse P0 keeps its error (8e-12 relative with P0 = 1e6 on a
 * local-level model) through the whole sequence; with the anchors the
 * error at each record stays within
 * a small factor of the RTS smoother's (tests/unit/test_lgssm.c against
 * the RTS means, tests/reference against a 50-digit reference). The
 * visitor gets NULL for P_smooth and P_cross,
 * and `cross` must be 0. 0, -1 (a P_pred not positive definite), or
 * the visitor's non-zero value. */
int lgssm_smooth(const lgssm *m, const lgssm_trace *tr, lgssm_visit visit,
	void *ctx, int cross, kv_err *err);

/* Smoothed moments of a whole sequence in memory, for callers that
 * want them all (tests, KVAE training). */
typedef struct lgssm_moments {
	size_t T, n;
	double *mu;	/* (T, n) E[z_t | x] */
	double *P;	/* (T, n, n) Cov(z_t | x) */
	double *P_cross;	/* (T-1, n, n) Cov(z_{t+1}, z_t | x) */
	double loglik;	/* log p(x_1:T) */
} lgssm_moments;

/* Filter and smooth x (T, p) into mo (allocated here; lgssm_moments_free
 * it). 0, or -1 with mo freed (freeing it again is harmless). */
int lgssm_smooth_all(const lgssm *m, const double *x, const double *rvar,
	size_t T, lgssm_moments *mo, kv_err *err);
void lgssm_moments_free(lgssm_moments *mo);

/* Draw z (T, n) (or NULL) and x (T, p) from the model. 0 or -1 (also
 * for a model with diffuse states, which has no distribution to draw
 * from). */
int lgssm_sample(const lgssm *m, gsl_rng *rng, size_t T, double *z,
	double *x, kv_err *err);

/* Draw from the posterior given x (T, p; NaN = missing) by forward
 * filtering, backward sampling (Carter and Kohn 1994; Fruhwirth-Schnatter
 * 1994): z_T from N(mu_filt_T, P_filt_T), then each z_t from
 * p(z_t | z_{t+1}, x_1:t) = N(mu_filt_t + L_t (z_{t+1} - mu_pred_{t+1}),
 * P_filt_t - L_t A P_filt_t), L_t the smoother gain; into z (T, n) (or
 * NULL). xs (T, p) gets x with each missing component drawn from
 * p(x_t | z_t, x_t's observed components). A covariance that is only
 * semi-definite (data that fix a state) is drawn from through its
 * eigenvectors. O(T n^2) memory. 0 or -1 (the message names the
 * record; a model with diffuse states is refused). */
int lgssm_sample_posterior(const lgssm *m, gsl_rng *rng, const double *x,
	size_t T, double *z, double *xs, kv_err *err);

#endif
