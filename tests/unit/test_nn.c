/* test_nn: every layer's oneDNN path against its reference loops, and
 * every backward against central finite differences of the loss
 * L = sum(R * layer(x)) for a fixed random R (so dL/dout = R). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "check.h"
#include "nn/nn.h"

static gsl_rng *rng;

static float *
randn(size_t n, double scale)
{
	float *x = malloc(n * sizeof *x);

	for (size_t i = 0; i < n; i++)
		x[i] = (float)((2 * gsl_rng_uniform(rng) - 1) * scale);
	return x;
}

static float *
zeros(size_t n)
{
	return calloc(n, sizeof(float));
}

/* Values in (0.05, 1] with random sign: no ReLU kink within h. */
static float *
away_from_zero(size_t n)
{
	float *x = malloc(n * sizeof *x);

	for (size_t i = 0; i < n; i++) {
		double v = 0.05 + 0.95 * gsl_rng_uniform(rng);
		x[i] = (float)(gsl_rng_uniform(rng) < 0.5 ? -v : v);
	}
	return x;
}

static void
compare_f(const char *name, const float *got, const float *want, size_t n,
	double rtol, double atol)
{
	double *g = malloc(n * sizeof *g), *w = malloc(n * sizeof *w);

	for (size_t i = 0; i < n; i++) {
		g[i] = got[i];
		w[i] = want[i];
	}
	CHECK_ARRAY(name, g, w, n, rtol, atol);
	free(g);
	free(w);
}

static double
dot(const float *a, const float *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

/* Central differences of loss() with respect to x[0..n), compared with
 * the analytic gradient. */
static void
fd_check(const char *name, float *x, size_t n, const float *grad,
	double (*loss)(void *), void *ctx, double h, double rtol, double atol)
{
	double *num = malloc(n * sizeof *num), *ana = malloc(n * sizeof *ana);

	for (size_t i = 0; i < n; i++) {
		float x0 = x[i];
		double lp, lm;
		x[i] = (float)(x0 + h);
		lp = loss(ctx);
		x[i] = (float)(x0 - h);
		lm = loss(ctx);
		x[i] = x0;
		num[i] = (lp - lm) / (2 * h);
		ana[i] = grad[i];
	}
	CHECK_ARRAY(name, ana, num, n, rtol, atol);
	free(num);
	free(ana);
}

/* ---- dense ---------------------------------------------------------------- */

struct dense_ctx {
	int B, C, OC;
	float *x, *w, *b, *out, *R;
};

static double
dense_loss(void *p)
{
	struct dense_ctx *d = p;

	nn_dense_forward_ref(d->out, d->x, d->w, d->b, d->B, d->C, d->OC);
	return dot(d->out, d->R, (size_t)d->B * d->OC);
}

static void
test_dense(void)
{
	struct dense_ctx d = { .B = 5, .C = 7, .OC = 4 };
	size_t nx = 35, nw = 28, no = 20;
	float *fast = zeros(no), *dx = zeros(nx), *dw = zeros(nw), *db = zeros(4);
	float *rdx = zeros(nx), *rdw = zeros(nw), *rdb = zeros(4);
	kv_err err;

	d.x = randn(nx, 1), d.w = randn(nw, 0.5), d.b = randn(4, 0.5);
	d.out = zeros(no), d.R = randn(no, 1);
	CHECK(nn_dense_forward(fast, d.x, d.w, d.b, 5, 7, 4, &err) == 0,
	    "dense forward runs");
	dense_loss(&d);
	compare_f("dense forward: oneDNN vs reference", fast, d.out, no, 1e-5,
	    1e-6);
	nn_dense_backward(dx, dw, db, d.R, d.x, d.w, 5, 7, 4, &err);
	nn_dense_backward_ref(rdx, rdw, rdb, d.R, d.x, d.w, 5, 7, 4);
	compare_f("dense backward dx: oneDNN vs reference", dx, rdx, nx, 1e-5, 1e-6);
	compare_f("dense backward dW: oneDNN vs reference", dw, rdw, nw, 1e-5, 1e-6);
	compare_f("dense backward db: oneDNN vs reference", db, rdb, 4, 1e-5, 1e-6);
	fd_check("dense dx vs finite differences", d.x, nx, rdx, dense_loss, &d,
	    1e-2, 1e-3, 1e-3);
	fd_check("dense dW vs finite differences", d.w, nw, rdw, dense_loss, &d,
	    1e-2, 1e-3, 1e-3);
	fd_check("dense db vs finite differences", d.b, 4, rdb, dense_loss, &d,
	    1e-2, 1e-3, 1e-3);
	/* Backward accumulates: a second call doubles the gradients. */
	for (size_t i = 0; i < nw; i++)
		rdw[i] *= 2;
	nn_dense_backward(NULL, dw, NULL, d.R, d.x, d.w, 5, 7, 4, &err);
	compare_f("dense backward accumulates (+=)", dw, rdw, nw, 1e-5, 1e-6);
	free(fast), free(dx), free(dw), free(db), free(rdx), free(rdw);
	free(rdb), free(d.x), free(d.w), free(d.b), free(d.out), free(d.R);
}

/* ---- conv2d ---------------------------------------------------------------- */

struct conv_ctx {
	nn_conv2d L;
	int N, H, W;
	float *x, *w, *b, *out, *R;
	size_t nout;
};

static double
conv_loss(void *p)
{
	struct conv_ctx *c = p;

	nn_conv2d_forward_ref(&c->L, c->out, c->x, c->w, c->b, c->N, c->H, c->W);
	return dot(c->out, c->R, c->nout);
}

static void
test_conv(int C, int OC, int K, int S, int P, int H, int W, int bias)
{
	struct conv_ctx c = { .N = 2, .H = H, .W = W };
	int OH = nn_conv2d_out_size(H, K, S, P), OW = nn_conv2d_out_size(W, K, S, P);
	size_t nx = (size_t)2 * C * H * W, nw = (size_t)OC * C * K * K;
	float *fast, *dx, *dw, *db, *rdx, *rdw, *rdb;
	char name[160];
	kv_err err;
	int rc;

	nn_conv2d_init(&c.L, C, OC, K, S, P);
	c.nout = (size_t)2 * OC * OH * OW;
	c.x = randn(nx, 1), c.w = randn(nw, 0.5);
	c.b = bias ? randn(OC, 0.5) : NULL;
	c.out = zeros(c.nout), c.R = randn(c.nout, 1);
	fast = zeros(c.nout), dx = zeros(nx), dw = zeros(nw), db = zeros(OC);
	rdx = zeros(nx), rdw = zeros(nw), rdb = zeros(OC);
	rc = nn_conv2d_forward(&c.L, fast, c.x, c.w, c.b, 2, H, W, &err);
	snprintf(name, sizeof name, "conv %d->%d k%d s%d p%d on %dx%d%s", C, OC,
	    K, S, P, H, W, bias ? " +bias" : "");
	CHECK(rc == 0, "%s: forward runs (%s)", name, rc ? err.msg : "ok");
	conv_loss(&c);
	{
		char n2[200];
		snprintf(n2, sizeof n2, "%s: forward oneDNN vs reference", name);
		compare_f(n2, fast, c.out, c.nout, 1e-4, 1e-5);
		rc = nn_conv2d_backward(&c.L, dx, dw, bias ? db : NULL, c.R, c.x,
		    c.w, 2, H, W, &err);
		CHECK(rc == 0, "%s: backward runs (%s)", name, rc ? err.msg : "ok");
		nn_conv2d_backward_ref(&c.L, rdx, rdw, bias ? rdb : NULL, c.R, c.x,
		    c.w, 2, H, W);
		snprintf(n2, sizeof n2, "%s: dx oneDNN vs reference", name);
		compare_f(n2, dx, rdx, nx, 1e-4, 1e-5);
		snprintf(n2, sizeof n2, "%s: dW oneDNN vs reference", name);
		compare_f(n2, dw, rdw, nw, 1e-4, 1e-5);
		if (bias) {
			snprintf(n2, sizeof n2, "%s: db oneDNN vs reference", name);
			compare_f(n2, db, rdb, OC, 1e-4, 1e-5);
		}
		snprintf(n2, sizeof n2, "%s: dx vs finite differences", name);
		fd_check(n2, c.x, nx, rdx, conv_loss, &c, 1e-2, 1e-3, 5e-4);
		snprintf(n2, sizeof n2, "%s: dW vs finite differences", name);
		fd_check(n2, c.w, nw, rdw, conv_loss, &c, 1e-2, 1e-3, 5e-4);
		if (bias) {
			snprintf(n2, sizeof n2, "%s: db vs finite differences", name);
			fd_check(n2, c.b, OC, rdb, conv_loss, &c, 1e-2, 1e-3, 5e-4);
		}
		/* Accumulation through the fast path. */
		for (size_t i = 0; i < nx; i++)
			rdx[i] *= 2;
		nn_conv2d_backward(&c.L, dx, dw, NULL, c.R, c.x, c.w, 2, H, W, &err);
		snprintf(n2, sizeof n2, "%s: backward accumulates (+=)", name);
		compare_f(n2, dx, rdx, nx, 1e-4, 1e-5);
	}
	nn_conv2d_free(&c.L);
	free(fast), free(dx), free(dw), free(db), free(rdx), free(rdw), free(rdb);
	free(c.x), free(c.w), free(c.b), free(c.out), free(c.R);
}

/* ---- batch norm ---------------------------------------------------------------- */

struct bn_ctx {
	nn_batchnorm L;
	int N, HW;
	float *x, *w, *b, *rm, *rv, *out, *R;
};

static double
bn_loss(void *p)
{
	struct bn_ctx *c = p;
	size_t n = (size_t)c->N * c->L.C * c->HW;

	nn_batchnorm_forward_ref(&c->L, c->out, c->x, c->w, c->b, c->rm, c->rv,
	    c->N, c->HW, 1);
	return dot(c->out, c->R, n);
}

static void
test_batchnorm(int N, int C, int HW)
{
	struct bn_ctx c = { .N = N, .HW = HW };
	size_t n = (size_t)N * C * HW;
	float *fast = zeros(n), *rm2, *rv2, *dx = zeros(n), *dw = zeros(C);
	float *db = zeros(C), *rdx = zeros(n), *rdw = zeros(C), *rdb = zeros(C);
	float *m_fast = zeros(C), *v_fast = zeros(C);
	char name[64], n2[160];
	kv_err err;
	int rc;

	snprintf(name, sizeof name, "batchnorm N%d C%d HW%d", N, C, HW);
	nn_batchnorm_init(&c.L, C, &err);
	c.x = randn(n, 2), c.w = randn(C, 1), c.b = randn(C, 1);
	for (size_t i = 0; i < n; i++)
		c.x[i] += 0.5f * (float)(i % C);	/* channel offsets */
	c.rm = randn(C, 0.1), c.rv = zeros(C);
	for (int k = 0; k < C; k++)
		c.rv[k] = 1.0f + 0.1f * k;
	rm2 = malloc(C * sizeof *rm2), rv2 = malloc(C * sizeof *rv2);
	memcpy(rm2, c.rm, C * sizeof *rm2);
	memcpy(rv2, c.rv, C * sizeof *rv2);
	c.out = zeros(n), c.R = randn(n, 1);

	rc = nn_batchnorm_forward(&c.L, fast, c.x, c.w, c.b, rm2, rv2, N, HW, 1,
	    &err);
	CHECK(rc == 0, "%s: training forward runs (%s)", name, rc ? err.msg : "ok");
	memcpy(m_fast, c.L.mean, C * sizeof(float));
	memcpy(v_fast, c.L.var, C * sizeof(float));
	nn_batchnorm_forward_ref(&c.L, c.out, c.x, c.w, c.b, c.rm, c.rv, N, HW, 1);
	snprintf(n2, sizeof n2, "%s: training output library vs reference", name);
	compare_f(n2, fast, c.out, n, 1e-4, 1e-4);
	snprintf(n2, sizeof n2, "%s: batch mean library vs reference", name);
	compare_f(n2, m_fast, c.L.mean, C, 1e-5, 1e-5);
	snprintf(n2, sizeof n2, "%s: batch variance library vs reference", name);
	compare_f(n2, v_fast, c.L.var, C, 1e-4, 1e-5);
	snprintf(n2, sizeof n2, "%s: running mean library vs reference", name);
	compare_f(n2, rm2, c.rm, C, 1e-5, 1e-6);
	snprintf(n2, sizeof n2, "%s: running var library vs reference", name);
	compare_f(n2, rv2, c.rv, C, 1e-5, 1e-6);
	/* PyTorch's rule, worked by hand for channel 0. */
	{
		double s = 0, ss = 0, M = (double)N * HW, rv0 = 1.0, mu;
		for (int i = 0; i < N; i++)
			for (int j = 0; j < HW; j++)
				s += c.x[((size_t)i * C) * HW + j];
		mu = s / M;
		for (int i = 0; i < N; i++)
			for (int j = 0; j < HW; j++) {
				double d = c.x[((size_t)i * C) * HW + j] - mu;
				ss += d * d;
			}
		snprintf(n2, sizeof n2, "%s: running var = 0.9 old + 0.1 unbiased "
		    "var", name);
		CHECK_NEAR(n2, rv2[0], 0.9 * rv0 + 0.1 * ss / (M - 1), 1e-5, 1e-6);
	}
	rc = nn_batchnorm_backward(&c.L, dx, dw, db, c.R, c.x, c.w, N, HW, &err);
	CHECK(rc == 0, "%s: backward runs (%s)", name, rc ? err.msg : "ok");
	nn_batchnorm_backward_ref(&c.L, rdx, rdw, rdb, c.R, c.x, c.w, N, HW);
	snprintf(n2, sizeof n2, "%s: dx library vs reference", name);
	compare_f(n2, dx, rdx, n, 1e-3, 1e-4);
	snprintf(n2, sizeof n2, "%s: dweight library vs reference", name);
	compare_f(n2, dw, rdw, C, 1e-4, 1e-4);
	snprintf(n2, sizeof n2, "%s: dbias library vs reference", name);
	compare_f(n2, db, rdb, C, 1e-4, 1e-4);
	/* Accumulation through the library: a second call doubles. */
	for (int k = 0; k < C; k++)
		rdw[k] *= 2;
	nn_batchnorm_backward(&c.L, NULL, dw, db, c.R, c.x, c.w, N, HW, &err);
	snprintf(n2, sizeof n2, "%s: backward accumulates (+=)", name);
	compare_f(n2, dw, rdw, C, 1e-4, 1e-4);
	for (int k = 0; k < C; k++)
		rdw[k] /= 2;
	snprintf(n2, sizeof n2, "%s: dx vs finite differences", name);
	fd_check(n2, c.x, n, rdx, bn_loss, &c, 1e-2, 1e-3, 5e-4);
	snprintf(n2, sizeof n2, "%s: dweight vs finite differences", name);
	fd_check(n2, c.w, C, rdw, bn_loss, &c, 1e-2, 1e-3, 5e-4);
	snprintf(n2, sizeof n2, "%s: dbias vs finite differences", name);
	fd_check(n2, c.b, C, rdb, bn_loss, &c, 1e-2, 1e-3, 5e-4);

	/* Evaluation mode: running statistics, nothing updated. */
	memcpy(rm2, c.rm, C * sizeof *rm2);
	memcpy(rv2, c.rv, C * sizeof *rv2);
	rc = nn_batchnorm_forward(&c.L, fast, c.x, c.w, c.b, rm2, rv2, N, HW, 0,
	    &err);
	CHECK(rc == 0, "%s: evaluation forward runs", name);
	nn_batchnorm_forward_ref(&c.L, c.out, c.x, c.w, c.b, c.rm, c.rv, N, HW, 0);
	snprintf(n2, sizeof n2, "%s: evaluation output library vs reference", name);
	compare_f(n2, fast, c.out, n, 1e-4, 1e-4);
	snprintf(n2, sizeof n2, "%s: evaluation leaves running var alone", name);
	compare_f(n2, rv2, c.rv, C, 0, 0);

	nn_batchnorm_free(&c.L);
	free(fast), free(rm2), free(rv2), free(dx), free(dw), free(db);
	free(rdx), free(rdw), free(rdb), free(m_fast), free(v_fast);
	free(c.x), free(c.w), free(c.b), free(c.rm), free(c.rv), free(c.out);
	free(c.R);
}

/* A process that shares its batch with an identical twin: every sum
 * over the batch doubles. Its outputs must be one process's on the
 * batch twice over (the first half), its parameter gradients half of
 * that process's: what synchronised batch norm promises P processes. */
static void
twin_sum(double *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] *= 2;
}

static void
test_batchnorm_shared(int N, int C, int HW)
{
	size_t n = (size_t)N * C * HW;
	nn_batchnorm L, L2;
	float *x = randn(n, 2), *R = randn(n, 1), *w = randn(C, 1);
	float *b = randn(C, 1), *x2 = zeros(2 * n), *R2 = zeros(2 * n);
	float *out = zeros(n), *out2 = zeros(2 * n), *dx = zeros(n);
	float *dx2 = zeros(2 * n), *dw = zeros(C), *db = zeros(C);
	float *dw2 = zeros(C), *db2 = zeros(C), *rm = zeros(C), *rv = zeros(C);
	float *rm2 = zeros(C), *rv2 = zeros(C);
	char name[64], n2[160];
	kv_err err;
	int rc;

	snprintf(name, sizeof name, "batchnorm shared N%d C%d HW%d", N, C, HW);
	memcpy(x2, x, n * sizeof *x), memcpy(x2 + n, x, n * sizeof *x);
	memcpy(R2, R, n * sizeof *R), memcpy(R2 + n, R, n * sizeof *R);
	nn_batchnorm_init(&L, C, &err), nn_batchnorm_init(&L2, C, &err);
	nn_batchnorm_set_sum(twin_sum);
	rc = nn_batchnorm_forward(&L, out, x, w, b, rm, rv, N, HW, 1, &err) ||
	    nn_batchnorm_backward(&L, dx, dw, db, R, x, w, N, HW, &err);
	nn_batchnorm_set_sum(NULL);
	rc |= nn_batchnorm_forward(&L2, out2, x2, w, b, rm2, rv2, 2 * N, HW, 1,
	    &err) || nn_batchnorm_backward(&L2, dx2, dw2, db2, R2, x2, w, 2 * N,
	    HW, &err);
	CHECK(rc == 0, "%s: runs (%s)", name, rc ? err.msg : "ok");
	for (int k = 0; k < C; k++)
		dw[k] *= 2, db[k] *= 2;
	snprintf(n2, sizeof n2, "%s: output vs the whole batch's", name);
	compare_f(n2, out, out2, n, 1e-5, 1e-6);
	snprintf(n2, sizeof n2, "%s: running var vs the whole batch's", name);
	compare_f(n2, rv, rv2, C, 1e-5, 1e-6);
	snprintf(n2, sizeof n2, "%s: dx vs the whole batch's", name);
	compare_f(n2, dx, dx2, n, 1e-5, 1e-6);
	snprintf(n2, sizeof n2, "%s: 2 dweight vs the whole batch's", name);
	compare_f(n2, dw, dw2, C, 1e-5, 1e-6);
	snprintf(n2, sizeof n2, "%s: 2 dbias vs the whole batch's", name);
	compare_f(n2, db, db2, C, 1e-5, 1e-6);
	nn_batchnorm_free(&L), nn_batchnorm_free(&L2);
	free(x), free(R), free(w), free(b), free(x2), free(R2), free(out);
	free(out2), free(dx), free(dx2), free(dw), free(db), free(dw2);
	free(db2), free(rm), free(rv), free(rm2), free(rv2);
}

/* ---- pixel shuffle and activations --------------------------------------------- */

enum act { RELU, LEAKY, TANH, SIGMOID, SHUFFLE };

struct act_ctx {
	enum act kind;
	float *x, *out, *R;
	size_t n;
};

static void
act_forward(struct act_ctx *a)
{
	switch (a->kind) {
	case RELU: nn_relu_forward(a->out, a->x, a->n); break;
	case LEAKY: nn_leaky_relu_forward(a->out, a->x, 0.2f, a->n); break;
	case TANH: nn_tanh_forward(a->out, a->x, a->n); break;
	case SIGMOID: nn_sigmoid_forward(a->out, a->x, a->n); break;
	case SHUFFLE: nn_pixel_shuffle_forward(a->out, a->x, 2, 3, 2, 3, 2); break;
	}
}

static double
act_loss(void *p)
{
	struct act_ctx *a = p;

	act_forward(a);
	return dot(a->out, a->R, a->n);
}

static void
test_act(enum act kind, const char *name)
{
	struct act_ctx a = { .kind = kind, .n = 2 * 12 * 2 * 3 };
	float *dx = zeros(a.n);
	char n2[128];

	a.x = away_from_zero(a.n), a.out = zeros(a.n), a.R = randn(a.n, 1);
	act_forward(&a);
	switch (kind) {
	case RELU: nn_relu_backward(dx, a.R, a.x, a.n); break;
	case LEAKY: nn_leaky_relu_backward(dx, a.R, a.x, 0.2f, a.n); break;
	case TANH: nn_tanh_backward(dx, a.R, a.out, a.n); break;
	case SIGMOID: nn_sigmoid_backward(dx, a.R, a.out, a.n); break;
	case SHUFFLE:
		nn_pixel_shuffle_backward(dx, a.R, 2, 3, 2, 3, 2);
		break;
	}
	snprintf(n2, sizeof n2, "%s: backward vs finite differences", name);
	fd_check(n2, a.x, a.n, dx, act_loss, &a, 1e-3, 1e-3, 5e-4);
	free(dx), free(a.x), free(a.out), free(a.R);
}

/* PixelShuffle's channel order, element by element. */
static void
test_shuffle_order(void)
{
	enum { N = 1, C = 2, H = 2, W = 3, r = 2 };
	float in[N * C * r * r * H * W], out[N * C * H * r * W * r];
	int bad = 0;

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
		in[i] = (float)i;
	nn_pixel_shuffle_forward(out, in, N, C, H, W, r);
	for (int c = 0; c < C; c++)
		for (int h = 0; h < H * r; h++)
			for (int w = 0; w < W * r; w++) {
				int ic = c * r * r + (h % r) * r + (w % r);
				float want = in[(ic * H + h / r) * W + w / r];
				bad += out[(c * H * r + h) * W * r + w] != want;
			}
	CHECK(bad == 0, "pixel shuffle: out[c, h r + i, w r + j] = in[c r r + "
	    "i r + j, h, w] (%d mismatches)", bad);
}

int
main(void)
{
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 42);
	test_dense();
	test_conv(3, 4, 3, 1, 1, 5, 6, 1);
	test_conv(2, 3, 4, 2, 1, 8, 7, 0);
	test_conv(4, 2, 1, 1, 0, 3, 3, 1);
	test_batchnorm(4, 3, 5);
	test_batchnorm(6, 2, 1);
	test_batchnorm_shared(3, 4, 6);
	test_batchnorm_shared(1, 3, 1);
	test_act(RELU, "relu");
	test_act(LEAKY, "leaky relu 0.2");
	test_act(TANH, "tanh");
	test_act(SIGMOID, "sigmoid");
	test_act(SHUFFLE, "pixel shuffle r2");
	test_shuffle_order();
	gsl_rng_free(rng);
	return check_done();
}
