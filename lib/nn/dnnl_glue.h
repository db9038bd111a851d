/* dnnl_glue.h: shared oneDNN plumbing for the layer modules (internal to
 * lib/nn/): the process-wide engine and stream, status messages, and
 * plain-layout memory objects whose data pointer is set per call. */
#ifndef KVAE_NN_DNNL_H
#define KVAE_NN_DNNL_H

#include <oneapi/dnnl/dnnl.h>

#include "core/err.h"

extern dnnl_engine_t nn_engine;
extern dnnl_stream_t nn_stream;

/* 0 if st is dnnl_success, else -1 with "oneDNN: WHAT: STATUS". */
int nn_dnnl_check(dnnl_status_t st, const char *what, kv_err *err);

/* A memory descriptor with a plain tag (nchw, oihw, a, ...). */
dnnl_memory_desc_t nn_dnnl_md(int ndims, const dnnl_dim_t *dims,
	dnnl_format_tag_t tag);

/* A memory object for md with no buffer (set with
 * dnnl_memory_set_data_handle before each execution). 0 or -1. */
int nn_dnnl_mem(dnnl_memory_t *mem, const dnnl_memory_desc_t *md,
	kv_err *err);

/* Create a primitive from an op descriptor (hint: forward pd for
 * backward, or NULL); on success *pd_out (if not NULL) keeps the
 * primitive descriptor, else it is destroyed. 0 or -1. */
int nn_dnnl_primitive(dnnl_primitive_t *prim, dnnl_primitive_desc_t *pd_out,
	const_dnnl_op_desc_t op, const_dnnl_primitive_desc_t hint,
	const char *what, kv_err *err);

/* Bind buffers to memory objects and run prim. args[i].memory must
 * already be set; ptrs[i] is the buffer for args[i]. 0 or -1. */
int nn_dnnl_run(dnnl_primitive_t prim, int n, dnnl_exec_arg_t *args,
	void *const *ptrs, const char *what, kv_err *err);

/* Process-wide scratch, grown to the largest request and kept: the
 * blocked copies of one primitive's arguments (NN_SCRATCH_PORTS, used by
 * nn_port_run only) and a layer's backward result before it is added to
 * the caller's gradient (NN_SCRATCH_LAYER). Either is only valid until
 * the next request of the same kind: layers run one at a time, so one
 * buffer serves all of them instead of a copy per layer and shape.
 * Returns n floats (64-byte aligned), or NULL with a message. */
enum { NN_SCRATCH_PORTS, NN_SCRATCH_LAYER };
float *nn_scratch(int which, size_t n, kv_err *err);

/* One argument of a primitive: the caller's plain-layout buffer (`user`,
 * handle set per call) and, when the primitive chose another layout
 * (blocked formats run several times faster for convolutions), an
 * internal memory in that layout, its buffer a slice of the
 * NN_SCRATCH_PORTS scratch set per run, with the reorder between them. */
typedef struct nn_port {
	int arg;			/* DNNL_ARG_... */
	int output;			/* written by the primitive */
	dnnl_memory_t user, inner;	/* inner == user when layouts agree */
	dnnl_primitive_t reorder;	/* user->inner (input) or back */
	size_t bytes;			/* inner's size when it is not user */
} nn_port;

/* Set up a port for argument `arg` of pd, whose layout is
 * dnnl_primitive_desc_query_md(pd, query, index), with the caller's plain
 * layout `plain`. 0 or -1. */
int nn_port_init(nn_port *p, int arg, int output,
	const dnnl_memory_desc_t *plain, const_dnnl_primitive_desc_t pd,
	dnnl_query_t query, int index, kv_err *err);
void nn_port_free(nn_port *p);

/* Run prim on n ports bound to the buffers ptrs: reorder inputs in, run,
 * reorder outputs out, wait. 0 or -1. */
int nn_port_run(dnnl_primitive_t prim, int n, nn_port *const *ports,
	void *const *ptrs, const char *what, kv_err *err);

#endif
