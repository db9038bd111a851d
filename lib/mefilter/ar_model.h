/* ar_model.h: the maximum-entropy AR model and its steady-state Kalman filter
 * (Avesta & Aboulnasr 2004; notes in ../shared/seeds/002_*.txt).
 *
 * For a given autocorrelation r(0..p) the maximum-entropy sequence is the
 * AR(p) process whose coefficients solve the normal equations R a = r
 * (eq. 13), which Levinson-Durbin solves in O(p^2). The signal observed
 * in white noise of variance R is then a linear Gaussian state-space
 * model in companion form (eq. 15):
 *
 *   state  x_k = (s_{k-p+1}, ..., s_{k-1}, s_k)          (p)
 *   x_{k+1} = A x_k + e_p w_{k+1},  w ~ N(0, err_var)
 *   y_k     = e_p' x_k + v_k,       v ~ N(0, R)
 *
 * where A shifts the state up by one and its last row is
 * (-a_p, ..., -a_1). The filter runs with the steady-state gain from the
 * discrete algebraic Riccati equation, solved once.
 *
 * Conventions (those of SPTK's levdur and lpc2par):
 *   A(z) = 1 + a_1 z^-1 + ... + a_p z^-p, so s_k = -sum_i a_i s_{k-i} + w_k
 *     (the predictor coefficient of lag i is -a_i);
 *   gain K = sqrt(err_var), the prediction-error standard deviation;
 *   reflection (PARCOR) coefficient k_m = a_m^(m), the last coefficient of
 *     the order-m polynomial; |k_m| < 1 for every m exactly when r is
 *     positive definite.
 * Example: r = (1, 0.5, 0.25) gives a_1 = -0.5, a_2 = 0, err_var 0.75,
 * k = (-0.5, 0). */
#ifndef KVAE_MEKF_H
#define KVAE_MEKF_H

#include <stddef.h>

#include "core/err.h"

#define MEKF_MAX_ORDER 64

/* Autocorrelation of x (n samples) about `mean`, k = 0..maxlag. With
 * every sample present, the biased estimate
 * r[k] = (1/n) sum_{t} (x_t - mean)(x_{t+k} - mean), lags >= n giving 0.
 * With NaN (missing) samples, each lag's sum runs over the pairs where
 * both samples are present and is divided by their number (0 where a
 * lag has no pair): dividing by the samples present would shrink every
 * lag whose pairs are fewer, and give 0 to lags never both observed. */
void mekf_autocorr(double *r, const double *x, size_t n, size_t stride,
	double mean, size_t maxlag);

/* The same over `nrun` runs of n samples (run j at x + j * run_stride),
 * the sums taken over all runs; npairs[0..maxlag] (or NULL) receives the
 * number of pairs behind each lag. */
void mekf_autocorr_runs(double *r, size_t *npairs, const double *x,
	size_t nrun, size_t run_stride, size_t n, size_t stride, double mean,
	size_t maxlag);

/* Levinson-Durbin on r[0..p]: a[0..p-1] receives a_1..a_p, k[0..p-1] the
 * reflection coefficients (k may be NULL), *err_var the order-p
 * prediction-error variance. Fails when r[0] <= 0 or some |k_m| >= 1
 * (the autocorrelation is not positive definite), naming m. */
int mekf_levdur(double *a, double *k, double *err_var, const double *r,
	size_t p, kv_err *err);

/* The inverse: the autocorrelation r[0..p] of the AR process with
 * coefficients a_1..a_p and prediction-error variance err_var (step-down
 * to reflection coefficients, then step-up on r). Fails when the
 * polynomial is not minimum phase (some |k_m| >= 1). */
int mekf_levdur_inverse(double *r, const double *a, double err_var,
	size_t p, kv_err *err);

/* The companion-form transition matrix A (p x p, row-major) of a_1..a_p,
 * state ordered oldest first as above. */
void mekf_companion(double *A, const double *a, size_t p);

/* The ME model of one signal and its steady-state filter. */
typedef struct mekf_model {
	size_t p;			/* order */
	double mean;			/* removed before, added after */
	double noise_var;		/* R, the observation noise variance */
	double r[MEKF_MAX_ORDER + 1];	/* autocorrelation, noise removed */
	double a[MEKF_MAX_ORDER];	/* a_1..a_p (SPTK sign) */
	double k[MEKF_MAX_ORDER];	/* reflection coefficients */
	double err_var;			/* prediction-error variance Q */
	double gain[MEKF_MAX_ORDER];	/* steady-state Kalman gain (p) */
	double P_pred_ss;		/* steady-state prior variance of s_k */
	double P_filt_ss;		/* steady-state posterior variance of
					   s_k: the filter's error variance */
} mekf_model;

/* Fit the model to n samples of x (stride apart; NaN samples skipped):
 * mean, autocorrelation, the noise variance subtracted at lag 0,
 * Levinson-Durbin, then the Riccati solution. Fails when the noise
 * variance is not below the signal variance, when Levinson-Durbin
 * fails, or when the Riccati iteration does not converge. */
int mekf_fit(mekf_model *m, const double *x, size_t n, size_t stride,
	size_t p, double noise_var, kv_err *err);

/* Same, with the autocorrelation r[0..p] (noise still in r[0]) and the
 * mean already known, e.g. averaged over the rows of an image. */
int mekf_fit_autocorr(mekf_model *m, const double *r, double mean,
	size_t p, double noise_var, kv_err *err);

/* Solve the discrete algebraic Riccati equation of the model by
 * iterating the covariance recursion to a fixed point; fills gain,
 * P_pred_ss and P_filt_ss. `P` (p*p) returns the steady-state prior
 * covariance if non-NULL. Fails if it has not converged in 100000 steps. */
int mekf_riccati(mekf_model *m, double *P, kv_err *err);

/* Run the steady-state filter over n samples (stride apart) in place:
 * x_t becomes E[s_t | y_1..y_t]. `state` (p, may be NULL: start at the
 * mean) carries the filter on from a previous call and is updated.
 * NaN samples are predicted (no measurement update). m has an order
 * in 1..MEKF_MAX_ORDER, as every fitted model does (asserted). */
void mekf_filter(const mekf_model *m, double *x, size_t n, size_t stride,
	double *state);

/* The same recursion written out with full matrices (predict x = A x,
 * innovation, x += gain * innovation): the reference for tests. */
void mekf_filter_ref(const mekf_model *m, double *x, size_t n,
	size_t stride, double *state);

/* Robust noise variance: sigma = 1.4826 * median|d_t| / sqrt(2) over the
 * first differences d_t = x_{t+1} - x_t (the median absolute deviation
 * of the differences, whose noise part has variance 2 sigma^2; the
 * signal part of a smooth signal barely moves the median). Returns
 * sigma^2, 0 with fewer than 2 samples. NaNs are skipped; when fewer
 * than a tenth of the samples present have a present neighbour (every
 * second sample missing, say), the differences are taken at the
 * smallest lag up to MEKF_MAD_MAX_LAG that has that many. */
#define MEKF_MAD_MAX_LAG 64
double mekf_noise_var_mad(const double *x, size_t n, size_t stride);

/* The same over many runs: `nrun` runs of n samples, run j starting at
 * x + j * run_stride (e.g. the rows of an image). */
double mekf_noise_var_mad_runs(const double *x, size_t nrun,
	size_t run_stride, size_t n, size_t stride);

#endif
