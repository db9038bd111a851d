/* train.h: training a KVAE (kvae.h) on many sequences, the recipe of
 * seed 001 section 3.2: VAE-only warm-up epochs (N(0, I) prior, LGSSM
 * untouched), then joint training of the VAE and the LGSSM on the full
 * objective; reconstruction weight; KL annealing; Adam with step decay
 * and clipping; minibatches of whole sequences. With dynamics off
 * throughout, the same loop trains a plain VAE (kvae-train
 * --no-dynamics; a VAE of single records: make each record a sequence
 * of one): the LGSSM's gradients are zero and its parameters stay as
 * they are. Also the training data (normalised, split into training
 * and validation sequences) and checkpoints that resume
 * bit-identically. */
#ifndef KVAE_KVAEFIT_H
#define KVAE_KVAEFIT_H

#include <gsl/gsl_rng.h>
#include <signal.h>
#include <stddef.h>

#include "nn/adam.h"
#include "core/err.h"
#include "vae/kvae.h"

/* Sequences laid end to end, normalised with the model's statistics. */
typedef struct kvae_data {
	size_t nseq, N, D;
	size_t *T, *off;	/* (nseq) lengths and first records */
	float *y;		/* (N, D), NaN = missing */
	float *target;		/* (N, D) the decoder's target, or NULL:
				   y (a denoising model's clean records) */
	size_t nobs;		/* values of y observed (not NaN) */
} kvae_data;

/* Split the nseq sequences of x (sum T, D; data units) into training and
 * validation sets: a shuffle by gsl mt19937 seeded with `seed`, the
 * first round(val_fraction nseq) to validation (at least one sequence
 * stays for training). With fit_norm, v's normalisation is set first:
 * each column's mean and standard deviation over the observed values of
 * the training sequences (std 1 for a column with fewer than two
 * observed values or no spread). Both sets are normalised with
 * v's. 0, or -1 (out of memory, or no observed value to train on). */
int kvae_data_split(const double *x, const size_t *T, size_t nseq, size_t D,
	double val_fraction, unsigned long seed, vae *v, int fit_norm,
	kvae_data *train, kvae_data *val, kv_err *err);

/* The same with targets: target (laid out as x) holds the records the
 * decoder is trained to give for x's (e.g. x noisy, target clean); both
 * are split alike and normalised with v's normalisation, which is
 * fitted on x, the encoder's input. target NULL is kvae_data_split. */
int kvae_data_split_pairs(const double *x, const double *target,
	const size_t *T, size_t nseq, size_t D, double val_fraction,
	unsigned long seed, vae *v, int fit_norm, kvae_data *train,
	kvae_data *val, kv_err *err);

/* A clip of frames in model units (an image VAE's inputs in [-1, 1]):
 * n frames of D floats, in order. */
typedef struct kvae_clip {
	const float *frames;
	size_t n;
} kvae_clip;

/* Training and validation sequences from clips, as seed 001 trains on
 * video: each clip is subsampled every `period` frames from a start in
 * [0, period) and cut into consecutive windows of `length` frames,
 * the windows placed at a random offset in the clip (the frames left
 * over, fewer than length * period, are split between the ends); a
 * clip too short for one window gives one shorter sequence (of at least
 * two frames; shorter clips are skipped). The windows are shuffled
 * (mt19937 seeded with `seed`) and round(val_fraction * windows) go to
 * validation (at least one stays for training), so the two sets never
 * share a frame. 0, or -1 (out of memory, no window). */
int kvae_data_windows(const kvae_clip *clips, size_t nclips, size_t D,
	size_t length, size_t period, double val_fraction,
	unsigned long seed, kvae_data *train, kvae_data *val, kv_err *err);
void kvae_data_free(kvae_data *d);

enum kvae_anneal { KVAE_ANNEAL_NONE, KVAE_ANNEAL_MONOTONE,
	KVAE_ANNEAL_CYCLIC };

typedef struct kvae_fit_opts {
	int dynamics;		/* 0: --no-dynamics, the plain VAE */
	int vae_epochs;		/* warm-up epochs 0 .. vae_epochs - 1 */
	int batch;		/* sequences per step */
	int samples;		/* K */
	double w_rec, beta;
	int anneal;		/* enum kvae_anneal */
	int anneal_epochs;	/* ramp length (monotone) or cycle (cyclic) */
} kvae_fit_opts;

/* "none", "monotone", "cyclic" -> enum, -1 if unknown. */
int kvae_anneal_parse(const char *s);

/* Prior weight in an epoch: beta during warm-up; after it, with j
 * epochs of joint training done, monotone beta min(1, (j+1)/E), cyclic
 * beta min(1, 2 ((j mod E) + 1) / E), none beta. */
double kvae_fit_beta(const kvae_fit_opts *o, int epoch);

/* What one epoch did: sums of kvae_terms over training and validation
 * sets, the lr and beta used. */
typedef struct kvae_epoch {
	int joint;		/* 1 after the warm-up with dynamics */
	double lr, beta;
	kvae_terms train, val;
} kvae_epoch;

/* One epoch: shuffle the training sequences (rng), a step per batch,
 * then the validation objective (no update). The run depends on k, a,
 * rng and the data only. If *stop becomes non-zero between steps the
 * epoch is abandoned and 1 returned (k, a, rng part-way: restore a
 * snapshot). 0, 1 or -1 (a non-finite loss, an LGSSM failure). */
int kvae_fit_epoch(kvae *k, adam *a, gsl_rng *rng, const kvae_data *train,
	const kvae_data *val, const kvae_fit_opts *o, int epoch,
	volatile sig_atomic_t *stop, kvae_epoch *out, kv_err *err);

/* Per-record ELBO of a set of terms (NaN when empty). */
double kvae_terms_elbo(const kvae_terms *t);

/* Everything a resumed run needs, copied: parameters, Adam's state and
 * the generator's state. */
typedef struct kvae_snapshot {
	float *theta;
	float *buffers;		/* the VAE's non-trained tensors (batch
				   norm's running statistics) */
	double *m, *v;
	long step;
	gsl_rng *rng;
} kvae_snapshot;

int kvae_snapshot_take(kvae_snapshot *s, kvae *k, const adam *a,
	const gsl_rng *rng, kv_err *err);
void kvae_snapshot_restore(const kvae_snapshot *s, kvae *k, adam *a,
	gsl_rng *rng);
void kvae_snapshot_free(kvae_snapshot *s);

/* Write a checkpoint (atomic): the model file's tensors and metadata,
 * Adam's state, the generator ("rng") and "train" metadata
 * {"next_epoch": E}. 0 or -1. */
int kvae_ckpt_save(kvae *k, const adam *a, const gsl_rng *rng,
	int next_epoch, const char *path, kv_err *err);

/* Read a checkpoint: k built from it, a initialised and restored, rng
 * (already allocated, mt19937) restored, *next_epoch set. 0 or -1 with
 * a message naming the file. */
int kvae_ckpt_load(kvae *k, adam *a, gsl_rng *rng, int *next_epoch,
	const char *path, kv_err *err);

#endif
