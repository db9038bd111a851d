/* batchnorm.c: batch normalisation on oneDNN primitives (created once per
 * shape), PyTorch's running-statistics conventions, reference loops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/dnnl_glue.h"

struct nn_bn_cache {
	int N, HW;
	dnnl_primitive_t train, eval, bwd;
	dnnl_memory_t src, dst, dsrc_m, scale, shift, mean, var, dscale,
	    dshift;
	float *dw, *db;			/* backward scratch (oneDNN overwrites;
					 * the input gradient goes to the
					 * shared layer scratch, dnnl_glue.h) */
	float *zshift;			/* (C) backward wants a shift; unused */
};

int
nn_batchnorm_init(nn_batchnorm *L, int C, kv_err *err)
{
	memset(L, 0, sizeof *L);
	L->C = C;
	L->eps = 1e-5f;
	L->momentum = 0.1f;
	L->mean = calloc((size_t)C, sizeof(float));
	L->var = calloc((size_t)C, sizeof(float));
	if (L->mean == NULL || L->var == NULL) {
		nn_batchnorm_free(L);
		return kv_errf(err, "batchnorm: out of memory");
	}
	return 0;
}

static void
cache_free(struct nn_bn_cache *c)
{
	if (c == NULL)
		return;
	dnnl_primitive_destroy(c->train);
	dnnl_primitive_destroy(c->eval);
	dnnl_primitive_destroy(c->bwd);
	dnnl_memory_destroy(c->src);
	dnnl_memory_destroy(c->dst);
	dnnl_memory_destroy(c->dsrc_m);
	dnnl_memory_destroy(c->scale);
	dnnl_memory_destroy(c->shift);
	dnnl_memory_destroy(c->mean);
	dnnl_memory_destroy(c->var);
	dnnl_memory_destroy(c->dscale);
	dnnl_memory_destroy(c->dshift);
	free(c->dw);
	free(c->db);
	free(c->zshift);
	free(c);
}

void
nn_batchnorm_free(nn_batchnorm *L)
{
	cache_free(L->cache);
	L->cache = NULL;
	free(L->mean);
	free(L->var);
	L->mean = L->var = NULL;
}

static int
cache_build(nn_batchnorm *L, int N, int HW, kv_err *err)
{
	dnnl_dim_t dd[4] = { N, L->C, HW, 1 }, cd[1] = { L->C };
	dnnl_memory_desc_t data = nn_dnnl_md(4, dd, dnnl_nchw);
	dnnl_memory_desc_t chan = nn_dnnl_md(1, cd, dnnl_a);
	unsigned flags = dnnl_use_scale | dnnl_use_shift;
	dnnl_batch_normalization_desc_t td, ed, bd;
	dnnl_primitive_desc_t tpd = NULL;
	struct nn_bn_cache *c;
	int rc = -1;

	if (nn_dnnl_ready(err))
		return -1;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return kv_errf(err, "batchnorm: out of memory");
	c->N = N, c->HW = HW;
	c->dw = malloc(sizeof(float) * (size_t)L->C);
	c->db = malloc(sizeof(float) * (size_t)L->C);
	c->zshift = calloc((size_t)L->C, sizeof(float));
	if (c->dw == NULL || c->db == NULL ||
	    c->zshift == NULL) {
		kv_errf(err, "batchnorm: out of memory");
		goto out;
	}
	if (nn_dnnl_check(dnnl_batch_normalization_forward_desc_init(&td,
	    dnnl_forward_training, &data, L->eps, flags),
	    "batchnorm training descriptor", err) ||
	    nn_dnnl_primitive(&c->train, &tpd, &td, NULL, "batchnorm training",
	    err))
		goto out;
	if (nn_dnnl_check(dnnl_batch_normalization_forward_desc_init(&ed,
	    dnnl_forward_inference, &data, L->eps,
	    flags | dnnl_use_global_stats), "batchnorm evaluation descriptor",
	    err) ||
	    nn_dnnl_primitive(&c->eval, NULL, &ed, NULL, "batchnorm evaluation",
	    err))
		goto out;
	if (nn_dnnl_check(dnnl_batch_normalization_backward_desc_init(&bd,
	    dnnl_backward, &data, &data, L->eps, flags),
	    "batchnorm backward descriptor", err) ||
	    nn_dnnl_primitive(&c->bwd, NULL, &bd, tpd, "batchnorm backward",
	    err))
		goto out;
	if (nn_dnnl_mem(&c->src, &data, err) || nn_dnnl_mem(&c->dst, &data, err) ||
	    nn_dnnl_mem(&c->dsrc_m, &data, err) ||
	    nn_dnnl_mem(&c->scale, &chan, err) ||
	    nn_dnnl_mem(&c->shift, &chan, err) ||
	    nn_dnnl_mem(&c->mean, &chan, err) || nn_dnnl_mem(&c->var, &chan, err) ||
	    nn_dnnl_mem(&c->dscale, &chan, err) ||
	    nn_dnnl_mem(&c->dshift, &chan, err))
		goto out;
	rc = 0;
out:
	if (tpd != NULL)
		dnnl_primitive_desc_destroy(tpd);
	if (rc != 0) {
		cache_free(c);
		return -1;
	}
	cache_free(L->cache);
	L->cache = c;
	return 0;
}

static int
cache_for(nn_batchnorm *L, int N, int HW, kv_err *err)
{
	if (L->cache != NULL && L->cache->N == N && L->cache->HW == HW)
		return 0;
	return cache_build(L, N, HW, err);
}

/* running = (1 - m) running + m batch, unbiased variance (PyTorch). */
static void
update_running(nn_batchnorm *L, float *running_mean, float *running_var,
	size_t M)
{
	float m = L->momentum;
	double unbias = (double)M / (double)(M - 1);

	for (int c = 0; c < L->C; c++) {
		running_mean[c] = (1 - m) * running_mean[c] + m * L->mean[c];
		running_var[c] = (float)((1 - m) * running_var[c] +
		    m * L->var[c] * unbias);
	}
}

int
nn_batchnorm_forward(nn_batchnorm *L, float *out, const float *inp,
	const float *weight, const float *bias, float *running_mean,
	float *running_var, int N, int HW, int training, kv_err *err)
{
	struct nn_bn_cache *c;
	size_t M = (size_t)N * HW;

	if (training && M < 2)
		return kv_errf(err, "batchnorm: training needs at least 2 values "
		    "per channel, got %zu", M);
	if (cache_for(L, N, HW, err))
		return -1;
	c = L->cache;
	{
		dnnl_exec_arg_t args[6] = {
			{ DNNL_ARG_SRC, c->src }, { DNNL_ARG_DST, c->dst },
			{ DNNL_ARG_SCALE, c->scale }, { DNNL_ARG_SHIFT, c->shift },
			{ DNNL_ARG_MEAN, c->mean }, { DNNL_ARG_VARIANCE, c->var } };
		void *ptrs[6] = { (void *)inp, out, (void *)weight, (void *)bias,
		    training ? L->mean : running_mean,
		    training ? L->var : running_var };
		if (nn_dnnl_run(training ? c->train : c->eval, 6, args, ptrs,
		    training ? "batchnorm training" : "batchnorm evaluation", err))
			return -1;
	}
	if (training)
		update_running(L, running_mean, running_var, M);
	return 0;
}

int
nn_batchnorm_backward(nn_batchnorm *L, float *dinp, float *dweight,
	float *dbias, const float *dout, const float *inp, const float *weight,
	int N, int HW, kv_err *err)
{
	struct nn_bn_cache *c;
	size_t n = (size_t)N * L->C * HW;
	float *dsrc = nn_scratch(NN_SCRATCH_LAYER, n, err);

	if (dsrc == NULL || cache_for(L, N, HW, err))
		return -1;
	c = L->cache;
	{
		dnnl_exec_arg_t args[9] = {
			{ DNNL_ARG_SRC, c->src }, { DNNL_ARG_MEAN, c->mean },
			{ DNNL_ARG_VARIANCE, c->var }, { DNNL_ARG_DIFF_DST, c->dst },
			{ DNNL_ARG_SCALE, c->scale }, { DNNL_ARG_DIFF_SRC, c->dsrc_m },
			{ DNNL_ARG_DIFF_SCALE, c->dscale },
			{ DNNL_ARG_DIFF_SHIFT, c->dshift },
			{ DNNL_ARG_SHIFT, c->shift } };
		void *ptrs[9] = { (void *)inp, L->mean, L->var, (void *)dout,
		    (void *)weight, dsrc, c->dw, c->db, c->zshift };
		if (nn_dnnl_run(c->bwd, 9, args, ptrs, "batchnorm backward",
		    err))
			return -1;
	}
	if (dinp != NULL) {
		#pragma omp parallel for if (n > 65536)
		for (size_t i = 0; i < n; i++)
			dinp[i] += dsrc[i];
	}
	for (int k = 0; k < L->C; k++) {
		dweight[k] += c->dw[k];
		dbias[k] += c->db[k];
	}
	return 0;
}

/* ---- reference loops --------------------------------------------------------- */

void
nn_batchnorm_forward_ref(nn_batchnorm *L, float *out, const float *inp,
	const float *weight, const float *bias, float *running_mean,
	float *running_var, int N, int HW, int training)
{
	int C = L->C;
	size_t M = (size_t)N * HW;

	for (int c = 0; c < C; c++) {
		double mean, var, istd;
		if (training) {
			double s = 0, ss = 0;
			for (int n = 0; n < N; n++)
				for (int i = 0; i < HW; i++)
					s += inp[((size_t)n * C + c) * HW + i];
			mean = s / M;
			for (int n = 0; n < N; n++)
				for (int i = 0; i < HW; i++) {
					double d = inp[((size_t)n * C + c) * HW + i] -
					    mean;
					ss += d * d;
				}
			var = ss / M;
			L->mean[c] = (float)mean;
			L->var[c] = (float)var;
		} else {
			mean = running_mean[c];
			var = running_var[c];
		}
		istd = 1.0 / sqrt(var + L->eps);
		for (int n = 0; n < N; n++)
			for (int i = 0; i < HW; i++) {
				size_t k = ((size_t)n * C + c) * HW + i;
				out[k] = (float)((inp[k] - mean) * istd * weight[c] +
				    bias[c]);
			}
	}
	if (training)
		update_running(L, running_mean, running_var, M);
}

void
nn_batchnorm_backward_ref(const nn_batchnorm *L, float *dinp,
	float *dweight, float *dbias, const float *dout, const float *inp,
	const float *weight, int N, int HW)
{
	int C = L->C;
	double M = (double)N * HW;

	for (int c = 0; c < C; c++) {
		double istd = 1.0 / sqrt((double)L->var[c] + L->eps);
		double sdy = 0, sdyx = 0;
		for (int n = 0; n < N; n++)
			for (int i = 0; i < HW; i++) {
				size_t k = ((size_t)n * C + c) * HW + i;
				double xhat = (inp[k] - L->mean[c]) * istd;
				sdy += dout[k];
				sdyx += dout[k] * xhat;
			}
		dbias[c] += (float)sdy;
		dweight[c] += (float)sdyx;
		if (dinp == NULL)
			continue;
		/* dx = w istd / M (M dy - sum dy - xhat sum dy xhat) */
		for (int n = 0; n < N; n++)
			for (int i = 0; i < HW; i++) {
				size_t k = ((size_t)n * C + c) * HW + i;
				double xhat = (inp[k] - L->mean[c]) * istd;
				dinp[k] += (float)(weight[c] * istd / M *
				    (M * dout[k] - sdy - xhat * sdyx));
			}
	}
}
