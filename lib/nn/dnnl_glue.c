/* dnnl_glue.c: the process-wide oneDNN engine and stream, status
 * messages, and the ports that carry plain buffers through primitives;
 * see dnnl_glue.h. */
#include "nn/dnnl_glue.h"

#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"

dnnl_engine_t nn_engine;
dnnl_stream_t nn_stream;

static const char *
status_name(dnnl_status_t st)
{
	switch (st) {
	case dnnl_success: return "success";
	case dnnl_out_of_memory: return "out of memory";
	case dnnl_invalid_arguments: return "invalid arguments";
	case dnnl_unimplemented: return "unimplemented";
	case dnnl_iterator_ends: return "iterator ends";
	case dnnl_runtime_error: return "runtime error";
	case dnnl_not_required: return "not required";
	default: return "unknown status";
	}
}

int
nn_dnnl_check(dnnl_status_t st, const char *what, kv_err *err)
{
	if (st == dnnl_success)
		return 0;
	return kv_errf(err, "oneDNN: %s: %s (status %d)", what,
	    status_name(st), (int)st);
}

int
nn_dnnl_ready(kv_err *err)
{
	if (nn_stream != NULL)
		return 0;
	if (nn_engine == NULL &&
	    nn_dnnl_check(dnnl_engine_create(&nn_engine, dnnl_cpu, 0),
	    "creating the CPU engine", err))
		return -1;
	return nn_dnnl_check(dnnl_stream_create(&nn_stream, nn_engine,
	    dnnl_stream_default_flags), "creating a stream", err);
}

float *
nn_scratch(int which, size_t n, kv_err *err)
{
	static float *buf[2];
	static size_t cap[2];

	if (n > cap[which]) {
		size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
		free(buf[which]);
		buf[which] = aligned_alloc(64, bytes);
		cap[which] = buf[which] != NULL ? n : 0;
		if (buf[which] == NULL) {
			kv_errf(err, "out of memory (%zu MiB of scratch)",
			    bytes >> 20);
			return NULL;
		}
	}
	return buf[which];
}

dnnl_memory_desc_t
nn_dnnl_md(int ndims, const dnnl_dim_t *dims, dnnl_format_tag_t tag)
{
	dnnl_memory_desc_t md;

	memset(&md, 0, sizeof md);
	/* Plain tags with positive dims cannot fail. */
	dnnl_memory_desc_init_by_tag(&md, ndims, dims, dnnl_f32, tag);
	return md;
}

int
nn_dnnl_mem(dnnl_memory_t *mem, const dnnl_memory_desc_t *md, kv_err *err)
{
	return nn_dnnl_check(dnnl_memory_create(mem, md, nn_engine,
	    DNNL_MEMORY_NONE), "creating a memory object", err);
}

int
nn_dnnl_primitive(dnnl_primitive_t *prim, dnnl_primitive_desc_t *pd_out,
	const_dnnl_op_desc_t op, const_dnnl_primitive_desc_t hint,
	const char *what, kv_err *err)
{
	dnnl_primitive_desc_t pd;

	if (nn_dnnl_check(dnnl_primitive_desc_create(&pd, op, NULL, nn_engine,
	    hint), what, err))
		return -1;
	if (nn_dnnl_check(dnnl_primitive_create(prim, pd), what, err)) {
		dnnl_primitive_desc_destroy(pd);
		return -1;
	}
	if (pd_out != NULL)
		*pd_out = pd;
	else
		dnnl_primitive_desc_destroy(pd);
	return 0;
}

int
nn_dnnl_run(dnnl_primitive_t prim, int n, dnnl_exec_arg_t *args,
	void *const *ptrs, const char *what, kv_err *err)
{
	for (int i = 0; i < n; i++)
		if (nn_dnnl_check(dnnl_memory_set_data_handle(args[i].memory,
		    ptrs[i]), what, err))
			return -1;
	if (nn_dnnl_check(dnnl_primitive_execute(prim, nn_stream, n, args),
	    what, err))
		return -1;
	return nn_dnnl_check(dnnl_stream_wait(nn_stream), what, err);
}

int
nn_port_init(nn_port *p, int arg, int output, const dnnl_memory_desc_t *plain,
	const_dnnl_primitive_desc_t pd, dnnl_query_t query, int index,
	kv_err *err)
{
	const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, query,
	    index);
	dnnl_primitive_desc_t rpd;
	const dnnl_memory_desc_t *from, *to;

	memset(p, 0, sizeof *p);
	p->arg = arg;
	p->output = output;
	if (want == NULL)
		return kv_errf(err, "oneDNN: no memory descriptor for argument %d",
		    arg);
	if (nn_dnnl_mem(&p->user, plain, err))
		return -1;
	if (dnnl_memory_desc_equal(plain, want)) {
		p->inner = p->user;
		return 0;
	}
	if (nn_dnnl_check(dnnl_memory_create(&p->inner, want, nn_engine,
	    DNNL_MEMORY_NONE), "creating a blocked memory object", err))
		return -1;
	p->bytes = (dnnl_memory_desc_get_size(want) + 63) / 64 * 64;
	from = output ? want : plain;
	to = output ? plain : want;
	if (nn_dnnl_check(dnnl_reorder_primitive_desc_create(&rpd, from,
	    nn_engine, to, nn_engine, NULL), "reorder descriptor", err))
		return -1;
	if (nn_dnnl_check(dnnl_primitive_create(&p->reorder, rpd), "reorder",
	    err)) {
		dnnl_primitive_desc_destroy(rpd);
		return -1;
	}
	dnnl_primitive_desc_destroy(rpd);
	return 0;
}

void
nn_port_free(nn_port *p)
{
	if (p->inner != p->user)
		dnnl_memory_destroy(p->inner);
	dnnl_memory_destroy(p->user);
	dnnl_primitive_destroy(p->reorder);
	memset(p, 0, sizeof *p);
}

static int
port_reorder(const nn_port *p, const char *what, kv_err *err)
{
	dnnl_exec_arg_t a[2] = {
		{ DNNL_ARG_FROM, p->output ? p->inner : p->user },
		{ DNNL_ARG_TO, p->output ? p->user : p->inner } };

	return nn_dnnl_check(dnnl_primitive_execute(p->reorder, nn_stream, 2, a),
	    what, err);
}

int
nn_port_run(dnnl_primitive_t prim, int n, nn_port *const *ports,
	void *const *ptrs, const char *what, kv_err *err)
{
	dnnl_exec_arg_t args[16] = { { 0, NULL } };
	size_t total = 0;
	char *scratch;

	if (n > 16)
		return kv_errf(err, "%s: too many arguments", what);
	for (int i = 0; i < n; i++)
		if (ports[i]->reorder != NULL)
			total += ports[i]->bytes;
	scratch = (char *)nn_scratch(NN_SCRATCH_PORTS, total / sizeof(float),
	    err);
	if (total > 0 && scratch == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		if (ports[i]->reorder != NULL) {
			if (nn_dnnl_check(dnnl_memory_set_data_handle(
			    ports[i]->inner, scratch), what, err))
				return -1;
			scratch += ports[i]->bytes;
		}
		if (nn_dnnl_check(dnnl_memory_set_data_handle(ports[i]->user,
		    ptrs[i]), what, err))
			return -1;
		if (!ports[i]->output && ports[i]->reorder != NULL &&
		    port_reorder(ports[i], what, err))
			return -1;
		args[i].arg = ports[i]->arg;
		args[i].memory = ports[i]->inner;
	}
	if (nn_dnnl_check(dnnl_primitive_execute(prim, nn_stream, n, args),
	    what, err))
		return -1;
	for (int i = 0; i < n; i++)
		if (ports[i]->output && ports[i]->reorder != NULL &&
		    port_reorder(ports[i], what, err))
			return -1;
	return nn_dnnl_check(dnnl_stream_wait(nn_stream), what, err);
}
