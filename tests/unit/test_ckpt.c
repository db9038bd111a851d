/* test_ckpt: a VAE fit interrupted after an epoch and resumed from its
 * checkpoint (parameters, Adam's moments and step, the generator's
 * state) ends bit-identical to an uninterrupted fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nn/checkpoint.h"
#include "vae/vae_train.h"

enum { N = 120, D = 4, EPOCHS = 6, STOP_AFTER = 2 };

static double data[N * D];
static char dir[] = "/tmp/test_ckpt.XXXXXX";
static char ckpt_path[256];

static const vae_config cfg = { .input_dim = D, .latent_dim = 2,
	.n_hidden = 1, .hidden = { 8 }, .act = VAE_TANH };

struct run {
	vae v;
	adam a;
	gsl_rng *rng;
};

static void
start(struct run *r)
{
	kv_err err;

	vae_init(&r->v, &cfg, &err);
	r->rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r->rng, 9);
	vae_init_random(&r->v, r->rng);
	vae_fit_normalisation(&r->v, data, N, &err);
	adam_init(&r->a, r->v.p.n_trainable, &err);
	r->a.lr = 5e-3;
	r->a.decay = 0.5;
	r->a.decay_every = 2;
	r->a.clip = 5.0;
}

static void
finish(struct run *r)
{
	vae_free(&r->v);
	adam_free(&r->a);
	gsl_rng_free(r->rng);
}

/* Write the checkpoint after epoch STOP_AFTER and stop the fit. */
static int
interrupt(void *ctx, int epoch, double loss, kv_err *err)
{
	struct run *r = ctx;
	st_writer *w;
	int rc;

	(void)loss;
	if (epoch != STOP_AFTER)
		return 0;
	w = st_writer_new(err);
	rc = vae_write(&r->v, w, err) || ckpt_write_adam(w, &r->a, err) ||
	    ckpt_write_rng(w, "rng.fit", r->rng, err) ||
	    st_writer_save(w, ckpt_path, err);
	st_writer_free(w);
	return rc ? -1 : 1;
}

int
main(void)
{
	struct run a, b, c;
	vae_fit_opts o = { .epochs = EPOCHS, .batch = 16, .w_rec = 1,
	    .beta = 1 };
	double la, lb, lc;
	kv_err err;
	st_file *f;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(ckpt_path, sizeof ckpt_path, "%s/ckpt.kvae", dir);
	for (int i = 0; i < N; i++) {
		double t = 0.1 * i;
		data[i * D + 0] = cos(t);
		data[i * D + 1] = sin(t);
		data[i * D + 2] = cos(t) * sin(t);
		data[i * D + 3] = i % 7 == 3 ? NAN : 2 * cos(t) - sin(t);
	}

	start(&a);
	rc = vae_fit(&a.v, &a.a, a.rng, data, N, &o, &la, &err);
	CHECK(rc == 0, "uninterrupted fit of %d epochs: loss %.6f", EPOCHS, la);

	start(&b);
	o.on_epoch = interrupt;
	o.ctx = &b;
	rc = vae_fit(&b.v, &b.a, b.rng, data, N, &o, &lb, &err);
	CHECK(rc == 1, "interrupted fit stops after epoch %d with a checkpoint",
	    STOP_AFTER);

	f = st_read(ckpt_path, &err);
	CHECK(f != NULL, "checkpoint reads back");
	rc = vae_from_file(&c.v, f, &err);
	c.rng = gsl_rng_alloc(gsl_rng_mt19937);
	adam_init(&c.a, c.v.p.n_trainable, &err);
	c.a.lr = 5e-3, c.a.decay = 0.5, c.a.decay_every = 2, c.a.clip = 5.0;
	rc = rc || ckpt_read_adam(&c.a, f, &err) ||
	    ckpt_read_rng(c.rng, f, "rng.fit", &err);
	CHECK(rc == 0, "model, optimiser and generator restored (%s)",
	    rc ? err.msg : "ok");
	o.on_epoch = NULL;
	o.first_epoch = STOP_AFTER + 1;
	rc = vae_fit(&c.v, &c.a, c.rng, data, N, &o, &lc, &err);
	CHECK(rc == 0 && c.a.step == a.a.step, "resumed for epochs %d..%d "
	    "(%ld Adam steps in all, %ld uninterrupted)", STOP_AFTER + 1,
	    EPOCHS - 1, c.a.step, a.a.step);
	CHECK(memcmp(c.v.p.data, a.v.p.data, a.v.p.total * sizeof(float)) == 0 &&
	    lc == la, "resumed parameters bit-identical to the uninterrupted "
	    "run (loss %.17g vs %.17g)", lc, la);
	{
		gsl_rng *other = gsl_rng_alloc(gsl_rng_ranlxd2);
		CHECK(ckpt_read_rng(other, f, "rng.fit", &err) != 0 &&
		    strstr(err.msg, "mt19937"), "a generator of another type is "
		    "refused: %s", err.msg);
		gsl_rng_free(other);
	}
	st_free(f);
	f = NULL;
	vae_save(&a.v, ckpt_path, &err);
	f = st_read(ckpt_path, &err);
	CHECK(ckpt_read_adam(&c.a, f, &err) != 0 &&
	    strstr(err.msg, "not a checkpoint"),
	    "a model without optimiser state is refused: %s", err.msg);
	st_free(f);
	finish(&a);
	finish(&b);
	finish(&c);
	unlink(ckpt_path);
	rmdir(dir);
	return check_done();
}
