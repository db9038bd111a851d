/* train_step_bench: milliseconds per training step of a convolutional
 * KVAE (kvae.h) on random frames in [-1, 1], the sequence kvae-train
 * runs per batch (train.c: batch_loss, kvae_fit_epoch): kvae_zero_grad,
 * kvae_loss with the LGSSM prior (K = 1), kvae_step with Adam at
 * kvae-train's defaults (lr 0.007, clip 150). One warm-up step, then
 * STEPS timed ones. Prints one line:
 *   ms_per_step PEAK_MIB
 * with the peak resident memory of the process (getrusage).
 *
 * Usage: train_step_bench SIZE FILTERS LATENT STATE NSEQ T STEPS
 * (FILTERS as "64,128,256,512"). */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn/adam.h"
#include "vae/kvae.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
one_step(kvae *k, adam *a, const float *y, const size_t *T, size_t nseq,
	float *eps, size_t neps, gsl_rng *rng, kv_err *err)
{
	kvae_loss_opts lo = { .dynamics = 1, .w_rec = 1, .beta = 1,
	    .samples = 1 };
	double loss;

	for (size_t i = 0; i < neps; i++)
		eps[i] = (float)gsl_ran_gaussian(rng, 1.0);
	kvae_zero_grad(k);
	if (kvae_loss(k, y, T, nseq, eps, &lo, &loss, NULL, err) ||
	    kvae_step(k, a, a->lr, err))
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	vae_config cfg = { .input = VAE_IMAGE };
	kvae k;
	adam a;
	kv_err err;
	gsl_rng *rng;
	size_t nseq, len, N, D, n;
	size_t *T;
	float *y, *eps;
	int steps;
	char *s;
	double t0, t1;
	struct rusage ru;

	if (argc != 8) {
		fprintf(stderr, "usage: train_step_bench SIZE FILTERS LATENT "
		    "STATE NSEQ T STEPS\n");
		return 2;
	}
	cfg.conv.channels = 1;
	cfg.conv.size = atoi(argv[1]);
	for (s = argv[2]; *s != '\0' && cfg.conv.nstages < CONVNET_MAX_STAGES;
	    s += *s == ',')
		cfg.conv.filters[cfg.conv.nstages++] = (int)strtol(s, &s, 10);
	cfg.latent_dim = cfg.conv.latent_dim = atoi(argv[3]);
	n = (size_t)atoi(argv[4]);
	nseq = (size_t)atoi(argv[5]);
	len = (size_t)atoi(argv[6]);
	steps = atoi(argv[7]);
	memset(&k, 0, sizeof k);
	memset(&a, 0, sizeof a);
	if (vae_config_check(&cfg, &err) || kvae_init(&k, &cfg, n, &err) ||
	    adam_init(&a, k.ntrain, &err)) {
		fprintf(stderr, "train_step_bench: %s\n", err.msg);
		return 1;
	}
	a.lr = 0.007;
	a.clip = 150;
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	kvae_init_random(&k, rng);
	vae_set_training(&k.v, 1);
	N = nseq * len;
	D = (size_t)cfg.input_dim;
	y = malloc(N * D * sizeof *y);
	eps = malloc(N * k.L * sizeof *eps);
	T = malloc(nseq * sizeof *T);
	if (y == NULL || eps == NULL || T == NULL) {
		fprintf(stderr, "train_step_bench: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < N * D; i++)
		y[i] = (float)(2 * gsl_rng_uniform(rng) - 1);
	for (size_t i = 0; i < nseq; i++)
		T[i] = len;
	if (one_step(&k, &a, y, T, nseq, eps, N * k.L, rng, &err))
		goto fail;
	t0 = now();
	for (int i = 0; i < steps; i++)
		if (one_step(&k, &a, y, T, nseq, eps, N * k.L, rng, &err))
			goto fail;
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	printf("%.1f %.0f\n", (t1 - t0) * 1e3 / steps, ru.ru_maxrss / 1024.0);
	kvae_free(&k);
	adam_free(&a);
	gsl_rng_free(rng);
	free(y), free(eps), free(T);
	return 0;
fail:
	fprintf(stderr, "train_step_bench: %s\n", err.msg);
	return 1;
}
