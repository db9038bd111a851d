/* vae_train.h: fitting a plain VAE to records (the KVAE's VAE-only warm-up
 * phase, and the --no-dynamics baseline): normalisation from the data,
 * then epochs of shuffled minibatches with Adam. */
#ifndef KVAE_VAEFIT_H
#define KVAE_VAEFIT_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "nn/adam.h"
#include "core/err.h"
#include "vae/vae.h"

typedef struct vae_fit_opts {
	int first_epoch;	/* 0, or where a resumed run starts */
	int epochs;		/* train epochs first_epoch .. epochs - 1 */
	int batch;		/* records per step */
	double w_rec;		/* reconstruction weight */
	double beta;		/* KL weight */
	/* Called after each epoch (NULL: none) with the epoch just done and
	 * its mean loss per record; a checkpoint written here resumes with
	 * first_epoch = epoch + 1. Non-zero stops the fit with that value
	 * (and the callback's message in err). */
	int (*on_epoch)(void *ctx, int epoch, double loss, kv_err *err);
	void *ctx;
} vae_fit_opts;

/* Set v's normalisation to each column's mean and standard deviation
 * over the observed values of data (N, D, data units; NaN = missing).
 * A column with fewer than two distinct observed values gets std 1.
 * 0 or -1. */
int vae_fit_normalisation(vae *v, const double *data, size_t N,
	kv_err *err);

/* Train v on data (N, D, data units; normalised here with v's
 * normalisation) with the optimiser a (its lr, clipping and decay apply;
 * a->n must be v->p.n_trainable). rng draws the shuffles and the
 * samples; the run is determined by v, a, rng and the data, so restoring
 * all three (checkpoint.h) resumes bit-identically. Records with every value
 * missing are skipped. *loss gets the last epoch's mean loss per record.
 * 0 or -1. */
int vae_fit(vae *v, adam *a, gsl_rng *rng, const double *data, size_t N,
	const vae_fit_opts *o, double *loss, kv_err *err);

#endif
