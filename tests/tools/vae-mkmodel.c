/* vae-mkmodel: make a vector VAE model file for the tests: random
 * initialisation, optionally fitted (VAE only) to a kvae-seq stream
 * by kvae-train's loop with dynamics off, each record a sequence of
 * its own. The file holds the VAE alone (no lgssm.* tensors).
 *
 *   vae-mkmodel -o M -d D -l L [-H 16,8] [-a tanh] [-s SEED]
 *               [-t DATA -e EPOCHS -b BATCH -r LR]
 * Prints the last epoch's loss (minus the ELBO) per record when trained. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/cli.h"
#include "nn/adam.h"
#include "stream/load.h"
#include "vae/kvae.h"
#include "vae/train.h"

/* Fit k's VAE to the records of `path`, every record a sequence. */
static void
fit(kvae *k, const char *path, int epochs, const kvae_fit_opts *o,
	double lr, unsigned long seed, gsl_rng *rng)
{
	const char *paths[] = { path };
	kvae_data train, val;
	kvae_epoch ep = { 0 };
	size_t *ones;
	seq_set d;
	kv_err err;
	adam a;

	if (seq_load_all(&d, paths, 1, 0, &err))
		cli_fail(&err);
	if (d.dim != (size_t)k->v.cfg.input_dim)
		cli_die("%s: records have %zu values, the model takes %d", path,
		    d.dim, k->v.cfg.input_dim);
	if ((ones = malloc(d.N * sizeof *ones)) == NULL)
		cli_die("out of memory");
	for (size_t i = 0; i < d.N; i++)
		ones[i] = 1;
	if (kvae_data_split(d.x, ones, d.N, d.dim, 0.0, seed, &k->v, 1, &train,
	    &val, &err) || adam_init(&a, k->ntrain, &err))
		cli_fail(&err);
	a.lr = lr;
	for (int e = 0; e < epochs; e++)
		if (kvae_fit_epoch(k, &a, rng, &train, &val, o, e, NULL, &ep,
		    &err))
			cli_die("epoch %d: %s", e + 1, err.msg);
	printf("loss %.6f\n", -kvae_terms_elbo(&ep.train));
	adam_free(&a);
	kvae_data_free(&train);
	kvae_data_free(&val);
	free(ones);
	seq_set_free(&d);
}

int
main(int argc, char **argv)
{
	vae_config cfg = { .act = VAE_TANH };
	kvae_fit_opts fo = { .dynamics = 0, .batch = 32, .samples = 1,
	    .w_rec = 1, .beta = 1, .anneal = KVAE_ANNEAL_NONE };
	const char *out = NULL, *train = NULL;
	double lr = 1e-2;
	int epochs = 50;
	unsigned long seed = 1;
	gsl_rng *rng;
	kv_err err;
	kvae k;
	int c;

	cli_init("vae-mkmodel");
	while ((c = getopt(argc, argv, "o:d:l:H:a:s:t:e:b:r:")) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'd': cfg.input_dim = atoi(optarg); break;
		case 'l': cfg.latent_dim = atoi(optarg); break;
		case 'H':
			cfg.n_hidden = 0;
			for (char *p = strtok(optarg, ","); p && cfg.n_hidden <
			    VAE_MAX_HIDDEN; p = strtok(NULL, ","))
				cfg.hidden[cfg.n_hidden++] = atoi(p);
			break;
		case 'a': cfg.act = vae_act_from_name(optarg); break;
		case 's': seed = strtoul(optarg, NULL, 10); break;
		case 't': train = optarg; break;
		case 'e': epochs = atoi(optarg); break;
		case 'b': fo.batch = atoi(optarg); break;
		case 'r': lr = atof(optarg); break;
		default: cli_usage_error("see the comment in tests/tools/vae-mkmodel.c");
		}
	}
	/* The loop trains a KVAE; its LGSSM (state dim 1) stays unused. */
	if (out == NULL || fo.batch < 1)
		cli_usage_error("need -o, -d, -l and -b >= 1");
	if (kvae_init(&k, &cfg, 1, &err))
		cli_usage_error("%s", err.msg);
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	/* the VAE's parameters are drawn first, as vae_init_random alone
	 * would draw them */
	kvae_init_random(&k, rng);
	if (train != NULL)
		fit(&k, train, epochs, &fo, lr, seed, rng);
	if (vae_save(&k.v, out, &err))
		cli_fail(&err);
	kvae_free(&k);
	gsl_rng_free(rng);
	return 0;
}
