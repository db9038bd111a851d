/* lgssm_form.h: the ME model run through the LGSSM library (lgssm.h):
 * the exact, time-varying Kalman filter and the RTS smoother.
 *
 * The companion-form model of ar_model.h becomes an LGSSM with state
 * dimension p and one observation: A the companion matrix, C = e_p',
 * Q = err_var e_p e_p' (the AR innovation enters the newest sample only),
 * R = noise_var (at least MEKF_LGSSM_MIN_NOISE times r(0): lgssm.h
 * needs every filtered variance positive), mu0 = 0 (the mean is removed) and P0 = Toeplitz(r(0),
 * ..., r(p-1)), the stationary covariance of p consecutive samples, so
 * the filter starts from the process's own prior instead of settling in
 * from the steady-state gain. No second Kalman filter lives here: every
 * recursion is lgssm.h's. */
#ifndef KVAE_MEKFLGSSM_H
#define KVAE_MEKFLGSSM_H

#include <stddef.h>

#include "core/err.h"
#include "lgssm/lgssm.h"
#include "mefilter/ar_model.h"

#define MEKF_LGSSM_MIN_NOISE 1e-9

enum { MEKF_STEADY = 0, MEKF_EXACT = 1, MEKF_SMOOTH = 2 };

/* The LGSSM of model m (allocated here; lgssm_free it). 0 or -1. */
int mekf_lgssm_build(lgssm *out, const mekf_model *m, kv_err *err);

/* Estimate the clean signal in place from n samples (stride apart, NaN
 * missing): E[s_t | y_1..t] (MEKF_EXACT) or E[s_t | y_1..n]
 * (MEKF_SMOOTH). *var_out (or NULL) receives the mean posterior variance
 * of the estimates. A model without signal (err_var 0) gives its mean.
 * 0, or -1 with a message naming the sample. */
int mekf_lgssm_run(const mekf_model *m, int mode, double *x, size_t n,
	size_t stride, double *var_out, kv_err *err);

#endif
