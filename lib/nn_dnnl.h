/* nn_dnnl.h: shared oneDNN plumbing for the layer modules (internal to
 * lib/nn*.c): the process-wide engine and stream, status messages, and
 * plain-layout memory objects whose data pointer is set per call. */
#ifndef KVAE_NN_DNNL_H
#define KVAE_NN_DNNL_H

#include <oneapi/dnnl/dnnl.h>

#include "err.h"

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

#endif
