/* vaefit.h: fitting a plain VAE to records (the KVAE's VAE-only warm-up
 * phase, and the --no-dynamics baseline): normalisation from the data,
 * then epochs of shuffled minibatches with Adam. */
#ifndef KVAE_VAEFIT_H
#define KVAE_VAEFIT_H

#include <stddef.h>

#include "adam.h"
#include "err.h"
#include "vae.h"

typedef struct vae_fit_opts {
	int epochs;		/* passes over the data */
	int batch;		/* records per step */
	double w_rec;		/* reconstruction weight */
	double beta;		/* KL weight */
	unsigned long seed;	/* shuffling and sampling (GSL mt19937) */
} vae_fit_opts;

/* Set v's normalisation to each column's mean and standard deviation
 * over the observed values of data (N, D, data units; NaN = missing).
 * A column with fewer than two distinct observed values gets std 1.
 * 0 or -1. */
int vae_fit_normalisation(vae *v, const double *data, size_t N,
	kv_err *err);

/* Train v on data (N, D, data units; normalised here with v's
 * normalisation) with the optimiser a (its lr, clipping and decay apply;
 * a->n must be v->p.n_trainable). Records with every value missing are
 * skipped. *loss gets the last epoch's mean loss per record. 0 or -1. */
int vae_fit(vae *v, adam *a, const double *data, size_t N,
	const vae_fit_opts *o, double *loss, kv_err *err);

#endif
