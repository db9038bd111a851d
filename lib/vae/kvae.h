/* kvae.h: the Kalman VAE (seed 001): a VAE (vae.h) whose latent records
 * x_t are the observations of an LGSSM (lgssm.h), and its objective,
 * equation (6), per sequence y_1:T:
 *
 *   ELBO = E_q(x|y) [ w_rec log p(y|x) - log q(x|y) + log p_gamma(x) ]
 *
 * estimated with K reparameterised samples x = mean + sigma eps. The
 * LGSSM term log p_gamma(x) is the exact marginal log-likelihood from
 * the Kalman filter; its gradients with respect to x_t and to A, C, Q,
 * R, mu0, P0 come from Fisher's identity (stats.h), so nothing is
 * backpropagated through the recursions. With dynamics off the prior is
 * N(0, I) and the KL term is analytic (the plain VAE baseline). beta
 * weights the prior part, -log q - log p_gamma (or the KL).
 *
 * LGSSM parameters (float, nnparams "lgssm.*" tensors): A (n, n), C
 * (L, n), mu0 (n) trained directly; Q, R, P0 diagonal, trained as log
 * standard deviations lgssm.Q_log_std (n), lgssm.R_log_std (L),
 * lgssm.P0_log_std (n). The full matrices lgssm.Q, lgssm.R, lgssm.P0
 * are buffers filled from them before a save, so kf-filter and
 * kf-smooth read a model file directly (spec.h). */
#ifndef KVAE_KVAE_H
#define KVAE_KVAE_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "nn/adam.h"
#include "core/err.h"
#include "lgssm/lgssm.h"
#include "lgssm/stats.h"
#include "nn/params.h"
#include "core/safetensors.h"
#include "vae/vae.h"

#define KVAE_META_KEY "lgssm"	/* metadata: {"state_dim", "obs_dim"} */

typedef struct kvae {
	vae v;			/* encoder q(x|y), decoder p(y|x) */
	size_t n, L;		/* LGSSM state dim, latent (observation) dim */
	nnparams lp;		/* the lgssm.* tensors */
	int iA, iC, imu0, isQ, isR, isP0;	/* trainable */
	int iQ, iR, iP0;			/* full-matrix buffers */
	lgssm m;		/* the current LGSSM in double (kvae_sync) */
	lgssm g;		/* its gradient (scratch) */
	lgssm_stats st;
	size_t ntrain;		/* trainable floats: VAE's, then LGSSM's */
	float *theta, *dtheta;	/* (ntrain) packed for the optimiser */
	/* kvae_loss scratch, grown to the batch */
	size_t cap;
	float *buf;
	double *xd, *gx;
} kvae;

/* Which objective and weights. */
typedef struct kvae_loss_opts {
	int dynamics;		/* 1: log p_gamma prior; 0: N(0, I) */
	double w_rec;		/* reconstruction weight */
	double beta;		/* prior / KL weight */
	int samples;		/* K >= 1 */
	size_t batch_records;	/* records of the whole batch when this
				   call has a share of it (data-parallel
				   training): the loss is per record of
				   the batch; 0: the call's own */
} kvae_loss_opts;

/* Sums over a batch (unweighted), for reporting. */
typedef struct kvae_terms {
	double nll;		/* -log p(y|x), summed, averaged over samples */
	double prior;		/* E[log q(x|y) - log p(x)] (KL when no dynamics) */
	double loglik;		/* log p_gamma(x), averaged over samples */
	double sq_err;		/* squared error of the decoded mean (normalised) */
	size_t records, observed;
} kvae_terms;

/* Allocate a KVAE: a VAE of cfg and an LGSSM of state n observing
 * cfg->latent_dim. Parameters zero until kvae_init_random or a load.
 * 0 or -1. Free with kvae_free (safe on a zeroed struct). */
int kvae_init(kvae *k, const vae_config *cfg, size_t n, kv_err *err);
void kvae_free(kvae *k);

/* VAE as vae_init_random; A = I + U(+-0.05), C = U(+-1/sqrt(n)),
 * mu0 = 0, Q std 0.1, R std 0.3, P0 std 1. Then kvae_sync. */
void kvae_init_random(kvae *k, gsl_rng *rng);

/* Rebuild k->m and the full covariance buffers from the trainable
 * tensors. 0 or -1 (a non-finite entry). */
int kvae_sync(kvae *k, kv_err *err);

/* The objective on a batch of sequences: y (N, D) normalised records of
 * nseq sequences laid end to end, T (nseq) their lengths (sum N), eps
 * (K, N, Lat) the standard normal noise. Zeroes nothing: adds the
 * gradient of *loss = -(weighted ELBO) / (N) into the parameters'
 * gradients (v.p.grad, lp.grad); terms (may be NULL) += the batch's
 * unweighted sums. 0 or -1. */
int kvae_loss(kvae *k, const float *y, const size_t *T, size_t nseq,
	const float *eps, const kvae_loss_opts *o, double *loss,
	kvae_terms *terms, kv_err *err);

/* The same with the decoder's likelihood on target (N, D) instead of y:
 * the encoder reads y, e.g. noisy records, and the decoder is asked
 * for target, the clean ones (a denoising model). target = y is
 * kvae_loss. */
int kvae_loss_target(kvae *k, const float *y, const float *target,
	const size_t *T, size_t nseq, const float *eps,
	const kvae_loss_opts *o, double *loss, kvae_terms *terms,
	kv_err *err);

/* Zero every gradient. */
void kvae_zero_grad(kvae *k);

/* Trainable parameters <-> k->theta, gradients -> k->dtheta. */
void kvae_gather(kvae *k);
void kvae_scatter(kvae *k);

/* One Adam update of every trainable parameter (a->n == k->ntrain),
 * then kvae_sync. Returns 0 or -1. */
int kvae_step(kvae *k, adam *a, double lr, kv_err *err);

/* The same from k->theta and k->dtheta as kvae_gather left them (and
 * the caller changed: summed over processes). 0 or -1. */
int kvae_step_gathered(kvae *k, adam *a, double lr, kv_err *err);

/* Add the model's tensors and metadata (vae_write's plus "lgssm") to w;
 * k must outlive the save. 0 or -1. */
int kvae_write(kvae *k, st_writer *w, kv_err *err);

/* Save as a model file (atomic). 0 or -1. */
int kvae_save(kvae *k, const char *path, kv_err *err);

/* Build k from a read model file with lgssm.* tensors. 0 or -1. */
int kvae_from_file(kvae *k, const st_file *f, kv_err *err);

#endif
