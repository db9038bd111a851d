/* ar_em.h: the ME model's autocorrelation from data with gaps, by EM
 * through the Kalman smoother.
 *
 * With samples missing in a regular pattern (every second one, say)
 * some lags have no pair of present samples at all, and an estimate
 * from the pairs that exist may not be positive definite. Here the
 * autocorrelation of the clean signal is instead the fixed point of
 *
 *   r(k) <- (1/N) sum_t E[s_t s_{t+k} | y]          k = 0..p
 *
 * the biased estimate of the complete signal, its products replaced by
 * their expectations given the samples present under the current model
 * (the E-step: lgssm.h's filter and RTS smoother on the model's LGSSM
 * form, lag-one cross-covariances for lag p), followed by
 * Levinson-Durbin on it (the M-step of Yule-Walker). Each update is an
 * average of positive semidefinite Toeplitz matrices, so the model stays
 * stationary. Where the data do not tell lags apart (every second
 * sample missing: a spectrum and its mirror image about half the
 * sampling rate fit the same), EM stays near its start, which
 * mekf_em_start makes a smooth one. */
#ifndef KVAE_MEKF_EM_H
#define KVAE_MEKF_EM_H

#include <stddef.h>

#include "core/err.h"
#include "mefilter/ar_model.h"

#define MEKF_EM_START_LAG 64	/* mekf_em_start looks this far at most */
#define MEKF_EM_MAX_ITER 200	/* iterations at most */
#define MEKF_EM_TOL 1e-7	/* stop when no lag moves more than this
				   times r(0) */

/* Whether a lag's estimate from pairs is usable: its pairs make up at
 * least an eighth of the samples present (`nobs`). */
int mekf_lag_estimable(size_t npairs, size_t nobs);

/* A starting autocorrelation rc[0..p] for EM, noise removed: with a
 * positive correlation rho at the smallest estimable lag L >= 1, that
 * of the AR(2) with a double real pole phi whose r(L)/r(0) is rho,
 * r(k) = r(0) phi^k (1 + k (1 - phi^2)/(1 + phi^2)) (of the processes
 * that fit, a smooth one, which has r flat at 0 as a sampled smooth
 * signal has; phi <= 0.999); with a negative one at an odd L, the AR(1)
 * r(0) (-|rho|^(1/L))^k; else white (r(k) = 0 for k >= 1). r, npairs as
 * from mekf_autocorr_runs up to lag `maxlag` (>= 1), nobs the samples
 * present, noise_var removed at lag 0 (r[0] > noise_var). */
void mekf_em_start(double *rc, const double *r, const size_t *npairs,
	size_t maxlag, size_t nobs, double noise_var, size_t p);

/* Fit the model of nrun runs of n samples (run j at x + j * run_stride,
 * samples stride apart, NaN missing) by EM from the clean
 * autocorrelation rc[0..p] (updated in place), the mean held fixed and
 * the noise variance too unless `fit_noise` (then re-estimated as
 * mekf_fit_gaps says; m->noise_var gets the result), then Levinson-Durbin and the Riccati
 * solution as mekf_fit_autocorr. *iters (or NULL) receives the number
 * of iterations. Fails when a model cannot be built or the smoother
 * fails. A start rc[0] not above 1e-12 of the noise variance leaves m
 * flat (err_var 0), not an error; an update that would not be
 * stationary (singular) ends EM at the model before it. */
int mekf_fit_em(mekf_model *m, double *rc, const double *x, size_t nrun,
	size_t run_stride, size_t n, size_t stride, double mean, size_t p,
	double noise_var, int fit_noise, size_t *iters, kv_err *err);

/* The model of a block with gaps, as denoise.c fits it: the start of
 * mekf_em_start, EM at order min(p, MEKF_EM_STAGE) from it, its
 * autocorrelation carried on to lag p by its own recursion, then EM at
 * order p (a short model first settles the lags the gaps leave open
 * before the long one can wander among equally likely aliases). With
 * `fit_noise`, EM also re-estimates the noise variance each iteration:
 * R = the mean over the samples present of E[(y_t - s_t)^2 | y] (an
 * estimate from differences of samples two or more apart holds signal
 * too). Arguments as mekf_em_start and mekf_fit_em. */
#define MEKF_EM_STAGE 2
int mekf_fit_gaps(mekf_model *m, const double *r, const size_t *npairs,
	size_t maxlag, size_t nobs, const double *x, size_t nrun,
	size_t run_stride, size_t n, size_t stride, double mean, size_t p,
	double noise_var, int fit_noise, kv_err *err);

#endif
