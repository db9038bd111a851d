/* conv_net.h: the convolutional encoder and decoder of the KVAE paper
 * (seed 001, section 3.2) for frames of C channels, S x S pixels, built
 * from nn.h's layers. With k stages of filters f[0..k-1] (S divisible by
 * 2^k, s = S / 2^k):
 *
 *   encoder  y (B, C, S, S)
 *            stage i: conv 3x3 stride 2 pad 1 (no bias) to f[i],
 *                     batch norm, LeakyReLU(0.2)
 *            flatten (B, F), F = f[k-1] s s
 *            dense heads: mean (B, L) and log-variance (B, L)
 *   decoder  x (B, L) -> dense to (B, F) = (B, f[k-1], s, s)
 *            stage j: conv 3x3 stride 1 pad 1 (no bias) to 4 c_j,
 *                     batch norm, LeakyReLU(0.2), PixelShuffle(2) to
 *                     c_j at twice the size; c_j = f[k-2-j], and f[0]
 *                     for the last stage (the encoder mirrored)
 *            conv 1x1 (with bias) f[0] -> C: the mean (B, C, S, S)
 *
 * Tensor names and shapes are those of a PyTorch module with
 *   encoder.conv{i} = Conv2d(in, f[i], 3, 2, 1, bias=False)
 *   encoder.bn{i}   = BatchNorm2d(f[i])
 *   encoder.mean, encoder.logvar = Linear(F, L)
 *   decoder.fc      = Linear(L, F)
 *   decoder.conv{j} = Conv2d(in, 4 c_j, 3, 1, 1, bias=False)
 *   decoder.bn{j}   = BatchNorm2d(4 c_j)
 *   decoder.out     = Conv2d(f[0], C, 1)
 * (weights (out, in, kh, kw); batch norm weight, bias, running_mean,
 * running_var, num_batches_tracked), so a state dict loads with
 * strict=True. tests/reference/convnet_torch.py is that module.
 *
 * Batch norm follows PyTorch's train()/eval(): with `training` set,
 * batch statistics are used and the running ones updated (momentum
 * 0.1, num_batches_tracked += 1); otherwise the running statistics are
 * used and nothing changes. Backward works in both modes (in eval mode
 * batch norm is a fixed per-channel affine map).
 *
 * The caller owns the parameters (an nnparams it also uses for other
 * tensors, such as the VAE's decoder.logvar); the net keeps indices
 * into it, its layers' cached primitives and the activations of the
 * last forward of each side for the backward. Backward ACCUMULATES into
 * the parameters' gradients, as every nn.h layer does. */
#ifndef KVAE_CONV_NET_H
#define KVAE_CONV_NET_H

#include <gsl/gsl_rng.h>

#include "core/err.h"
#include "nn/nn.h"
#include "nn/params.h"

#define CONVNET_MAX_STAGES 6
#define CONVNET_SLOPE 0.2f	/* LeakyReLU's negative slope */

typedef struct convnet_config {
	int channels;		/* C: 1 (grey) or 3 (RGB) */
	int size;		/* S: frame side in pixels */
	int nstages;		/* k */
	int filters[CONVNET_MAX_STAGES];
	int latent_dim;		/* L */
} convnet_config;

struct convnet_side;		/* one side's layers and activations */

typedef struct convnet {
	convnet_config cfg;
	int training;		/* 1: batch statistics; 0: running ones
				 * (convnet_declare sets 1, as PyTorch's
				 * modules start in train()) */
	struct convnet_side *enc, *dec;
} convnet;

/* Sizes valid: C 1 or 3, 1 <= k <= CONVNET_MAX_STAGES, S divisible
 * by 2^k, positive filters and L. 0, or -1 with a message. */
int convnet_config_check(const convnet_config *cfg, kv_err *err);

/* Check cfg and declare every encoder.* and decoder.* tensor above in
 * p (not yet allocated), in the order listed; set up the layers.
 * 0 or -1. Free with convnet_free (safe on a zeroed struct). */
int convnet_declare(convnet *c, const convnet_config *cfg, nnparams *p,
	kv_err *err);
void convnet_free(convnet *c);

/* PyTorch's default initialisation: conv and linear weights and biases
 * uniform in +-1/sqrt(fan_in); batch norm weight 1, bias 0, running
 * mean 0, running var 1, num_batches_tracked 0. */
void convnet_init_random(convnet *c, nnparams *p, gsl_rng *rng);

/* Encoder: mean (B, L), logvar (B, L) from y (B, C, S, S); NaN in y
 * enters as 0. Keeps what its backward needs. 0 or -1. */
int convnet_encode(convnet *c, nnparams *p, float *mean, float *logvar,
	const float *y, int B, kv_err *err);

/* Decoder: ymean (B, C, S, S) from x (B, L). 0 or -1. */
int convnet_decode(convnet *c, nnparams *p, float *ymean, const float *x,
	int B, kv_err *err);

/* Backward through the last convnet_decode: parameter gradients += and
 * dx (B, L) += (dx may be NULL). 0 or -1. */
int convnet_decoder_backward(convnet *c, nnparams *p, float *dx,
	const float *dymean, kv_err *err);

/* Backward through the last convnet_encode: parameter gradients +=.
 * 0 or -1. */
int convnet_encoder_backward(convnet *c, nnparams *p, const float *dmean,
	const float *dlogvar, kv_err *err);

#endif
