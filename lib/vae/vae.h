/* vae.h: a Gaussian VAE (the KVAE's encoder q(x|y) and decoder p(y|x);
 * Kingma & Welling 2014, reparameterisation; seed 001 section 3.2 for
 * its role in the KVAE), of one of two kinds:
 *
 * - vector records, built from nn.h's dense layers:
 *   encoder  y (B, D) -> [dense, act] per hidden size -> mean (B, L) and
 *            log-variance (B, L) heads
 *   decoder  x (B, L) -> [dense, act] per hidden size, reversed -> mean
 *            (B, D)
 * - image frames (C, S, S), D = C S S: the paper's convolutional encoder
 *   and decoder (conv_net.h). Frames are in [-1, 1] already (the frame
 *   source's scaling), so the normalisation below is the identity.
 *
 * Both kinds share the rest:
 *   sample   x = mean + exp(logvar / 2) eps, eps ~ N(0, I) (GSL mt19937)
 *   output   a learned per-dimension log-variance (D) beside the
 *            decoder's mean: a Gaussian p(y|x)
 *
 * Records are normalised before the encoder ((y - mean) / std, from the
 * model's metadata) and the decoder's output is in normalised units; the
 * caller converts with vae_normalise / vae_denormalise. Missing values
 * (NaN) enter the encoder as 0 (the normalised mean) and are left out
 * of the reconstruction term.
 *
 * Tensor names (safetensors, PyTorch layouts, (out, in) weights): for
 * vectors encoder.fc{i}.weight/bias, encoder.mean.*, encoder.logvar.*,
 * decoder.fc{i}.weight/bias, decoder.mean.*, decoder.logvar (D); for
 * images conv_net.h's names and decoder.logvar (C, S, S). The
 * architecture and normalisation are JSON under the metadata key "kvae"
 * (see kvae-model(5)).
 *
 * Loss terms are per-element functions that return their value summed
 * over the batch and ACCUMULATE `scale` times their gradient, so a
 * caller composes -ELBO = w_rec NLL + beta KL (VAE) or the KVAE's
 * w_rec NLL - entropy - log p_gamma(x) from the same pieces. */
#ifndef KVAE_VAE_H
#define KVAE_VAE_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "core/err.h"
#include "nn/params.h"
#include "core/safetensors.h"
#include "vae/conv_net.h"

#define VAE_MAX_HIDDEN 8
#define VAE_META_KEY "kvae"

enum vae_act { VAE_TANH, VAE_RELU, VAE_LEAKY_RELU };

/* A vector model whose records are a sound's spectrogram frames
 * (vae/audio_map.h): the STFT that makes them (media/stft.h) and the
 * features, log(|X| + floor) per bin, so that encoding and decoding
 * agree. sample_rate 0: not an audio model. */
typedef struct vae_audio {
	int sample_rate;
	int window, hop;	/* STFT size and hop, samples */
	int shape;		/* enum stft_window */
	double floor;
} vae_audio;
enum vae_input { VAE_VECTOR, VAE_IMAGE };

typedef struct vae_config {
	int input;			/* enum vae_input */
	int input_dim;			/* D (images: set from conv) */
	int latent_dim;			/* L */
	int n_hidden;			/* vectors: */
	int hidden[VAE_MAX_HIDDEN];	/* encoder sizes; decoder reversed */
	int act;			/* enum vae_act */
	convnet_config conv;		/* images: channels, size, filters
					   (its latent_dim is L) */
} vae_config;

typedef struct vae {
	vae_config cfg;
	nnparams p;
	convnet conv;			/* images */
	int fps_num, fps_den;		/* images: the frame rate of one
					   model step (0/0: not known) */
	double *norm_mean, *norm_std;	/* (D) record normalisation */
	vae_audio audio;		/* vectors: spectrogram frames */
	/* parameter indices */
	int enc_w[VAE_MAX_HIDDEN], enc_b[VAE_MAX_HIDDEN];
	int mu_w, mu_b, lv_w, lv_b;
	int dec_w[VAE_MAX_HIDDEN], dec_b[VAE_MAX_HIDDEN];
	int out_w, out_b, out_lv;
	/* activations of the last forward, for backward; batch capacity */
	int cap, B_enc, B_dec;
	float *enc_in;				/* (B, D) NaN -> 0 */
	float *enc_a[VAE_MAX_HIDDEN], *enc_h[VAE_MAX_HIDDEN];
	float *dec_in;				/* (B, L) */
	float *dec_a[VAE_MAX_HIDDEN], *dec_h[VAE_MAX_HIDDEN];
	float *scratch_a, *scratch_b;		/* backward (B, max width) */
} vae;

/* Check a configuration (positive sizes, known activation; for images
 * conv_net's checks, and input_dim set to C S S); 0 or -1. */
int vae_config_check(vae_config *cfg, kv_err *err);

/* Batch statistics (1, training) or running ones (0, the default) in
 * the image kind's batch norm; no effect on vectors. */
void vae_set_training(vae *v, int training);

/* Declare and allocate the parameters for cfg; normalisation starts as
 * mean 0, std 1; weights zero until vae_init_random or a load. 0 or -1.
 * Free with vae_free (also safe on a zeroed struct). */
int vae_init(vae *v, const vae_config *cfg, kv_err *err);
void vae_free(vae *v);

/* PyTorch's default initialisation: weights and biases uniform in
 * +-1/sqrt(fan_in), batch norm as conv_net.h; decoder.logvar 0. */
void vae_init_random(vae *v, gsl_rng *rng);

/* Name of an activation ("tanh", "relu", "leaky_relu"), and back
 * (-1 if unknown). */
const char *vae_act_name(int act);
int vae_act_from_name(const char *name);

/* y (D) in data units -> normalised, in place (NaN stays NaN). */
void vae_normalise(const vae *v, double *y);
/* Normalised -> data units, in place. */
void vae_denormalise(const vae *v, double *y);
/* Log-variance in normalised units -> variance in data units, in place. */
void vae_denormalise_var(const vae *v, double *var);

/* Encoder: mean (B, L), logvar (B, L) from normalised y (B, D, NaN =
 * missing). Keeps activations for vae_encoder_backward. 0 or -1. */
int vae_encode(vae *v, float *mean, float *logvar, const float *y, int B,
	kv_err *err);

/* Decoder: ymean (B, D) from x (B, L). Keeps activations. 0 or -1. */
int vae_decode(vae *v, float *ymean, const float *x, int B, kv_err *err);

/* Backward through the last vae_decode: parameter gradients += and dx
 * (B, L) += (dx may be NULL). 0 or -1. */
int vae_decoder_backward(vae *v, float *dx, const float *dymean,
	kv_err *err);

/* Backward through the last vae_encode: parameter gradients +=. 0 or -1. */
int vae_encoder_backward(vae *v, const float *dmean, const float *dlogvar,
	kv_err *err);

/* x = mean + exp(logvar / 2) eps for n values; eps (n) is drawn from rng
 * and returned for the backward. */
void vae_sample(float *x, float *eps, const float *mean,
	const float *logvar, size_t n, gsl_rng *rng);
/* dmean += dx; dlogvar += dx eps exp(logvar / 2) / 2. */
void vae_sample_backward(float *dmean, float *dlogvar, const float *dx,
	const float *eps, const float *logvar, size_t n);

/* KL(N(mean, exp(logvar)) || N(0, 1)) summed over n values; adds scale
 * times its gradient to dmean, dlogvar. */
double vae_kl(float *dmean, float *dlogvar, const float *mean,
	const float *logvar, size_t n, double scale);

/* -log N(y; ymean, diag exp(out_logvar)) over the observed (non-NaN)
 * entries of y (B, D); adds scale times its gradient to dymean (B, D) and
 * dlogvar (D). *observed (may be NULL) gets the number of entries
 * counted. */
double vae_nll(float *dymean, float *dlogvar, const float *y,
	const float *ymean, const float *logvar, int B, int D, double scale,
	size_t *observed);

/* -log q(x|y) at the sample x = mean + sigma eps: sum of (log 2 pi +
 * logvar + eps^2) / 2 (its gradient reaches only logvar, +scale/2, as x
 * moves with mean and sigma). */
double vae_neg_log_q(float *dlogvar, const float *logvar, const float *eps,
	size_t n, double scale);

/* The plain VAE's loss on a batch, per record: w_rec NLL + beta KL, one
 * sample per record; gradients (scaled the same) += into v->p.grad.
 * terms (may be NULL) gets { NLL, KL } per record. 0 or -1. */
int vae_loss(vae *v, const float *y, int B, double w_rec, double beta,
	gsl_rng *rng, double *loss, double terms[2], kv_err *err);

/* Column names z1..zL for latent records, NULL-terminated; NULL when
 * out of memory. Free with vae_names_free. */
char **vae_latent_names(int L);
void vae_names_free(char **names, int n);

/* Add the VAE's tensors and its "kvae" metadata to w (JSON: format,
 * version, then for vectors input "vector", input_dim, latent_dim,
 * hidden, activation, normalization {mean, std}, and for audio models
 * audio {sample_rate, window, hop, shape, features, floor}; for images input
 * "image", channels, frame_size, filters, latent_dim, frame_rate
 * [num, den] when known). v must outlive the save. 0 or -1. */
int vae_write(const vae *v, st_writer *w, kv_err *err);

/* Save as a model file (atomic). 0 or -1. */
int vae_save(const vae *v, const char *path, kv_err *err);

/* Build v from a read model file: metadata checked, every encoder./
 * decoder. tensor present with its shape. 0 or -1 with a message naming
 * the file. */
int vae_from_file(vae *v, const st_file *f, kv_err *err);

/* st_read + vae_from_file. */
int vae_load(vae *v, const char *path, kv_err *err);

#endif
