/* test_kvae: the KVAE objective's gradient (encoder, sampling with fixed
 * noise, LGSSM by Fisher's identity, decoder, log-std covariances)
 * against central finite differences; the LGSSM term against the Kalman
 * filter's log-likelihood; model files round trip and are read by
 * lgssm_load_file as an LGSSM. */
#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "vae/kvae.h"
#include "vae/train.h"
#include "lgssm/spec.h"

#define D 3
#define LAT 2
#define NSTATE 3
#define K 2
#define N 7

static const size_t T[2] = { 4, 3 };
static float y[N * D] = { 0.3f, -1.2f, 0.8f, NAN, 1.1f, 0.2f, -0.4f, 0.9f,
	-0.7f, 0.5f, 1.5f, -0.1f, 0.2f, 0.1f, -0.3f, -0.6f, NAN, 0.4f, 0.7f,
	0.2f, -0.9f };
static float eps[K * N * LAT];

static double
loss_at(kvae *k, const kvae_loss_opts *o, kvae_terms *terms)
{
	double loss;
	kv_err err;

	if (kvae_sync(k, &err) || kvae_loss(k, y, T, 2, eps, o, &loss, terms,
	    &err)) {
		printf("# %s\n", err.msg);
		return NAN;
	}
	return loss;
}

static void
make(kvae *k, gsl_rng *rng)
{
	vae_config cfg = { .input_dim = D, .latent_dim = LAT, .n_hidden = 1,
	    .hidden = { 5 }, .act = VAE_TANH };
	kv_err err;

	if (kvae_init(k, &cfg, NSTATE, &err))
		printf("# %s\n", err.msg);
	kvae_init_random(k, rng);
	/* move away from the symmetric start so every term matters */
	for (size_t i = 0; i < k->lp.n_trainable; i++)
		k->lp.data[i] += (float)(0.2 * gsl_ran_flat(rng, -1, 1));
	for (int d = 0; d < D; d++)
		nnparams_data(&k->v.p, k->v.out_lv)[d] = 0.3f * (float)(d - 1);
	kvae_sync(k, NULL);
}

static void
test_gradient(int dynamics)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	kvae_loss_opts o = { .dynamics = dynamics, .w_rec = 1.3, .beta = 0.8,
	    .samples = K };
	kvae k;
	size_t n;
	double *num, *ana, h = 3e-3;
	char name[160];

	gsl_rng_set(rng, 5);
	make(&k, rng);
	n = k.ntrain;
	num = malloc(n * sizeof *num);
	ana = malloc(n * sizeof *ana);
	kvae_zero_grad(&k);
	loss_at(&k, &o, NULL);
	kvae_gather(&k);
	for (size_t i = 0; i < n; i++)
		ana[i] = k.dtheta[i];
	for (size_t i = 0; i < n; i++) {
		float p0 = k.theta[i];
		double lp, lm;
		k.theta[i] = (float)(p0 + h);
		kvae_scatter(&k);
		lp = loss_at(&k, &o, NULL);
		k.theta[i] = (float)(p0 - h);
		kvae_scatter(&k);
		lm = loss_at(&k, &o, NULL);
		k.theta[i] = p0;
		kvae_scatter(&k);
		num[i] = (lp - lm) / (2 * h);
	}
	snprintf(name, sizeof name, "KVAE objective (%s, K=%d, missing "
	    "values): all %zu gradients (%zu of them LGSSM) vs finite "
	    "differences", dynamics ? "LGSSM prior" : "N(0,I) prior", K, n,
	    k.lp.n_trainable);
	CHECK_ARRAY(name, ana, num, n, 1e-2, 2e-4);
	free(num);
	free(ana);
	kvae_free(&k);
	gsl_rng_free(rng);
}

/* The reported LGSSM term is the Kalman filter's log-likelihood of the
 * sampled latents, and the ELBO's parts add up to the loss. */
static void
test_terms(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	kvae_loss_opts o = { .dynamics = 1, .w_rec = 1, .beta = 1,
	    .samples = 1 };
	kvae_terms tm = { 0 };
	kvae k;
	double loss, want = 0, xs[N * LAT];
	float fm[N * LAT], flv[N * LAT];
	kv_err err;
	size_t off = 0;

	gsl_rng_set(rng, 9);
	make(&k, rng);
	kvae_zero_grad(&k);
	loss = loss_at(&k, &o, &tm);
	vae_encode(&k.v, fm, flv, y, N, &err);
	for (size_t i = 0; i < N * LAT; i++) {
		xs[i] = (float)(fm[i] + expf(flv[i] / 2) * eps[i]);
	}
	for (int s = 0; s < 2; s++) {
		lgssm_moments mo;
		lgssm_smooth_all(&k.m, xs + off * LAT, NULL, T[s], &mo, &err);
		want += mo.loglik;
		lgssm_moments_free(&mo);
		off += T[s];
	}
	CHECK(check_near(tm.loglik, want, 1e-5, 1e-6),
	    "LGSSM term %.9g = filter log-likelihood of the samples %.9g",
	    tm.loglik, want);
	CHECK(check_near(loss * N, tm.nll + tm.prior, 1e-6, 1e-6),
	    "loss x records %.9g = NLL + (log q - log p) %.9g", loss * N,
	    tm.nll + tm.prior);
	kvae_free(&k);
	gsl_rng_free(rng);
}

static void
test_file(void)
{
	char path[] = "/tmp/test_kvae.XXXXXX";
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	kvae k, k2;
	lgssm m;
	kv_err err;
	st_file *f;
	int fd = mkstemp(path), same = 1;

	close(fd);
	gsl_rng_set(rng, 11);
	make(&k, rng);
	CHECK(kvae_save(&k, path, &err) == 0, "kvae_save");
	f = st_read(path, &err);
	CHECK(f != NULL && kvae_from_file(&k2, f, &err) == 0,
	    "kvae_from_file reads it back");
	st_free(f);
	kvae_gather(&k);
	kvae_gather(&k2);
	for (size_t i = 0; i < k.ntrain; i++)
		same &= k.theta[i] == k2.theta[i];
	CHECK(same && k2.n == NSTATE, "all %zu trainables equal, state dim %d",
	    k.ntrain, NSTATE);
	CHECK(lgssm_load_file(&m, path, &err) == 0, "lgssm_load_file reads "
	    "the model file's LGSSM");
	same = m.n == NSTATE && m.p == LAT;
	for (int p = 0; same && p < LGSSM_NPARAM; p++) {
		size_t r, c;
		double *a = lgssm_param(&m, p, &r, &c);
		double *b = lgssm_param(&k.m, p, &r, &c);
		for (size_t i = 0; i < r * c; i++)
			same &= check_near(a[i], b[i], 1e-6, 1e-12);
	}
	CHECK(same, "A, C, Q, R, mu0, P0 from the file equal the model's");
	lgssm_free(&m);
	kvae_free(&k);
	kvae_free(&k2);
	unlink(path);
	gsl_rng_free(rng);
}

/* The annealing schedules, epoch by epoch after 2 warm-up epochs. */
static void
test_anneal(void)
{
	kvae_fit_opts o = { .vae_epochs = 2, .beta = 2, .anneal_epochs = 4 };
	static const double mono[8] = { 2, 2, 0.5, 1, 1.5, 2, 2, 2 };
	static const double cyc[8] = { 2, 2, 1, 2, 2, 2, 1, 2 };
	double got_m[8], got_c[8];

	for (int e = 0; e < 8; e++) {
		o.anneal = KVAE_ANNEAL_MONOTONE;
		got_m[e] = kvae_fit_beta(&o, e);
		o.anneal = KVAE_ANNEAL_CYCLIC;
		got_c[e] = kvae_fit_beta(&o, e);
	}
	CHECK_ARRAY("monotone annealing, beta 2 over 4 epochs", got_m, mono, 8,
	    0, 1e-12);
	CHECK_ARRAY("cyclic annealing, cycles of 4 epochs", got_c, cyc, 8, 0,
	    1e-12);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_set_error_handler_off();
	gsl_rng_set(rng, 1);
	for (size_t i = 0; i < K * N * LAT; i++)
		eps[i] = (float)gsl_ran_gaussian(rng, 1);
	gsl_rng_free(rng);
	test_gradient(1);
	test_gradient(0);
	test_terms();
	test_file();
	test_anneal();
	return check_done();
}
