/* nn.h: neural-network layers as forward/backward pairs over plain
 * float32 buffers (the llm.c pattern).
 *
 * Layout is PyTorch's: activations (N, C, H, W) row-major, dense inputs
 * (B, C), conv weights (OC, C, K, K) "OIHW", linear weights (OC, C).
 * Arguments go outputs, inputs, parameters, sizes. Every backward
 * ACCUMULATES (+=) into its gradient buffers, which the caller zeroes
 * once per step; a NULL input-gradient pointer skips that part (the
 * first layer of a network).
 *
 * The heavy kernels (dense, conv, batch norm) run on oneDNN; each has a
 * plain C reference version (suffix _ref) beside it that is slow and
 * obviously correct, and the unit tests compare the two. Layers holding
 * oneDNN primitives (conv, batch norm) create them on first use for a
 * shape and reuse them while the shape stays the same; the blocked copies
 * of their arguments and their backward's input gradient live in
 * process-wide scratch shared by every layer (dnnl_glue.h), not per
 * layer. Element-wise
 * layers are OpenMP loops with no reference twin: they are their own
 * reference. */
#ifndef KVAE_NN_H
#define KVAE_NN_H

#include <stddef.h>

#include "core/err.h"

/* ---- dense: out = inp W^T + b -------------------------------------- */

/* out (B, OC) = inp (B, C) x weight (OC, C)^T + bias (OC; NULL: none).
 * oneDNN sgemm. Returns 0, or -1 with a message if oneDNN fails. */
int nn_dense_forward(float *out, const float *inp, const float *weight,
	const float *bias, int B, int C, int OC, kv_err *err);

/* dinp (B, C) += dout W; dweight (OC, C) += dout^T inp; dbias (OC) +=
 * column sums of dout. Any of dinp, dbias may be NULL. 0 or -1. */
int nn_dense_backward(float *dinp, float *dweight, float *dbias,
	const float *dout, const float *inp, const float *weight, int B, int C,
	int OC, kv_err *err);

void nn_dense_forward_ref(float *out, const float *inp, const float *weight,
	const float *bias, int B, int C, int OC);
void nn_dense_backward_ref(float *dinp, float *dweight, float *dbias,
	const float *dout, const float *inp, const float *weight, int B, int C,
	int OC);

/* ---- 2-D convolution ------------------------------------------------ */

/* A convolution layer's sizes and its cached oneDNN primitives. */
typedef struct nn_conv2d {
	int C, OC, K, stride, pad;	/* square kernel, symmetric padding */
	struct nn_conv2d_cache *cache;	/* NULL until first use */
} nn_conv2d;

/* Output side length: (H + 2 pad - K) / stride + 1. */
int nn_conv2d_out_size(int H, int K, int stride, int pad);

/* Set the sizes (no allocation). */
void nn_conv2d_init(nn_conv2d *L, int C, int OC, int K, int stride,
	int pad);

/* Free the cached primitives and scratch. Safe on a zeroed struct. */
void nn_conv2d_free(nn_conv2d *L);

/* out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C, K, K)) +
 * bias (OC; NULL: none). 0 or -1 with a message. */
int nn_conv2d_forward(nn_conv2d *L, float *out, const float *inp,
	const float *weight, const float *bias, int N, int H, int W,
	kv_err *err);

/* dinp (N, C, H, W) +=, dweight (OC, C, K, K) +=, dbias (OC) += from
 * dout (N, OC, OH, OW). dinp and dbias may be NULL. 0 or -1. */
int nn_conv2d_backward(nn_conv2d *L, float *dinp, float *dweight,
	float *dbias, const float *dout, const float *inp, const float *weight,
	int N, int H, int W, kv_err *err);

void nn_conv2d_forward_ref(const nn_conv2d *L, float *out, const float *inp,
	const float *weight, const float *bias, int N, int H, int W);
void nn_conv2d_backward_ref(const nn_conv2d *L, float *dinp, float *dweight,
	float *dbias, const float *dout, const float *inp, const float *weight,
	int N, int H, int W);

/* ---- batch normalisation -------------------------------------------- */

/* Batch norm over the channels of (N, C, HW) data (HW = 1 for dense
 * activations). Training mode normalises with the batch's mean and
 * biased variance and updates the running statistics as PyTorch does:
 * running = (1 - momentum) running + momentum batch, with the batch's
 * UNBIASED variance (divided by N HW - 1). Evaluation mode normalises
 * with the running statistics and changes nothing. */
typedef struct nn_batchnorm {
	int C;
	float eps;		/* PyTorch default 1e-5 */
	float momentum;		/* PyTorch default 0.1 */
	float *mean, *var;	/* (C) batch statistics of the last training
				 * forward (biased variance), for backward */
	struct nn_bn_cache *cache;
} nn_batchnorm;

/* Sizes and defaults; allocates mean/var. 0 or -1. */
int nn_batchnorm_init(nn_batchnorm *L, int C, kv_err *err);
void nn_batchnorm_free(nn_batchnorm *L);

/* out (N, C, HW) from inp (N, C, HW), weight/bias (C), running_mean and
 * running_var (C; updated in training mode). training: 1 or 0.
 * Training needs N HW >= 2. 0 or -1 with a message. */
int nn_batchnorm_forward(nn_batchnorm *L, float *out, const float *inp,
	const float *weight, const float *bias, float *running_mean,
	float *running_var, int N, int HW, int training, kv_err *err);

/* Backward of the last TRAINING forward on the same inp: dinp (may be
 * NULL), dweight, dbias (C) +=. 0 or -1. */
int nn_batchnorm_backward(nn_batchnorm *L, float *dinp, float *dweight,
	float *dbias, const float *dout, const float *inp, const float *weight,
	int N, int HW, kv_err *err);

/* Data-parallel training (dist.h): `sum` adds n doubles in place over
 * the processes that share the batch. Set, training batch norm uses
 * the statistics of the whole batch across the processes, forward and
 * backward (synchronised batch norm): P processes compute what one
 * computes on the whole batch, and their running statistics agree.
 * NULL, the default: the batch is this process's alone. */
typedef void (*nn_sum_fn)(double *buf, size_t n);
void nn_batchnorm_set_sum(nn_sum_fn sum);

void nn_batchnorm_forward_ref(nn_batchnorm *L, float *out, const float *inp,
	const float *weight, const float *bias, float *running_mean,
	float *running_var, int N, int HW, int training);
void nn_batchnorm_backward_ref(const nn_batchnorm *L, float *dinp,
	float *dweight, float *dbias, const float *dout, const float *inp,
	const float *weight, int N, int HW);

/* ---- sub-pixel upsampling (torch.nn.PixelShuffle) ------------------- */

/* out (N, C, H r, W r)[n, c, h r + i, w r + j] =
 * inp (N, C r r, H, W)[n, c r r + i r + j, h, w]. */
void nn_pixel_shuffle_forward(float *out, const float *inp, int N, int C,
	int H, int W, int r);
/* dinp (N, C r r, H, W) += the inverse permutation of dout. */
void nn_pixel_shuffle_backward(float *dinp, const float *dout, int N, int C,
	int H, int W, int r);

/* ---- element-wise activations over n values ------------------------- */

void nn_relu_forward(float *out, const float *inp, size_t n);
void nn_relu_backward(float *dinp, const float *dout, const float *inp,
	size_t n);
/* out = x for x > 0, slope x otherwise (PyTorch default slope 0.01). */
void nn_leaky_relu_forward(float *out, const float *inp, float slope,
	size_t n);
void nn_leaky_relu_backward(float *dinp, const float *dout,
	const float *inp, float slope, size_t n);
/* tanh and sigmoid backward use the forward's OUTPUT. */
void nn_tanh_forward(float *out, const float *inp, size_t n);
void nn_tanh_backward(float *dinp, const float *dout, const float *out,
	size_t n);
void nn_sigmoid_forward(float *out, const float *inp, size_t n);
void nn_sigmoid_backward(float *dinp, const float *dout, const float *out,
	size_t n);

/* ---- oneDNN --------------------------------------------------------- */

/* The process-wide CPU engine and stream, created on first call.
 * Returns 0 or -1 with a message. (Opaque here to keep dnnl.h out of
 * callers; the layers use it internally.) */
int nn_dnnl_ready(kv_err *err);

#endif
