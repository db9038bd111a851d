/* conv.c: 2-D convolution on oneDNN primitives (plain NCHW/OIHW
 * layouts, created once per input shape), with its reference loops. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/dnnl_glue.h"

/* Primitives for one (N, H, W). Each primitive picks its own layouts
 * (format "any": blocked layouts run backward-weights some 10x faster
 * than plain NCHW here); the ports reorder from and to the caller's
 * plain buffers through the shared port scratch (dnnl_glue.h), so a
 * layer keeps no activation-sized buffer of its own. oneDNN overwrites
 * its outputs, so backward results land in scratch (the input gradient
 * in the shared layer scratch) and are added to the caller's
 * gradients. */
struct nn_conv2d_cache {
	int N, H, W;
	dnnl_primitive_t fwd, bwd_data, bwd_w;
	nn_port f_src, f_wei, f_bias, f_dst;		/* forward */
	nn_port d_ddst, d_wei, d_dsrc;			/* backward data */
	nn_port w_src, w_ddst, w_dwei, w_dbias;		/* backward weights */
	float *dwei, *dbias;				/* backward scratch */
	float *zbias;				/* (OC) zeros: no-bias forward */
};

int
nn_conv2d_out_size(int H, int K, int stride, int pad)
{
	return (H + 2 * pad - K) / stride + 1;
}

void
nn_conv2d_init(nn_conv2d *L, int C, int OC, int K, int stride, int pad)
{
	memset(L, 0, sizeof *L);
	L->C = C;
	L->OC = OC;
	L->K = K;
	L->stride = stride;
	L->pad = pad;
}

/* Every port: which primitive (0 forward, 1 backward data, 2 backward
 * weights), its argument, direction, the caller's layout (0 src, 1
 * weights, 2 bias, 3 dst) and the primitive's query for its own. */
static const struct port_spec {
	size_t off;
	int prim, arg, output, plain;
	dnnl_query_t query;
	int index;
} port_specs[] = {
#define PORT(f, p, a, o, l, q, i) \
	{ offsetof(struct nn_conv2d_cache, f), p, a, o, l, q, i }
	PORT(f_src, 0, DNNL_ARG_SRC, 0, 0, dnnl_query_src_md, 0),
	PORT(f_wei, 0, DNNL_ARG_WEIGHTS, 0, 1, dnnl_query_weights_md, 0),
	PORT(f_bias, 0, DNNL_ARG_BIAS, 0, 2, dnnl_query_weights_md, 1),
	PORT(f_dst, 0, DNNL_ARG_DST, 1, 3, dnnl_query_dst_md, 0),
	PORT(d_ddst, 1, DNNL_ARG_DIFF_DST, 0, 3, dnnl_query_diff_dst_md, 0),
	PORT(d_wei, 1, DNNL_ARG_WEIGHTS, 0, 1, dnnl_query_weights_md, 0),
	PORT(d_dsrc, 1, DNNL_ARG_DIFF_SRC, 1, 0, dnnl_query_diff_src_md, 0),
	PORT(w_src, 2, DNNL_ARG_SRC, 0, 0, dnnl_query_src_md, 0),
	PORT(w_ddst, 2, DNNL_ARG_DIFF_DST, 0, 3, dnnl_query_diff_dst_md, 0),
	PORT(w_dwei, 2, DNNL_ARG_DIFF_WEIGHTS, 1, 1, dnnl_query_diff_weights_md,
	    0),
	PORT(w_dbias, 2, DNNL_ARG_DIFF_BIAS, 1, 2, dnnl_query_diff_weights_md, 1),
#undef PORT
};
#define NPORTS (sizeof port_specs / sizeof port_specs[0])

static nn_port *
port_at(struct nn_conv2d_cache *c, size_t i)
{
	return (nn_port *)((char *)c + port_specs[i].off);
}

static void
cache_free(struct nn_conv2d_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < NPORTS; i++)
		nn_port_free(port_at(c, i));
	dnnl_primitive_destroy(c->fwd);
	dnnl_primitive_destroy(c->bwd_data);
	dnnl_primitive_destroy(c->bwd_w);
	free(c->dwei);
	free(c->dbias);
	free(c->zbias);
	free(c);
}

void
nn_conv2d_free(nn_conv2d *L)
{
	cache_free(L->cache);
	L->cache = NULL;
}

/* The three primitives with their ports. pds[] receives the primitive
 * descriptors (the caller destroys them). */
static int
build_primitives(nn_conv2d *L, struct nn_conv2d_cache *c,
	const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *wei,
	const dnnl_memory_desc_t *bias, const dnnl_memory_desc_t *dst,
	dnnl_primitive_desc_t pds[3], kv_err *err)
{
	dnnl_dims_t strides = { L->stride, L->stride };
	dnnl_dims_t pad = { L->pad, L->pad };
	dnnl_memory_desc_t asrc = *src, awei = *wei, adst = *dst;
	dnnl_convolution_desc_t fd, bdd, bwd;

	asrc.format_kind = awei.format_kind = adst.format_kind =
	    dnnl_format_kind_any;
	if (nn_dnnl_check(dnnl_convolution_forward_desc_init(&fd,
	    dnnl_forward_training, dnnl_convolution_direct, &asrc, &awei, bias,
	    &adst, strides, pad, pad), "conv2d forward descriptor", err) ||
	    nn_dnnl_primitive(&c->fwd, &pds[0], &fd, NULL, "conv2d forward", err))
		return -1;
	if (nn_dnnl_check(dnnl_convolution_backward_data_desc_init(&bdd,
	    dnnl_convolution_direct, &asrc, &awei, &adst, strides, pad, pad),
	    "conv2d backward-data descriptor", err) ||
	    nn_dnnl_primitive(&c->bwd_data, &pds[1], &bdd, pds[0],
	    "conv2d backward data", err))
		return -1;
	if (nn_dnnl_check(dnnl_convolution_backward_weights_desc_init(&bwd,
	    dnnl_convolution_direct, &asrc, &awei, bias, &adst, strides, pad,
	    pad), "conv2d backward-weights descriptor", err) ||
	    nn_dnnl_primitive(&c->bwd_w, &pds[2], &bwd, pds[0],
	    "conv2d backward weights", err))
		return -1;
	{
		const dnnl_memory_desc_t *plain[4] = { src, wei, bias, dst };
		for (size_t i = 0; i < NPORTS; i++) {
			const struct port_spec *ps = &port_specs[i];
			if (nn_port_init(port_at(c, i), ps->arg, ps->output,
			    plain[ps->plain], pds[ps->prim], ps->query, ps->index,
			    err))
				return -1;
		}
	}
	return 0;
}

/* Build the cache for (N, H, W). */
static int
cache_build(nn_conv2d *L, int N, int H, int W, kv_err *err)
{
	int OH = nn_conv2d_out_size(H, L->K, L->stride, L->pad);
	int OW = nn_conv2d_out_size(W, L->K, L->stride, L->pad);
	dnnl_dim_t sd[4] = { N, L->C, H, W }, wd[4] = { L->OC, L->C, L->K, L->K };
	dnnl_dim_t dd[4] = { N, L->OC, OH, OW }, bd[1] = { L->OC };
	dnnl_memory_desc_t src = nn_dnnl_md(4, sd, dnnl_nchw);
	dnnl_memory_desc_t wei = nn_dnnl_md(4, wd, dnnl_oihw);
	dnnl_memory_desc_t dst = nn_dnnl_md(4, dd, dnnl_nchw);
	dnnl_memory_desc_t bias = nn_dnnl_md(1, bd, dnnl_a);
	dnnl_primitive_desc_t pds[3] = { NULL, NULL, NULL };
	struct nn_conv2d_cache *c;
	int rc = -1;

	if (OH < 1 || OW < 1)
		return kv_errf(err, "conv2d: input %dx%d smaller than kernel %d",
		    H, W, L->K);
	if (nn_dnnl_ready(err))
		return -1;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return kv_errf(err, "conv2d: out of memory");
	c->N = N, c->H = H, c->W = W;
	c->dwei = malloc(sizeof(float) * (size_t)L->OC * L->C * L->K * L->K);
	c->dbias = malloc(sizeof(float) * (size_t)L->OC);
	c->zbias = calloc((size_t)L->OC, sizeof(float));
	if (c->dwei == NULL || c->dbias == NULL || c->zbias == NULL)
		kv_errf(err, "conv2d: out of memory");
	else
		rc = build_primitives(L, c, &src, &wei, &bias, &dst, pds, err);
	for (int i = 0; i < 3; i++)
		if (pds[i] != NULL)
			dnnl_primitive_desc_destroy(pds[i]);
	if (rc != 0) {
		cache_free(c);
		return -1;
	}
	nn_conv2d_free(L);
	L->cache = c;
	return 0;
}

static int
cache_for(nn_conv2d *L, int N, int H, int W, kv_err *err)
{
	struct nn_conv2d_cache *c = L->cache;

	if (c != NULL && c->N == N && c->H == H && c->W == W)
		return 0;
	return cache_build(L, N, H, W, err);
}

int
nn_conv2d_forward(nn_conv2d *L, float *out, const float *inp,
	const float *weight, const float *bias, int N, int H, int W,
	kv_err *err)
{
	struct nn_conv2d_cache *c;

	if (cache_for(L, N, H, W, err))
		return -1;
	c = L->cache;
	{
		nn_port *ports[4] = { &c->f_src, &c->f_wei, &c->f_bias, &c->f_dst };
		/* One primitive per shape serves both: no bias = zero bias. */
		void *ptrs[4] = { (void *)inp, (void *)weight,
		    bias != NULL ? (void *)bias : c->zbias, out };
		return nn_port_run(c->fwd, 4, ports, ptrs, "conv2d forward", err);
	}
}

int
nn_conv2d_backward(nn_conv2d *L, float *dinp, float *dweight, float *dbias,
	const float *dout, const float *inp, const float *weight, int N, int H,
	int W, kv_err *err)
{
	struct nn_conv2d_cache *c;
	size_t nsrc = (size_t)N * L->C * H * W;
	size_t nwei = (size_t)L->OC * L->C * L->K * L->K;

	if (cache_for(L, N, H, W, err))
		return -1;
	c = L->cache;
	if (dinp != NULL) {
		nn_port *ports[3] = { &c->d_ddst, &c->d_wei, &c->d_dsrc };
		float *dsrc = nn_scratch(NN_SCRATCH_LAYER, nsrc, err);
		void *ptrs[3] = { (void *)dout, (void *)weight, dsrc };
		if (dsrc == NULL || nn_port_run(c->bwd_data, 3, ports, ptrs,
		    "conv2d backward data", err))
			return -1;
		#pragma omp parallel for if (nsrc > 65536)
		for (size_t i = 0; i < nsrc; i++)
			dinp[i] += dsrc[i];
	}
	{
		nn_port *ports[4] = { &c->w_src, &c->w_ddst, &c->w_dwei,
		    &c->w_dbias };
		void *ptrs[4] = { (void *)inp, (void *)dout, c->dwei, c->dbias };
		if (nn_port_run(c->bwd_w, 4, ports, ptrs,
		    "conv2d backward weights", err))
			return -1;
	}
	for (size_t i = 0; i < nwei; i++)
		dweight[i] += c->dwei[i];
	if (dbias != NULL)
		for (int o = 0; o < L->OC; o++)
			dbias[o] += c->dbias[o];
	return 0;
}

/* ---- reference loops ------------------------------------------------------ */

void
nn_conv2d_forward_ref(const nn_conv2d *L, float *out, const float *inp,
	const float *weight, const float *bias, int N, int H, int W)
{
	int C = L->C, OC = L->OC, K = L->K, S = L->stride, P = L->pad;
	int OH = nn_conv2d_out_size(H, K, S, P), OW = nn_conv2d_out_size(W, K, S, P);

	for (int n = 0; n < N; n++)
	for (int o = 0; o < OC; o++)
	for (int oh = 0; oh < OH; oh++)
	for (int ow = 0; ow < OW; ow++) {
		double s = bias != NULL ? bias[o] : 0.0;
		for (int c = 0; c < C; c++)
		for (int kh = 0; kh < K; kh++)
		for (int kw = 0; kw < K; kw++) {
			int h = oh * S - P + kh, w = ow * S - P + kw;
			if (h < 0 || h >= H || w < 0 || w >= W)
				continue;
			s += (double)inp[(((size_t)n * C + c) * H + h) * W + w] *
			    weight[(((size_t)o * C + c) * K + kh) * K + kw];
		}
		out[(((size_t)n * OC + o) * OH + oh) * OW + ow] = (float)s;
	}
}

void
nn_conv2d_backward_ref(const nn_conv2d *L, float *dinp, float *dweight,
	float *dbias, const float *dout, const float *inp, const float *weight,
	int N, int H, int W)
{
	int C = L->C, OC = L->OC, K = L->K, S = L->stride, P = L->pad;
	int OH = nn_conv2d_out_size(H, K, S, P), OW = nn_conv2d_out_size(W, K, S, P);

	for (int n = 0; n < N; n++)
	for (int o = 0; o < OC; o++)
	for (int oh = 0; oh < OH; oh++)
	for (int ow = 0; ow < OW; ow++) {
		float g = dout[(((size_t)n * OC + o) * OH + oh) * OW + ow];
		if (dbias != NULL)
			dbias[o] += g;
		for (int c = 0; c < C; c++)
		for (int kh = 0; kh < K; kh++)
		for (int kw = 0; kw < K; kw++) {
			int h = oh * S - P + kh, w = ow * S - P + kw;
			size_t ii = (((size_t)n * C + c) * H + h) * W + w;
			size_t wi = (((size_t)o * C + c) * K + kh) * K + kw;
			if (h < 0 || h >= H || w < 0 || w >= W)
				continue;
			if (dinp != NULL)
				dinp[ii] += g * weight[wi];
			dweight[wi] += g * inp[ii];
		}
	}
}
