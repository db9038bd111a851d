/* adam.h: the Adam optimiser (Kingma & Ba 2015) with bias correction,
 * global-norm gradient clipping and step learning-rate decay.
 *
 * Works on one contiguous float block (nnparams' trainable prefix). The
 * moments are float64 so that long runs and --resume stay exact. */
#ifndef KVAE_ADAM_H
#define KVAE_ADAM_H

#include <stddef.h>

#include "core/err.h"

typedef struct adam {
	double lr;		/* base learning rate */
	double beta1, beta2, eps;
	double clip;		/* max global gradient norm; <= 0: none */
	int decay_every;	/* epochs between decays; <= 0: none */
	double decay;		/* lr factor per decay step */
	size_t n;		/* parameters */
	long step;		/* updates done (for bias correction) */
	double *m, *v;		/* (n) first and second moments */
} adam;

/* Defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8, no clipping, no decay)
 * and zeroed moments for n parameters. 0 or -1. */
int adam_init(adam *a, size_t n, kv_err *err);
void adam_free(adam *a);

/* Learning rate at an epoch (0-based): lr decay^floor(epoch/every). */
double adam_lr(const adam *a, int epoch);

/* The gradient's global L2 norm; if above max_norm (> 0), scale grad so
 * its norm is max_norm. Returns the norm before clipping. */
double adam_clip(float *grad, size_t n, double max_norm);

/* One update of param (n) from grad (n) with learning rate lr:
 * clipping (a->clip), moments, bias correction, step. Returns the
 * gradient norm before clipping. */
double adam_step(adam *a, float *param, float *grad, double lr);

#endif
