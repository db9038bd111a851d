/* nn-torch-check REF OUT: run the network of tests/reference/nn_torch.py
 * on our layers (oneDNN path) with the weights and input PyTorch saved
 * in REF, and compare every activation, the loss, every gradient, the
 * updated running statistics and the evaluation-mode output (TAP lines;
 * exit 1 on any mismatch). Then write our parameters, output, loss and
 * gradients to OUT, for nn_torch.py verify to read back with PyTorch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/check.h"
#include "nn/nn.h"
#include "nn/params.h"
#include "core/safetensors.h"

enum { N = 4, C0 = 3, H0 = 6, C1 = 8, C2 = 12, H2 = 3, F = 108, D1 = 16,
	D2 = 5 };

static st_file *ref;
static kv_err err;

static void
die(const char *what)
{
	fprintf(stderr, "nn-torch-check: %s: %s\n", what, err.msg);
	exit(2);
}

/* Compare our buffer with REF's tensor `name`. */
static void
compare(const char *name, const float *got, size_t n, double rtol,
	double atol)
{
	const st_tensor *t = st_find(ref, name);
	double *g = malloc(n * sizeof *g), *w = malloc(n * sizeof *w);

	if (t == NULL || st_get_f64(ref, t, w, n, &err))
		die(name);
	for (size_t i = 0; i < n; i++)
		g[i] = got[i];
	CHECK_ARRAY(name, g, w, n, rtol, atol);
	free(g);
	free(w);
}

static float *
tensor(const char *name, size_t n)
{
	float *x = malloc(n * sizeof *x);
	const st_tensor *t = st_find(ref, name);

	if (t == NULL || st_get_f32(ref, t, x, n, &err))
		die(name);
	return x;
}

static float *
buf(size_t n)
{
	return calloc(n, sizeof(float));
}

int
main(int argc, char **argv)
{
	nnparams p = { 0 };
	nn_conv2d conv1, conv2;
	nn_batchnorm bn1, bn2;
	int c1w, c1b, b1w, b1b, b1m, b1v, c2w, c2b, f1w, f1b, b2w, b2b, b2m, b2v,
	    f2w, f2b;
	size_t n1 = (size_t)N * C1 * H0 * H0, n2 = (size_t)N * C2 * H2 * H2;
	size_t ns = (size_t)N * F;
	float *x, *target, *init, *a1 = buf(n1), *b1 = buf(n1), *h1 = buf(n1);
	float *a2 = buf(n2), *s = buf(ns), *d1 = buf(N * D1), *b2 = buf(N * D1);
	float *h2 = buf(N * D1), *d2 = buf(N * D2), *y = buf(N * D2);
	float *g_y = buf(N * D2), *g_d2 = buf(N * D2), *g_h2 = buf(N * D1);
	float *g_b2 = buf(N * D1), *g_d1 = buf(N * D1), *g_s = buf(ns);
	float *g_a2 = buf(n2), *g_h1 = buf(n1), *g_b1 = buf(n1), *g_a1 = buf(n1);
	float *g_x = buf((size_t)N * C0 * H0 * H0), *y_eval = buf(N * D2);
	double loss = 0;
	float loss_f;
	uint64_t one = 1, shp[2] = { N, D2 }, xs[4] = { N, C0, H0, H0 };
	st_writer *w;

	if (argc != 3) {
		fprintf(stderr, "usage: nn-torch-check REF OUT\n");
		return 2;
	}
	ref = st_read(argv[1], &err);
	if (ref == NULL)
		die("reading the reference");
#define P(name, tr, ...) nnparams_add(&p, "net." name, tr, &err, __VA_ARGS__)
	c1w = P("conv1.weight", 1, 4, (size_t)C1, (size_t)C0, (size_t)3, (size_t)3);
	c1b = P("conv1.bias", 1, 1, (size_t)C1);
	b1w = P("bn1.weight", 1, 1, (size_t)C1);
	b1b = P("bn1.bias", 1, 1, (size_t)C1);
	b1m = P("bn1.running_mean", 0, 1, (size_t)C1);
	b1v = P("bn1.running_var", 0, 1, (size_t)C1);
	c2w = P("conv2.weight", 1, 4, (size_t)C2, (size_t)C1, (size_t)3, (size_t)3);
	c2b = P("conv2.bias", 1, 1, (size_t)C2);
	f1w = P("fc1.weight", 1, 2, (size_t)D1, (size_t)F);
	f1b = P("fc1.bias", 1, 1, (size_t)D1);
	b2w = P("bn2.weight", 1, 1, (size_t)D1);
	b2b = P("bn2.bias", 1, 1, (size_t)D1);
	b2m = P("bn2.running_mean", 0, 1, (size_t)D1);
	b2v = P("bn2.running_var", 0, 1, (size_t)D1);
	f2w = P("fc2.weight", 1, 2, (size_t)D2, (size_t)D1);
	f2b = P("fc2.bias", 1, 1, (size_t)D2);
#undef P
	if (nnparams_alloc(&p, &err) || nnparams_read(&p, ref, "net.", &err))
		die("loading the parameters");
	init = malloc(p.total * sizeof *init);
	memcpy(init, p.data, p.total * sizeof *init);
	x = tensor("x", (size_t)N * C0 * H0 * H0);
	target = tensor("target", N * D2);
	nn_conv2d_init(&conv1, C0, C1, 3, 1, 1);
	nn_conv2d_init(&conv2, C1, C2, 3, 2, 1);
	if (nn_batchnorm_init(&bn1, C1, &err) || nn_batchnorm_init(&bn2, D1, &err))
		die("batchnorm");
#define D(i) nnparams_data(&p, i)
#define G(i) nnparams_grad(&p, i)
#define OK(call) if ((call) != 0) die(#call)
	/* forward, training mode */
	OK(nn_conv2d_forward(&conv1, a1, x, D(c1w), D(c1b), N, H0, H0, &err));
	OK(nn_batchnorm_forward(&bn1, b1, a1, D(b1w), D(b1b), D(b1m), D(b1v), N,
	    H0 * H0, 1, &err));
	nn_leaky_relu_forward(h1, b1, 0.2f, n1);
	OK(nn_conv2d_forward(&conv2, a2, h1, D(c2w), D(c2b), N, H0, H0, &err));
	nn_pixel_shuffle_forward(s, a2, N, C2 / 4, H2, H2, 2);
	OK(nn_dense_forward(d1, s, D(f1w), D(f1b), N, F, D1, &err));
	OK(nn_batchnorm_forward(&bn2, b2, d1, D(b2w), D(b2b), D(b2m), D(b2v), N,
	    1, 1, &err));
	nn_tanh_forward(h2, b2, N * D1);
	OK(nn_dense_forward(d2, h2, D(f2w), D(f2b), N, D1, D2, &err));
	nn_sigmoid_forward(y, d2, N * D2);
	for (int i = 0; i < N * D2; i++) {
		double e = y[i] - target[i];
		loss += e * e / (N * D2);
		g_y[i] = (float)(2 * e / (N * D2));
	}
	/* backward */
	nn_sigmoid_backward(g_d2, g_y, y, N * D2);
	OK(nn_dense_backward(g_h2, G(f2w), G(f2b), g_d2, h2, D(f2w), N, D1, D2,
	    &err));
	nn_tanh_backward(g_b2, g_h2, h2, N * D1);
	OK(nn_batchnorm_backward(&bn2, g_d1, G(b2w), G(b2b), g_b2, d1, D(b2w), N,
	    1, &err));
	OK(nn_dense_backward(g_s, G(f1w), G(f1b), g_d1, s, D(f1w), N, F, D1,
	    &err));
	nn_pixel_shuffle_backward(g_a2, g_s, N, C2 / 4, H2, H2, 2);
	OK(nn_conv2d_backward(&conv2, g_h1, G(c2w), G(c2b), g_a2, h1, D(c2w), N,
	    H0, H0, &err));
	nn_leaky_relu_backward(g_b1, g_h1, b1, 0.2f, n1);
	OK(nn_batchnorm_backward(&bn1, g_a1, G(b1w), G(b1b), g_b1, a1, D(b1w), N,
	    H0 * H0, &err));
	OK(nn_conv2d_backward(&conv1, g_x, G(c1w), G(c1b), g_a1, x, D(c1w), N,
	    H0, H0, &err));

	compare("act.a1", a1, n1, 1e-4, 1e-5);
	compare("act.b1", b1, n1, 1e-4, 1e-4);
	compare("act.h1", h1, n1, 1e-4, 1e-4);
	compare("act.a2", a2, n2, 1e-4, 1e-4);
	compare("act.s", s, ns, 1e-4, 1e-4);
	compare("act.d1", d1, N * D1, 1e-4, 1e-4);
	compare("act.b2", b2, N * D1, 1e-4, 1e-4);
	compare("act.h2", h2, N * D1, 1e-4, 1e-4);
	compare("act.d2", d2, N * D2, 1e-4, 1e-4);
	compare("act.y", y, N * D2, 1e-4, 1e-5);
	loss_f = (float)loss;
	compare("loss", &loss_f, 1, 1e-5, 1e-7);
	compare("grad.x", g_x, (size_t)N * C0 * H0 * H0, 1e-3, 1e-7);
	for (size_t i = 0; i < p.n; i++) {
		char name[128];
		if (!p.t[i].trainable)
			continue;
		snprintf(name, sizeof name, "grad.%s", p.t[i].name);
		compare(name, G((int)i), p.t[i].size, 1e-3, 1e-7);
	}
	compare("after.net.bn1.running_mean", D(b1m), C1, 1e-5, 1e-6);
	compare("after.net.bn1.running_var", D(b1v), C1, 1e-5, 1e-6);
	compare("after.net.bn2.running_mean", D(b2m), D1, 1e-5, 1e-6);
	compare("after.net.bn2.running_var", D(b2v), D1, 1e-5, 1e-6);

	/* evaluation mode, with the updated running statistics */
	OK(nn_conv2d_forward(&conv1, a1, x, D(c1w), D(c1b), N, H0, H0, &err));
	OK(nn_batchnorm_forward(&bn1, b1, a1, D(b1w), D(b1b), D(b1m), D(b1v), N,
	    H0 * H0, 0, &err));
	nn_leaky_relu_forward(h1, b1, 0.2f, n1);
	OK(nn_conv2d_forward(&conv2, a2, h1, D(c2w), D(c2b), N, H0, H0, &err));
	nn_pixel_shuffle_forward(s, a2, N, C2 / 4, H2, H2, 2);
	OK(nn_dense_forward(d1, s, D(f1w), D(f1b), N, F, D1, &err));
	OK(nn_batchnorm_forward(&bn2, b2, d1, D(b2w), D(b2b), D(b2m), D(b2v), N,
	    1, 0, &err));
	nn_tanh_forward(h2, b2, N * D1);
	OK(nn_dense_forward(d2, h2, D(f2w), D(f2b), N, D1, D2, &err));
	nn_sigmoid_forward(y_eval, d2, N * D2);
	compare("y_eval", y_eval, N * D2, 1e-4, 1e-5);

	/* our results, for PyTorch to read back */
	memcpy(p.data, init, p.total * sizeof *init);
	w = st_writer_new(&err);
	if (w == NULL || nnparams_write(&p, w, &err) ||
	    st_writer_add(w, "y", ST_F32, 2, shp, y, &err) ||
	    st_writer_add(w, "loss", ST_F32, 0, &one, &loss_f, &err) ||
	    st_writer_add(w, "grad.x", ST_F32, 4, xs, g_x, &err))
		die("writing");
	{
		static char names[16][128];
		int k = 0;
		for (size_t i = 0; i < p.n; i++) {
			if (!p.t[i].trainable)
				continue;
			snprintf(names[k], sizeof names[k], "grad.%s", p.t[i].name);
			if (st_writer_add(w, names[k], ST_F32, p.t[i].ndim,
			    p.t[i].shape, G((int)i), &err))
				die("writing");
			k++;
		}
		if (st_writer_meta(w, "producer", "nn-torch-check", &err) ||
		    st_writer_save(w, argv[2], &err))
			die(argv[2]);
	}
	st_writer_free(w);
#undef D
#undef G
#undef OK
	nn_conv2d_free(&conv1);
	nn_conv2d_free(&conv2);
	nn_batchnorm_free(&bn1);
	nn_batchnorm_free(&bn2);
	nnparams_free(&p);
	st_free(ref);
	free(x), free(target), free(init), free(a1), free(b1), free(h1);
	free(a2), free(s), free(d1), free(b2), free(h2), free(d2), free(y);
	free(g_y), free(g_d2), free(g_h2), free(g_b2), free(g_d1), free(g_s);
	free(g_a2), free(g_h1), free(g_b1), free(g_a1), free(g_x), free(y_eval);
	return check_done();
}
