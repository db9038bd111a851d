/* test_conv_net: the convolutional encoder/decoder's backward against
 * central finite differences of L = sum(R * outputs) (R fixed, random),
 * in training and evaluation mode, for sampled entries of every
 * parameter tensor and for the decoder's dx; running statistics as
 * PyTorch updates them; NaN input; batch growth; refused configs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "check.h"
#include "vae/conv_net.h"

enum { B = 3, C = 1, S = 8, L = 2 };
#define NY ((size_t)B * C * S * S)
#define NL ((size_t)B * L)
#define SAMPLES 5		/* entries per tensor */

static gsl_rng *rng;
static convnet net;
static nnparams p;
static float y[NY], x[NL], Rm[NL], Rv[NL], Ry[NY];
static float *bufs0;		/* the buffers (running stats) to restore */

static void
fill(float *a, size_t n, double lo, double hi)
{
	for (size_t i = 0; i < n; i++)
		a[i] = (float)(lo + (hi - lo) * gsl_rng_uniform(rng));
}

static double
dot(const float *a, const float *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

static void
restore_buffers(void)
{
	memcpy(p.data + p.n_trainable, bufs0,
	    (p.total - p.n_trainable) * sizeof(float));
}

/* L for one side (decoder: dec = 1), running statistics left as they
 * were. */
static double
loss(int dec)
{
	float m[NL], v[NL], ym[NY];
	kv_err err;
	double l;
	int rc;

	if (dec) {
		rc = convnet_decode(&net, &p, ym, x, B, &err);
		l = dot(ym, Ry, NY);
	} else {
		rc = convnet_encode(&net, &p, m, v, y, B, &err);
		l = dot(m, Rm, NL) + dot(v, Rv, NL);
	}
	restore_buffers();
	if (rc != 0) {
		fprintf(stderr, "forward failed: %s\n", err.msg);
		exit(1);
	}
	return l;
}

/* Analytic gradients of one side: p.grad, and dx for the decoder. */
static void
gradients(int dec, float *dx)
{
	float m[NL], v[NL], ym[NY];
	kv_err err;
	int rc;

	nnparams_zero_grad(&p);
	memset(dx, 0, NL * sizeof(float));
	if (dec)
		rc = convnet_decode(&net, &p, ym, x, B, &err) ||
		    convnet_decoder_backward(&net, &p, dx, Ry, &err);
	else
		rc = convnet_encode(&net, &p, m, v, y, B, &err) ||
		    convnet_encoder_backward(&net, &p, Rm, Rv, &err);
	restore_buffers();
	if (rc != 0) {
		fprintf(stderr, "gradients failed: %s\n", err.msg);
		exit(1);
	}
}

/* Central differences at SAMPLES entries of a (n), against g. The net
 * runs in float32 (the loss is summed in double): h = 3e-4 keeps the
 * rounding noise near 1e-3 while the many LeakyReLU kinks and the
 * curvature of batch norm over 3 frames still leave central
 * differences accurate (h = 1e-2 is not: errors of 10% in training
 * mode, shrinking with h). */
static void
fd_check(const char *name, float *a, const float *g, size_t n, int dec)
{
	double num[SAMPLES], ana[SAMPLES], h = 3e-4;
	size_t m = n < SAMPLES ? n : SAMPLES;

	for (size_t s = 0; s < m; s++) {
		size_t i = n <= SAMPLES ? s : gsl_rng_uniform_int(rng, n);
		float a0 = a[i];
		double lp, lm;
		a[i] = (float)(a0 + h);
		lp = loss(dec);
		a[i] = (float)(a0 - h);
		lm = loss(dec);
		a[i] = a0;
		num[s] = (lp - lm) / (2 * h);
		ana[s] = g[i];
	}
	CHECK_ARRAY(name, ana, num, m, 2e-2, 2e-3);
}

static void
check_side(int dec, const char *mode)
{
	const char *prefix = dec ? "decoder." : "encoder.";
	float dx[NL];
	char name[200];

	gradients(dec, dx);
	for (size_t i = 0; i < p.n; i++) {
		const nnp_tensor *t = &p.t[i];
		if (!t->trainable || strncmp(t->name, prefix, 8) != 0)
			continue;
		snprintf(name, sizeof name, "%s: d %s vs finite differences",
		    mode, t->name);
		fd_check(name, nnparams_data(&p, (int)i),
		    nnparams_grad(&p, (int)i), t->size, dec);
	}
	if (dec) {
		snprintf(name, sizeof name, "%s: dx vs finite differences", mode);
		fd_check(name, x, dx, NL, 1);
	}
}

/* Random parameters, batch norm's affine maps and running statistics
 * away from the defaults. */
static void
setup(void)
{
	convnet_config cfg = { .channels = C, .size = S, .nstages = 2,
		.filters = { 2, 3 }, .latent_dim = L };
	kv_err err;

	if (convnet_declare(&net, &cfg, &p, &err) || nnparams_alloc(&p, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		exit(1);
	}
	convnet_init_random(&net, &p, rng);
	for (size_t i = 0; i < p.n; i++) {
		const char *n = p.t[i].name;
		float *d = nnparams_data(&p, (int)i);
		if (strstr(n, ".bn") == NULL || strstr(n, "num_batches"))
			continue;
		if (strstr(n, "running_var") || strstr(n, "weight"))
			fill(d, p.t[i].size, 0.6, 1.4);
		else
			fill(d, p.t[i].size, -0.3, 0.3);
	}
	fill(y, NY, 0, 1);
	fill(x, NL, -1.5, 1.5);
	fill(Rm, NL, -1, 1);
	fill(Rv, NL, -1, 1);
	fill(Ry, NY, -1, 1);
	bufs0 = malloc((p.total - p.n_trainable + 1) * sizeof(float));
	memcpy(bufs0, p.data + p.n_trainable,
	    (p.total - p.n_trainable) * sizeof(float));
}

/* encoder.bn0 after one training forward: momentum 0.1 towards the
 * batch mean and UNBIASED variance of conv0's output, recomputed here
 * with the reference conv; num_batches_tracked + 1; nothing in eval. */
static void
test_running_stats(void)
{
	int w = nnparams_find(&p, "encoder.conv0.weight");
	int rm = nnparams_find(&p, "encoder.bn0.running_mean");
	int rv = nnparams_find(&p, "encoder.bn0.running_var");
	int nb = nnparams_find(&p, "decoder.bn1.num_batches_tracked");
	int F0 = 2, H = S / 2, M = B * H * H;
	float a[B * 2 * (S / 2) * (S / 2)], m[NL], v[NL], ym[NY];
	double want_m[2], want_v[2], got_m[2], got_v[2], sum, ss;
	nn_conv2d conv;
	kv_err err;
	int rc;

	nn_conv2d_init(&conv, C, F0, 3, 2, 1);
	nn_conv2d_forward_ref(&conv, a, y, nnparams_data(&p, w), NULL, B, S, S);
	for (int c = 0; c < F0; c++) {
		sum = ss = 0;
		for (int n = 0; n < B; n++)
			for (int i = 0; i < H * H; i++)
				sum += a[(n * F0 + c) * H * H + i];
		for (int n = 0; n < B; n++)
			for (int i = 0; i < H * H; i++) {
				double d = a[(n * F0 + c) * H * H + i] - sum / M;
				ss += d * d;
			}
		want_m[c] = 0.9 * bufs0[p.t[rm].offset - p.n_trainable + c] +
		    0.1 * sum / M;
		want_v[c] = 0.9 * bufs0[p.t[rv].offset - p.n_trainable + c] +
		    0.1 * ss / (M - 1);
	}
	net.training = 1;
	rc = convnet_encode(&net, &p, m, v, y, B, &err) ||
	    convnet_decode(&net, &p, ym, x, B, &err);
	for (int c = 0; c < F0; c++) {
		got_m[c] = nnparams_data(&p, rm)[c];
		got_v[c] = nnparams_data(&p, rv)[c];
	}
	CHECK(rc == 0, "training forward runs");
	CHECK_ARRAY("running_mean after a training forward (momentum 0.1)",
	    got_m, want_m, 2, 1e-5, 1e-6);
	CHECK_ARRAY("running_var after a training forward (unbiased)", got_v,
	    want_v, 2, 1e-5, 1e-6);
	CHECK(nnparams_data(&p, nb)[0] == bufs0[p.t[nb].offset -
	    p.n_trainable] + 1, "num_batches_tracked counts training forwards "
	    "(%g)", (double)nnparams_data(&p, nb)[0]);
	restore_buffers();
	net.training = 0;
	rc = convnet_encode(&net, &p, m, v, y, B, &err) ||
	    convnet_decode(&net, &p, ym, x, B, &err);
	CHECK(rc == 0 && memcmp(p.data + p.n_trainable, bufs0,
	    (p.total - p.n_trainable) * sizeof(float)) == 0,
	    "an evaluation forward changes no buffer");
	nn_conv2d_free(&conv);
}

/* NaN enters as 0; in evaluation mode frames are independent, so a
 * smaller batch after a larger one (buffers reused) gives the same
 * frames; a larger one after it regrows them. */
static void
test_nan_and_batches(void)
{
	float y2[NY], m1[NL], v1[NL], m2[NL], v2[NL];
	kv_err err;
	int rc, same = 1;

	net.training = 0;
	memcpy(y2, y, sizeof y2);
	y2[5] = 0.0f, y2[70] = 0.0f;
	rc = convnet_encode(&net, &p, m1, v1, y2, B, &err);
	y2[5] = NAN, y2[70] = NAN;
	rc = rc || convnet_encode(&net, &p, m2, v2, y2, B, &err);
	CHECK(rc == 0 && memcmp(m1, m2, sizeof m1) == 0 &&
	    memcmp(v1, v2, sizeof v1) == 0, "NaN in y encodes as 0");
	rc = convnet_encode(&net, &p, m1, v1, y, B, &err) ||
	    convnet_encode(&net, &p, m2, v2, y, 1, &err);
	for (int i = 0; i < L; i++)
		same = same && fabsf(m1[i] - m2[i]) <= 1e-6f * (1 + fabsf(m1[i]));
	CHECK(rc == 0 && same, "eval mode: frame 0 alone encodes as in the batch");
	rc = convnet_encode(&net, &p, m2, v2, y, B, &err);
	CHECK(rc == 0 && memcmp(m1, m2, sizeof m1) == 0,
	    "the batch again after a smaller one gives the same");
	rc = convnet_encode(&net, &p, m1, v1, y, 0, &err);
	CHECK(rc != 0, "a batch of 0 refused: %s", err.msg);
	rc = convnet_encoder_backward(&net, &p, Rm, Rv, &err);
	CHECK(rc != 0, "no backward after a failed forward: %s", err.msg);
	net.training = 1;
	rc = convnet_decode(&net, &p, y2, x, 1, &err);	/* 1 x 2x2 is fine */
	CHECK(rc == 0, "training decode of 1 frame (4 values per channel)");
	restore_buffers();
}

static void
refused(const char *what, convnet_config cfg)
{
	kv_err err;

	CHECK(convnet_config_check(&cfg, &err) != 0, "%s refused: %s", what,
	    err.msg);
}

static void
test_config_check(void)
{
	convnet_config ok = { .channels = 3, .size = 32, .nstages = 3,
		.filters = { 8, 16, 32 }, .latent_dim = 4 }, c;
	kv_err err;
	nnparams q = { 0 };
	convnet n2;
	int rc, nb;

	CHECK(convnet_config_check(&ok, &err) == 0, "C 3, S 32, k 3 accepted");
	c = ok, c.channels = 2, refused("2 channels", c);
	c = ok, c.nstages = 0, refused("0 stages", c);
	c = ok, c.nstages = CONVNET_MAX_STAGES + 1, refused("too many stages", c);
	c = ok, c.size = 36, refused("S = 36 with 3 stages", c);
	c = ok, c.size = 0, refused("S = 0", c);
	c = ok, c.filters[1] = 0, refused("0 filters", c);
	c = ok, c.latent_dim = 0, refused("L = 0", c);
	c = ok, c.size = 36;
	CHECK(convnet_declare(&n2, &c, &q, &err) != 0 && q.n == 0,
	    "declare refuses a bad config and declares nothing");
	convnet_free(&n2);
	rc = convnet_declare(&n2, &ok, &q, &err);
	nb = nnparams_find(&q, "decoder.bn2.num_batches_tracked");
	CHECK(rc == 0 && q.n == 6 * 3 + 4 + 2 + 6 * 3 + 2 && nb >= 0 &&
	    q.t[nb].ndim == 0 && q.t[nb].trainable == 0,
	    "declare: %zu tensors, num_batches_tracked a 0-dim buffer", q.n);
	convnet_free(&n2);
	convnet_free(&n2);	/* twice: safe */
	nnparams_free(&q);
}

int
main(void)
{
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 11);
	setup();
	net.training = 1;
	check_side(0, "training");
	check_side(1, "training");
	net.training = 0;
	check_side(0, "eval");
	check_side(1, "eval");
	test_running_stats();
	test_nan_and_batches();
	test_config_check();
	convnet_free(&net);
	nnparams_free(&p);
	free(bufs0);
	gsl_rng_free(rng);
	return check_done();
}
