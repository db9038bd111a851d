/* batchnorm.c: batch normalisation with PyTorch's running-statistics
 * conventions. oneDNN's primitive (created once per shape) normalises;
 * the training statistics and the backward pass are plain loops, so
 * that processes sharing a batch can add their sums between the passes
 * (synchronised batch norm). Reference loops last. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/dnnl_glue.h"

struct nn_bn_cache {
	int N, HW;
	dnnl_primitive_t norm;		/* (x - mean) / sqrt(var + eps) w + b */
	dnnl_memory_t src, dst, scale, shift, mean, var;
};

static nn_sum_fn batch_sum;

void
nn_batchnorm_set_sum(nn_sum_fn sum)
{
	batch_sum = sum;
}

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
	dnnl_primitive_destroy(c->norm);
	dnnl_memory_destroy(c->src);
	dnnl_memory_destroy(c->dst);
	dnnl_memory_destroy(c->scale);
	dnnl_memory_destroy(c->shift);
	dnnl_memory_destroy(c->mean);
	dnnl_memory_destroy(c->var);
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
	unsigned flags = dnnl_use_scale | dnnl_use_shift | dnnl_use_global_stats;
	dnnl_batch_normalization_desc_t d;
	struct nn_bn_cache *c;

	if (nn_dnnl_ready(err))
		return -1;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return kv_errf(err, "batchnorm: out of memory");
	c->N = N, c->HW = HW;
	if (nn_dnnl_check(dnnl_batch_normalization_forward_desc_init(&d,
	    dnnl_forward_inference, &data, L->eps, flags),
	    "batchnorm descriptor", err) ||
	    nn_dnnl_primitive(&c->norm, NULL, &d, NULL, "batchnorm", err) ||
	    nn_dnnl_mem(&c->src, &data, err) || nn_dnnl_mem(&c->dst, &data, err) ||
	    nn_dnnl_mem(&c->scale, &chan, err) ||
	    nn_dnnl_mem(&c->shift, &chan, err) ||
	    nn_dnnl_mem(&c->mean, &chan, err) || nn_dnnl_mem(&c->var, &chan, err)) {
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

/* Per channel c of (N, C, HW): acc[c] = sum of (x - centre[c])^power,
 * power 1 or 2 (centre NULL: 0). */
static void
channel_sums(double *acc, const float *inp, const float *centre, int power,
	int N, int C, int HW)
{
	#pragma omp parallel for if ((size_t)N * C * HW > 65536)
	for (int c = 0; c < C; c++) {
		double m = centre != NULL ? centre[c] : 0, s = 0;
		for (int n = 0; n < N; n++) {
			const float *x = inp + ((size_t)n * C + c) * HW;
			for (int i = 0; i < HW; i++)
				s += power == 1 ? x[i] - m : (x[i] - m) * (x[i] - m);
		}
		acc[c] = s;
	}
}

/* Sums over the processes that share the batch, if any. */
static void
sum_batch(double *acc, size_t n)
{
	if (batch_sum != NULL)
		batch_sum(acc, n);
}

/* The batch's mean and biased variance into L->mean, L->var, in two
 * passes; *M its values per channel. */
static int
batch_stats(nn_batchnorm *L, const float *inp, int N, int HW, double *M,
	kv_err *err)
{
	int C = L->C;
	double *acc = calloc((size_t)C + 1, sizeof *acc);

	if (acc == NULL)
		return kv_errf(err, "batchnorm: out of memory");
	channel_sums(acc, inp, NULL, 1, N, C, HW);
	acc[C] = (double)N * HW;
	sum_batch(acc, (size_t)C + 1);
	*M = acc[C];
	if (*M < 2) {
		free(acc);
		return kv_errf(err, "batchnorm: training needs at least 2 values "
		    "per channel, got %.0f", *M);
	}
	for (int c = 0; c < C; c++)
		L->mean[c] = (float)(acc[c] / *M);
	channel_sums(acc, inp, L->mean, 2, N, C, HW);
	sum_batch(acc, (size_t)C);
	for (int c = 0; c < C; c++)
		L->var[c] = (float)(acc[c] / *M);
	free(acc);
	return 0;
}

/* running = (1 - m) running + m batch, unbiased variance (PyTorch). */
static void
update_running(nn_batchnorm *L, float *running_mean, float *running_var,
	double M)
{
	float m = L->momentum;
	double unbias = M / (M - 1);

	for (int c = 0; c < L->C; c++) {
		running_mean[c] = (1 - m) * running_mean[c] + m * L->mean[c];
		running_var[c] = (float)((1 - m) * running_var[c] +
		    m * L->var[c] * unbias);
	}
}

/* Training takes the batch's statistics (every process's, when they
 * share the batch: nn_batchnorm_set_sum), evaluation the running ones;
 * oneDNN normalises with either. */
int
nn_batchnorm_forward(nn_batchnorm *L, float *out, const float *inp,
	const float *weight, const float *bias, float *running_mean,
	float *running_var, int N, int HW, int training, kv_err *err)
{
	struct nn_bn_cache *c;
	double M = 0;

	if (training && batch_stats(L, inp, N, HW, &M, err))
		return -1;
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
		if (nn_dnnl_run(c->norm, 6, args, ptrs, "batchnorm", err))
			return -1;
	}
	if (training)
		update_running(L, running_mean, running_var, M);
	return 0;
}

/* sum dy and sum dy xhat over the batch (every process's) give the
 * input gradient, dx = w istd / M (M dy - sum dy - xhat sum dy xhat);
 * the parameters' gradients take this process's part only (whoever
 * shares the batch sums gradients later). */
int
nn_batchnorm_backward(nn_batchnorm *L, float *dinp, float *dweight,
	float *dbias, const float *dout, const float *inp, const float *weight,
	int N, int HW, kv_err *err)
{
	int C = L->C;
	double *acc = calloc(2 * (size_t)C + 1, sizeof *acc), M;

	if (acc == NULL)
		return kv_errf(err, "batchnorm: out of memory");
	#pragma omp parallel for if ((size_t)N * C * HW > 65536)
	for (int c = 0; c < C; c++) {
		double istd = 1.0 / sqrt((double)L->var[c] + L->eps);
		double sdy = 0, sdyx = 0;
		for (int n = 0; n < N; n++)
			for (int i = 0; i < HW; i++) {
				size_t k = ((size_t)n * C + c) * HW + i;
				sdy += dout[k];
				sdyx += dout[k] * ((inp[k] - L->mean[c]) * istd);
			}
		acc[c] = sdy;
		acc[C + c] = sdyx;
		dbias[c] += (float)sdy;
		dweight[c] += (float)sdyx;
	}
	acc[2 * C] = (double)N * HW;
	sum_batch(acc, 2 * (size_t)C + 1);
	M = acc[2 * C];
	if (dinp != NULL) {
		#pragma omp parallel for if ((size_t)N * C * HW > 65536)
		for (int c = 0; c < C; c++) {
			double istd = 1.0 / sqrt((double)L->var[c] + L->eps);
			double g = weight[c] * istd / M;
			for (int n = 0; n < N; n++)
				for (int i = 0; i < HW; i++) {
					size_t k = ((size_t)n * C + c) * HW + i;
					double xhat = (inp[k] - L->mean[c]) * istd;
					dinp[k] += (float)(g * (M * dout[k] - acc[c] -
					    xhat * acc[C + c]));
				}
		}
	}
	free(acc);
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
		update_running(L, running_mean, running_var, (double)M);
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
