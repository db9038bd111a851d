/* test_ckpt: a VAE fit by kvae-train's loop (kvae_fit_epoch, dynamics
 * off, each record a sequence of one), interrupted after an epoch and
 * resumed from its checkpoint (parameters, Adam's moments and step, the
 * generator's state), ends bit-identical to an uninterrupted fit; so
 * does one stopped at the start of an epoch and put back by a snapshot.
 * The LGSSM the loop carries stays untouched with dynamics off. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nn/checkpoint.h"
#include "vae/train.h"

enum { N = 120, D = 4, EPOCHS = 6, STOP_AFTER = 2 };

static double data[N * D];
static size_t ones[N];
static char dir[] = "/tmp/test_ckpt.XXXXXX";
static char ckpt_path[256];

static const vae_config cfg = { .input_dim = D, .latent_dim = 2,
	.n_hidden = 1, .hidden = { 8 }, .act = VAE_TANH };
static const kvae_fit_opts fit = { .dynamics = 0, .batch = 16,
	.samples = 1, .w_rec = 1, .beta = 1, .anneal = KVAE_ANNEAL_NONE };

struct run {
	kvae k;
	adam a;
	gsl_rng *rng;
	kvae_data train, val;
	kvae_epoch last;
};

static void
settings(adam *a)
{
	a->lr = 5e-3;
	a->decay = 0.5;
	a->decay_every = 2;
	a->clip = 5.0;
}

/* A fresh run; with `resume`, restored from the checkpoint instead
 * (the normalisation comes from it). 0 or -1. */
static int
start(struct run *r, int resume, int *next_epoch, kv_err *err)
{
	memset(r, 0, sizeof *r);
	r->rng = gsl_rng_alloc(gsl_rng_mt19937);
	*next_epoch = 0;
	if (resume) {
		if (kvae_ckpt_load(&r->k, &r->a, r->rng, next_epoch, ckpt_path,
		    err))
			return -1;
	} else {
		if (kvae_init(&r->k, &cfg, 1, err) ||
		    adam_init(&r->a, r->k.ntrain, err))
			return -1;
		gsl_rng_set(r->rng, 9);
		kvae_init_random(&r->k, r->rng);
	}
	settings(&r->a);
	return kvae_data_split(data, ones, N, D, 0.1, 5, &r->k.v, !resume,
	    &r->train, &r->val, err);
}

/* Epochs from .. to - 1; 0, 1 (stopped) or -1. */
static int
epochs(struct run *r, int from, int to, volatile sig_atomic_t *stop,
	kv_err *err)
{
	for (int e = from; e < to; e++) {
		int rc = kvae_fit_epoch(&r->k, &r->a, r->rng, &r->train, &r->val,
		    &fit, e, stop, &r->last, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
finish(struct run *r)
{
	kvae_data_free(&r->train);
	kvae_data_free(&r->val);
	kvae_free(&r->k);
	adam_free(&r->a);
	gsl_rng_free(r->rng);
}

/* Parameters (VAE and LGSSM), Adam's step and the last epoch's terms
 * all equal, bit for bit. */
static int
same_run(const struct run *a, const struct run *b)
{
	return memcmp(a->k.v.p.data, b->k.v.p.data, a->k.v.p.total *
	    sizeof(float)) == 0 && memcmp(a->k.lp.data, b->k.lp.data,
	    a->k.lp.total * sizeof(float)) == 0 && a->a.step == b->a.step &&
	    memcmp(&a->last.train, &b->last.train, sizeof a->last.train) == 0 &&
	    memcmp(&a->last.val, &b->last.val, sizeof a->last.val) == 0;
}

int
main(void)
{
	struct run a, b, c;
	float *lgssm0;
	volatile sig_atomic_t stop = 0;
	int rc, next;
	kv_err err;
	st_file *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(ckpt_path, sizeof ckpt_path, "%s/ckpt.kvae", dir);
	for (int i = 0; i < N; i++) {
		double t = 0.1 * i;
		data[i * D + 0] = cos(t);
		data[i * D + 1] = sin(t);
		data[i * D + 2] = cos(t) * sin(t);
		data[i * D + 3] = i % 7 == 3 ? NAN : 2 * cos(t) - sin(t);
		ones[i] = 1;
	}

	rc = start(&a, 0, &next, &err);
	lgssm0 = malloc(a.k.lp.total * sizeof *lgssm0);
	memcpy(lgssm0, a.k.lp.data, a.k.lp.total * sizeof *lgssm0);
	rc = rc || epochs(&a, 0, EPOCHS, NULL, &err);
	CHECK(rc == 0 && a.train.nseq == 108 && a.val.nseq == 12,
	    "uninterrupted fit of %d epochs on %zu training and %zu validation "
	    "records: per-record ELBO %.6f, validation %.6f%s%s", EPOCHS,
	    a.train.nseq, a.val.nseq, kvae_terms_elbo(&a.last.train),
	    kvae_terms_elbo(&a.last.val), rc ? ": " : "", rc ? err.msg : "");
	CHECK(memcmp(lgssm0, a.k.lp.data, a.k.lp.total * sizeof *lgssm0) == 0,
	    "dynamics off: the %zu LGSSM floats are unchanged", a.k.lp.total);
	free(lgssm0);

	rc = start(&b, 0, &next, &err) || epochs(&b, 0, STOP_AFTER + 1, NULL,
	    &err) || kvae_ckpt_save(&b.k, &b.a, b.rng, STOP_AFTER + 1, ckpt_path,
	    &err);
	CHECK(rc == 0, "fit stopped after epoch %d with a checkpoint (%s)",
	    STOP_AFTER, rc ? err.msg : "ok");

	rc = start(&c, 1, &next, &err);
	CHECK(rc == 0 && next == STOP_AFTER + 1, "model, optimiser, generator "
	    "and next epoch %d restored (%s)", next, rc ? err.msg : "ok");
	rc = rc || epochs(&c, next, EPOCHS, NULL, &err);
	CHECK(rc == 0 && c.a.step == a.a.step, "resumed for epochs %d..%d "
	    "(%ld Adam steps in all, %ld uninterrupted)", next, EPOCHS - 1,
	    c.a.step, a.a.step);
	CHECK(rc == 0 && same_run(&c, &a), "resumed parameters and last "
	    "epoch's terms bit-identical to the uninterrupted run (ELBO "
	    "%.17g vs %.17g)", kvae_terms_elbo(&c.last.train),
	    kvae_terms_elbo(&a.last.train));
	finish(&c);

	/* Stopped as kvae-train is by a signal: the epoch abandoned, the
	 * snapshot taken at its start put back, then resumed in place. */
	{
		kvae_snapshot snap = { 0 };
		finish(&b);
		rc = start(&b, 0, &next, &err) || epochs(&b, 0, STOP_AFTER,
		    NULL, &err) || kvae_snapshot_take(&snap, &b.k, &b.a, b.rng,
		    &err);
		stop = 1;
		rc = rc ? rc : epochs(&b, STOP_AFTER, EPOCHS, &stop, &err);
		CHECK(rc == 1, "a stop request abandons epoch %d (rc %d)",
		    STOP_AFTER, rc);
		kvae_snapshot_restore(&snap, &b.k, &b.a, b.rng);
		stop = 0;
		rc = epochs(&b, STOP_AFTER, EPOCHS, &stop, &err);
		CHECK(rc == 0 && same_run(&b, &a), "restored from the snapshot "
		    "and run on: bit-identical to the uninterrupted run");
		kvae_snapshot_free(&snap);
	}

	f = st_read(ckpt_path, &err);
	CHECK(f != NULL, "checkpoint reads back");
	{
		gsl_rng *other = gsl_rng_alloc(gsl_rng_ranlxd2);
		CHECK(ckpt_read_rng(other, f, "rng", &err) != 0 &&
		    strstr(err.msg, "mt19937"), "a generator of another type is "
		    "refused: %s", err.msg);
		gsl_rng_free(other);
	}
	st_free(f);
	kvae_save(&a.k, ckpt_path, &err);
	f = st_read(ckpt_path, &err);
	CHECK(ckpt_read_adam(&b.a, f, &err) != 0 &&
	    strstr(err.msg, "not a checkpoint"),
	    "a model without optimiser state is refused: %s", err.msg);
	st_free(f);
	finish(&a);
	finish(&b);
	unlink(ckpt_path);
	rmdir(dir);
	return check_done();
}
