/* vae-mkmodel: make a vector VAE model file for the tests: random
 * initialisation, optionally fitted (VAE only) to a kvae-seq stream.
 *
 *   vae-mkmodel -o M -d D -l L [-H 16,8] [-a tanh] [-s SEED]
 *               [-t DATA -e EPOCHS -b BATCH -r LR]
 * Prints the final loss per record when trained. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "nn/adam.h"
#include "common/cli.h"
#include "stream/seq.h"
#include "vae/vae.h"
#include "vae/vae_train.h"

static double *
read_all(const char *path, size_t dim, size_t *N, kv_err *err)
{
	seq_reader *r = seq_reader_open(path, err);
	seq_buf b = { 0 };
	double *all = NULL;
	int rc;

	*N = 0;
	if (r == NULL)
		return NULL;
	if (seq_reader_layout(r)->dim != dim) {
		kv_errf(err, "%s: dim %zu, model input_dim %zu", path,
		    seq_reader_layout(r)->dim, dim);
		seq_reader_close(r);
		return NULL;
	}
	while ((rc = seq_read_sequence(r, &b, err)) == 1) {
		double *na = realloc(all, (*N + b.T) * dim * sizeof *all);
		if (na == NULL)
			break;
		all = na;
		memcpy(all + *N * dim, b.x, b.T * dim * sizeof *all);
		*N += b.T;
	}
	seq_buf_free(&b);
	seq_reader_close(r);
	return rc == 0 ? all : (free(all), NULL);
}

int
main(int argc, char **argv)
{
	vae_config cfg = { .act = VAE_TANH };
	vae_fit_opts fo = { .epochs = 50, .batch = 32, .w_rec = 1, .beta = 1 };
	const char *out = NULL, *train = NULL;
	double lr = 1e-2, loss;
	unsigned long seed = 1;
	gsl_rng *rng;
	kv_err err;
	vae v;
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
		case 'e': fo.epochs = atoi(optarg); break;
		case 'b': fo.batch = atoi(optarg); break;
		case 'r': lr = atof(optarg); break;
		default: cli_usage_error("see the comment in tests/tools/vae-mkmodel.c");
		}
	}
	if (out == NULL || vae_init(&v, &cfg, &err))
		cli_usage_error("need -o, -d, -l (%s)", out ? err.msg : "no -o");
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	vae_init_random(&v, rng);
	if (train != NULL) {
		size_t N;
		double *data = read_all(train, (size_t)cfg.input_dim, &N, &err);
		adam a;
		if (data == NULL || vae_fit_normalisation(&v, data, N, &err) ||
		    adam_init(&a, v.p.n_trainable, &err))
			cli_fail(&err);
		a.lr = lr;
		if (vae_fit(&v, &a, rng, data, N, &fo, &loss, &err))
			cli_fail(&err);
		printf("loss %.6f\n", loss);
		adam_free(&a);
		free(data);
	}
	if (vae_save(&v, out, &err))
		cli_fail(&err);
	vae_free(&v);
	gsl_rng_free(rng);
	return 0;
}
