/* convnet-check REF OURS INIT: run conv_net.h's encoder and decoder on
 * the parameters, inputs and upstream gradients that
 * tests/reference/convnet_torch.py saved in REF: a training-mode
 * forward and backward, then an evaluation-mode one on the updated
 * running statistics, as the script did with PyTorch. Write our
 * outputs, gradients and running statistics to OURS under the
 * script's names ("train.mean", "eval.grad.decoder.fc.weight",
 * "train.after.encoder.bn0.running_var", ...) for convnet_torch.py
 * verify to compare, and a freshly initialised net of the same
 * configuration (convnet_init_random) to INIT, for PyTorch to load
 * with strict=True. Exit 2 on any failure to run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "core/safetensors.h"
#include "vae/conv_net.h"

static kv_err err;

static void
die(const char *what)
{
	fprintf(stderr, "convnet-check: %s: %s\n", what, err.msg);
	exit(2);
}

static int
meta_int(const st_file *f, const char *key)
{
	const char *v = st_meta(f, key);

	if (v == NULL) {
		kv_errf(&err, "no metadata \"%s\"", key);
		die(f->path);
	}
	return atoi(v);
}

static void
read_config(const st_file *f, convnet_config *cfg, int *B)
{
	const char *s = st_meta(f, "filters");

	memset(cfg, 0, sizeof *cfg);
	cfg->channels = meta_int(f, "channels");
	cfg->size = meta_int(f, "size");
	cfg->latent_dim = meta_int(f, "latent");
	*B = meta_int(f, "batch");
	while (s != NULL && *s && cfg->nstages < CONVNET_MAX_STAGES) {
		char *end;
		cfg->filters[cfg->nstages++] = (int)strtol(s, &end, 10);
		s = *end == ',' ? end + 1 : NULL;
	}
}

static float *
input(const st_file *f, const char *name, size_t n)
{
	const st_tensor *t = st_find(f, name);
	float *x = malloc(n * sizeof *x);

	if (x == NULL || t == NULL || st_get_f32(f, t, x, n, &err))
		die(name);
	return x;
}

/* Add buffer `data` (copied) to w as "mode.what" with shape. */
static void
put(st_writer *w, const char *mode, const char *what, int ndim,
	const uint64_t *shape, const float *data)
{
	char name[256];

	snprintf(name, sizeof name, "%s.%s", mode, what);
	if (st_writer_add_copy(w, name, ST_F32, ndim, shape, data, &err))
		die(name);
}

/* One forward and backward in the net's current mode; results to w. */
static void
run(convnet *c, nnparams *p, st_writer *w, const char *mode,
	const st_file *ref, int B)
{
	const convnet_config *g = &c->cfg;
	size_t nl = (size_t)B * g->latent_dim;
	size_t ny = (size_t)B * g->channels * g->size * g->size;
	float *y = input(ref, "in.y", ny), *x = input(ref, "in.x", nl);
	float *dm = input(ref, "in.dmean", nl);
	float *dlv = input(ref, "in.dlogvar", nl);
	float *dym = input(ref, "in.dymean", ny);
	float *mean = malloc(nl * sizeof *mean), *lv = malloc(nl * sizeof *lv);
	float *ym = malloc(ny * sizeof *ym), *dx = calloc(nl, sizeof *dx);
	uint64_t sl[2] = { (uint64_t)B, (uint64_t)g->latent_dim };
	uint64_t sy[4] = { (uint64_t)B, (uint64_t)g->channels,
		(uint64_t)g->size, (uint64_t)g->size };
	char name[160];

	nnparams_zero_grad(p);
	if (convnet_encode(c, p, mean, lv, y, B, &err) ||
	    convnet_decode(c, p, ym, x, B, &err) ||
	    convnet_decoder_backward(c, p, dx, dym, &err) ||
	    convnet_encoder_backward(c, p, dm, dlv, &err))
		die(mode);
	put(w, mode, "mean", 2, sl, mean);
	put(w, mode, "logvar", 2, sl, lv);
	put(w, mode, "ymean", 4, sy, ym);
	put(w, mode, "dx", 2, sl, dx);
	for (size_t i = 0; i < p->n; i++) {
		const nnp_tensor *t = &p->t[i];
		snprintf(name, sizeof name, "%s.%s", t->trainable ? "grad" :
		    "after", t->name);
		put(w, mode, name, t->ndim, t->shape, t->trainable ?
		    nnparams_grad(p, (int)i) : nnparams_data(p, (int)i));
	}
	free(y), free(x), free(dm), free(dlv), free(dym);
	free(mean), free(lv), free(ym), free(dx);
}

/* A fresh net of cfg, initialised as PyTorch would, saved to path. */
static void
write_init(const convnet_config *cfg, const char *path)
{
	nnparams p = { 0 };
	convnet c;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	st_writer *w = st_writer_new(&err);

	if (rng == NULL || w == NULL || convnet_declare(&c, cfg, &p, &err) ||
	    nnparams_alloc(&p, &err))
		die("init");
	convnet_init_random(&c, &p, rng);
	if (nnparams_write(&p, w, &err) || st_writer_save(w, path, &err))
		die(path);
	st_writer_free(w);
	convnet_free(&c);
	nnparams_free(&p);
	gsl_rng_free(rng);
}

int
main(int argc, char **argv)
{
	convnet_config cfg;
	convnet c;
	nnparams p = { 0 };
	st_file *ref;
	st_writer *w;
	int B;

	if (argc != 4) {
		fprintf(stderr, "usage: convnet-check REF OURS INIT\n");
		return 2;
	}
	ref = st_read(argv[1], &err);
	if (ref == NULL)
		die("reading the reference");
	read_config(ref, &cfg, &B);
	if (convnet_declare(&c, &cfg, &p, &err) || nnparams_alloc(&p, &err) ||
	    nnparams_read(&p, ref, "encoder.", &err) ||
	    nnparams_read(&p, ref, "decoder.", &err))
		die(argv[1]);
	w = st_writer_new(&err);
	if (w == NULL)
		die("writer");
	c.training = 1;
	run(&c, &p, w, "train", ref, B);
	c.training = 0;
	run(&c, &p, w, "eval", ref, B);
	if (st_writer_save(w, argv[2], &err))
		die(argv[2]);
	st_writer_free(w);
	write_init(&cfg, argv[3]);
	printf("convnet-check: C %d, S %d, L %d, %d stages, B %d: wrote %s "
	    "and %s\n", cfg.channels, cfg.size, cfg.latent_dim, cfg.nstages, B,
	    argv[2], argv[3]);
	convnet_free(&c);
	nnparams_free(&p);
	st_free(ref);
	return 0;
}
