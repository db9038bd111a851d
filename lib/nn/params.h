/* params.h: a network's parameters and gradients, each in one
 * contiguous float32 block, with a table of named views into them.
 *
 * Names are the safetensors names ("encoder.fc1.weight"), shapes
 * PyTorch's. Declare every tensor with nnparams_add, then
 * nnparams_alloc lays them out: trainable tensors first, so that
 * data[0 .. n_trainable) is exactly what the optimiser updates, then
 * buffers such as batch-norm running statistics (saved, not trained).
 * Views stay valid until nnparams_free. */
#ifndef KVAE_NNPARAMS_H
#define KVAE_NNPARAMS_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/safetensors.h"

#define NNP_MAX_NAME 96
#define NNP_MAX_DIMS 4

typedef struct nnp_tensor {
	char name[NNP_MAX_NAME];
	int ndim;
	uint64_t shape[NNP_MAX_DIMS];
	size_t size;		/* elements */
	size_t offset;		/* into data and grad, after nnparams_alloc */
	int trainable;		/* 0: a buffer (no gradient, not optimised) */
} nnp_tensor;

typedef struct nnparams {
	nnp_tensor *t;
	size_t n, cap;
	size_t total;		/* floats in each block */
	size_t n_trainable;	/* floats of trainable tensors (a prefix) */
	float *data;		/* (total) */
	float *grad;		/* (total); the buffers' part stays zero */
} nnparams;

/* Declare a tensor of ndim dims (shape given as ndim size_t values;
 * ndim 0 is a scalar of one element, such as batch norm's
 * num_batches_tracked, saved with shape []). Returns its index, or -1 (duplicate name, bad rank, out of memory,
 * or already allocated). */
int nnparams_add(nnparams *p, const char *name, int trainable, kv_err *err,
	int ndim, ...);

/* Allocate both blocks, zeroed, and fix the offsets. 0 or -1. */
int nnparams_alloc(nnparams *p, kv_err *err);

/* Views of tensor i (after nnparams_alloc). */
float *nnparams_data(const nnparams *p, int i);
float *nnparams_grad(const nnparams *p, int i);

/* Index of the tensor named `name`, or -1. */
int nnparams_find(const nnparams *p, const char *name);

/* grad = 0. */
void nnparams_zero_grad(nnparams *p);

/* Tensor i = uniform(-bound, bound) from rng (PyTorch's default for
 * linear and conv layers uses bound = 1/sqrt(fan_in)). */
void nnparams_uniform(nnparams *p, int i, double bound, gsl_rng *rng);

/* Tensor i = value everywhere. */
void nnparams_fill(nnparams *p, int i, float value);

/* Add every tensor (as F32) to the writer; the data is referenced until
 * the writer saves. 0 or -1. */
int nnparams_write(const nnparams *p, st_writer *w, kv_err *err);

/* Fill every declared tensor from f: each must be present with the
 * declared shape and a floating-point dtype. Tensors in f whose names
 * start with `prefix` ("" or NULL: all) but that p does not declare are
 * refused too (a model of another architecture); other tensors, such as
 * "lgssm.*" beside "encoder.*", are left to their own readers.
 * 0 or -1 with a message naming the file and tensor. */
int nnparams_read(nnparams *p, const st_file *f, const char *prefix,
	kv_err *err);

/* The checks of nnparams_read without the copy; p need not be allocated
 * yet, so a loader can refuse a file whose metadata claims more
 * parameters than its tensors hold before allocating them. */
int nnparams_match(const nnparams *p, const st_file *f, const char *prefix,
	kv_err *err);

void nnparams_free(nnparams *p);

#endif
