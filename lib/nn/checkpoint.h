/* checkpoint.h: training checkpoints. Besides the parameters (nnparams_write),
 * a run that is to resume bit-identically needs the optimiser's moments
 * and step and the random generator's exact state; these go into the
 * same safetensors file under their own names:
 *
 *   optim.m, optim.v   F64 (n)   Adam's moments
 *   optim.step         F64 ()    updates done
 *   NAME               U8 (size) gsl_rng state bytes, with metadata
 *                                "NAME.type" = the generator's name
 */
#ifndef KVAE_CKPT_H
#define KVAE_CKPT_H

#include <gsl/gsl_rng.h>

#include "nn/adam.h"
#include "core/err.h"
#include "core/safetensors.h"

/* Add Adam's state to w (moments referenced until the save). 0 or -1. */
int ckpt_write_adam(st_writer *w, const adam *a, kv_err *err);

/* Restore Adam's state from f into a (already adam_init'ed with the
 * same n). 0 or -1 with a message naming the file. */
int ckpt_read_adam(adam *a, const st_file *f, kv_err *err);

/* Add the state of r as tensor `name` (copied). 0 or -1. */
int ckpt_write_rng(st_writer *w, const char *name, const gsl_rng *r,
	kv_err *err);

/* Restore r (of the same type) from tensor `name` of f. 0 or -1. */
int ckpt_read_rng(gsl_rng *r, const st_file *f, const char *name,
	kv_err *err);

#endif
