/* spec.h: where an LGSSM comes from and how it is written down.
 *
 * Every model file goes through one code path, lgssm_load(), which asks
 * a source for six named tensors (A, C, Q, R, mu0, P0), checks their
 * shapes against each other, widens noise given as a number (a multiple
 * of the identity) or a vector (a diagonal), and validates the result.
 * A JSON spec is one source; a trained model file's `lgssm.*` tensors
 * will be another (the safetensors reader supplies the same two
 * callbacks). Presets build a model directly. */
#ifndef KVAE_LGSSM_SPEC_H
#define KVAE_LGSSM_SPEC_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"
#include "lgssm/lgssm.h"

/* A store of named tensors of rank 0 (a number), 1 or 2. */
typedef struct lgssm_source {
	void *ctx;
	/* Shape of tensor `key`: *rank 0..2, dims[0..rank-1]. 1 when
	 * present, 0 when absent, -1 on a malformed entry (message). */
	int (*shape)(void *ctx, const char *key, int *rank, size_t dims[2],
		kv_err *err);
	/* Copy tensor `key` (row-major, as shaped) into dst. 0 or -1. */
	int (*read)(void *ctx, const char *key, double *dst, kv_err *err);
	/* Diffuse states (exact diffuse initialisation): every one
	 * (all_diffuse, and P0 is then 0), or the `ndiffuse` indices in
	 * `diffuse` (checked against n by lgssm_load). */
	int all_diffuse;
	const size_t *diffuse;
	size_t ndiffuse;
} lgssm_source;

/* Fill m (allocated here) from src: dimensions from A (n x n) and C
 * (p x n); Q, P0 as n x n, R as p x p, each also allowed as a number or
 * a vector of the diagonal; mu0 as n numbers (or one number). Every
 * mismatch names both shapes: "\"A\" is 3x4, expected square". Then
 * lgssm_validate. 0 or -1. */
int lgssm_load(lgssm *m, const lgssm_source *src, kv_err *err);

/* Load a model file: a JSON spec ({"A": [[..]], "C": .., "Q": ..,
 * "R": .., "mu0": .., "P0": ..}; "P0": "diffuse" makes every state
 * diffuse, and "diffuse": [i, ..] (0-based) the states listed, their
 * rows and columns of P0 then ignored), or a trained KVAE model file
 * (safetensors, detected by its content: the "lgssm.A" ... tensors).
 * Messages start with the path. */
int lgssm_load_file(lgssm *m, const char *path, kv_err *err);

/* The same for a file already in memory (len bytes at buf); name is for
 * messages. lgssm_load_file reads the file and calls this. */
int lgssm_load_buffer(lgssm *m, const void *buf, size_t len,
	const char *name, kv_err *err);

/* The largest state or observation dimension a spec may have. */
#define LGSSM_SPEC_MAX_DIM 4096
/* The largest model file lgssm_load_file reads (JSON or safetensors). */
#define LGSSM_SPEC_MAX_FILE ((size_t)1 << 30)

enum lgssm_preset_kind { LGSSM_LOCAL_LEVEL = 1, LGSSM_CONST_VEL,
	LGSSM_CONST_ACC };

/* "local-level" (also "random-walk"), "constant-velocity",
 * "constant-acceleration" -> kind, 0 if unknown. */
int lgssm_preset_parse(const char *name);

/* A preset applied to each of `dim` observed components independently
 * (block diagonal): order 1, 2 or 3 (level; position and velocity;
 * plus acceleration) with time step dt, process noise intensity q (the
 * continuous white-noise model discretised exactly: for the local level
 * Q = q), observation noise variance r, mu0 = 0 and P0 = p0 I. */
int lgssm_preset(lgssm *m, int kind, size_t dim, double q, double r,
	double dt, double p0, kv_err *err);

/* Write m as a JSON spec with full matrices, every number with 17
 * significant digits (reads back exactly). 0 or -1. */
int lgssm_write_json(const lgssm *m, FILE *fp, kv_err *err);

#endif
