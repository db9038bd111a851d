/* nn_conv_bench: GFLOP/s of the conv layer on oneDNN against its plain
 * reference loops, on a conv of the size a video KVAE encoder runs
 * (batch 16, 32 -> 32 channels, 32x32, 3x3, stride 1, padding 1), and
 * of the dense layer (dnnl_sgemm) against its reference loop. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn/nn.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *
rnd(size_t n)
{
	float *x = malloc(n * sizeof *x);

	for (size_t i = 0; i < n; i++)
		x[i] = (float)rand() / RAND_MAX - 0.5f;
	return x;
}

#define TIME(reps, stmt) ({ double t0_ = now(); \
	for (int r_ = 0; r_ < (reps); r_++) { stmt; } (now() - t0_) / (reps); })

int
main(void)
{
	enum { N = 16, C = 32, OC = 32, H = 32, K = 3 };
	nn_conv2d L;
	kv_err err;
	size_t nx = (size_t)N * C * H * H, nw = (size_t)OC * C * K * K;
	size_t ny = (size_t)N * OC * H * H;
	float *x = rnd(nx), *w = rnd(nw), *b = rnd(OC), *y = rnd(ny);
	float *dy = rnd(ny), *dx = calloc(nx, 4), *dw = calloc(nw, 4);
	float *db = calloc(OC, 4);
	double flop = 2.0 * N * OC * H * H * C * K * K, tf, tb, rf, rb;

	nn_conv2d_init(&L, C, OC, K, 1, 1);
	if (nn_conv2d_forward(&L, y, x, w, b, N, H, H, &err) ||
	    nn_conv2d_backward(&L, dx, dw, db, dy, x, w, N, H, H, &err)) {
		fprintf(stderr, "nn_conv_bench: %s\n", err.msg);
		return 1;
	}
	tf = TIME(20, nn_conv2d_forward(&L, y, x, w, b, N, H, H, &err));
	tb = TIME(20, nn_conv2d_backward(&L, dx, dw, db, dy, x, w, N, H, H,
	    &err));
	rf = TIME(1, nn_conv2d_forward_ref(&L, y, x, w, b, N, H, H));
	rb = TIME(1, nn_conv2d_backward_ref(&L, dx, dw, db, dy, x, w, N, H, H));
	printf("conv %dx%d->%d %dx%d k%d, batch %d (%.0f MFLOP forward):\n", C, H,
	    OC, H, H, K, N, flop / 1e6);
	printf("  forward   oneDNN %7.2f GFLOP/s  reference %6.2f GFLOP/s  "
	    "ratio %.1fx\n", flop / tf / 1e9, flop / rf / 1e9, rf / tf);
	printf("  backward  oneDNN %7.2f GFLOP/s  reference %6.2f GFLOP/s  "
	    "ratio %.1fx  (data + weights, 2x the forward's FLOP)\n",
	    2 * flop / tb / 1e9, 2 * flop / rb / 1e9, rb / tb);
	{
		enum { B = 256, IN = 512, OUT = 256 };
		float *a = rnd((size_t)B * IN), *wt = rnd((size_t)OUT * IN);
		float *o = rnd((size_t)B * OUT);
		double fl = 2.0 * B * IN * OUT, td, trd;
		nn_dense_forward(o, a, wt, NULL, B, IN, OUT, &err);
		td = TIME(50, nn_dense_forward(o, a, wt, NULL, B, IN, OUT, &err));
		trd = TIME(2, nn_dense_forward_ref(o, a, wt, NULL, B, IN, OUT));
		printf("dense %d->%d, batch %d: oneDNN %.2f GFLOP/s  reference %.2f "
		    "GFLOP/s  ratio %.1fx\n", IN, OUT, B, fl / td / 1e9,
		    fl / trd / 1e9, trd / td);
		free(a), free(wt), free(o);
	}
	nn_conv2d_free(&L);
	free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db);
	return 0;
}
