/* test_vae: the VAE's loss gradient (encoder, sampling, decoder, KL,
 * reconstruction with missing values) against central finite
 * differences; loss terms against closed forms; model files round trip
 * and bad ones are refused; a short Adam run learns. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/adam.h"
#include "check.h"
#include "core/safetensors.h"
#include "vae/vae.h"

#define B 3
#define D 4

static float y[B * D] = { 0.3f, -1.2f, 0.8f, NAN, 1.1f, 0.2f, -0.4f, 0.9f,
	-0.7f, NAN, 1.5f, -0.1f };

/* The loss with a fixed sample: the rng is reseeded every evaluation. */
static double
loss_at(vae *v, gsl_rng *rng)
{
	double loss;
	kv_err err;

	gsl_rng_set(rng, 7);
	if (vae_loss(v, y, B, 0.7, 1.3, rng, &loss, NULL, &err))
		return NAN;
	return loss;
}

static void
test_gradient(int act)
{
	vae_config cfg = { .input_dim = D, .latent_dim = 2, .n_hidden = 2,
	    .hidden = { 5, 3 }, .act = act };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	vae v;
	kv_err err;
	size_t n;
	double *num, *ana, h = 1e-2;
	char name[128];

	vae_init(&v, &cfg, &err);
	gsl_rng_set(rng, 3);
	vae_init_random(&v, rng);
	/* non-zero decoder log-variances */
	for (int d = 0; d < D; d++)
		nnparams_data(&v.p, v.out_lv)[d] = 0.2f * (float)(d - 1);
	n = v.p.n_trainable;
	num = malloc(n * sizeof *num);
	ana = malloc(n * sizeof *ana);
	nnparams_zero_grad(&v.p);
	loss_at(&v, rng);
	for (size_t i = 0; i < n; i++)
		ana[i] = v.p.grad[i];
	for (size_t i = 0; i < n; i++) {
		float p0 = v.p.data[i];
		double lp, lm;
		v.p.data[i] = (float)(p0 + h);
		lp = loss_at(&v, rng);
		v.p.data[i] = (float)(p0 - h);
		lm = loss_at(&v, rng);
		v.p.data[i] = p0;
		num[i] = (lp - lm) / (2 * h);
	}
	snprintf(name, sizeof name, "VAE loss (%s, hidden 5,3, missing values): "
	    "all %zu parameter gradients vs finite differences",
	    vae_act_name(act), n);
	CHECK_ARRAY(name, ana, num, n, 1e-3, 1e-4);
	free(num);
	free(ana);
	vae_free(&v);
	gsl_rng_free(rng);
}

static void
test_terms(void)
{
	float mean[2] = { 1.0f, -0.5f }, lv[2] = { 0.0f, 0.4f };
	float dm[2] = { 0 }, dl[2] = { 0 }, eps[2] = { 0.3f, -1.1f };
	float yy[2] = { 0.5f, NAN }, ym[2] = { 0.1f, 7.0f }, olv[2] = { 0.3f, 0 };
	float dym[2] = { 0 }, dolv[2] = { 0 };
	double kl, want, nll;
	size_t nobs;

	kl = vae_kl(dm, dl, mean, lv, 2, 1.0);
	want = 0.5 * (1 + 1 - 1 - 0) + 0.5 * (exp(0.4) + 0.25 - 1 - 0.4);
	CHECK_NEAR("KL(N(mu, e^lv) || N(0, 1)) closed form", kl, want, 1e-6, 0);
	nll = vae_nll(dym, dolv, yy, ym, olv, 1, 2, 1.0, &nobs);
	CHECK_NEAR("NLL = -log N(y; m, e^lv) (gsl_ran_gaussian_pdf), NaN "
	    "skipped", nll, -log(gsl_ran_gaussian_pdf(0.5 - 0.1f,
	    exp(0.5 * 0.3f))), 1e-6, 0);
	CHECK(nobs == 1 && dym[1] == 0 && dolv[1] == 0,
	    "missing entries contribute no gradient (%zu observed)", nobs);
	memset(dl, 0, sizeof dl);
	CHECK_NEAR("-log q at the sample = -log N(x; m, s) (gsl)",
	    vae_neg_log_q(dl, lv, eps, 1, 1.0),
	    -log(gsl_ran_gaussian_pdf(exp(0.5 * 0.0) * 0.3, exp(0.5 * 0.0))),
	    1e-6, 0);
	{
		/* Sample backward: finite differences of x(mean, logvar). */
		float x1[1], x2[1], m = 0.4f, l = -0.6f, e = 1.7f, dmm = 0, dll = 0,
		    one = 1, hh = 1e-3f;
		float lp = l + hh, lm = l - hh;
		vae_sample_backward(&dmm, &dll, &one, &e, &l, 1);
		x1[0] = m + expf(0.5f * lp) * e;
		x2[0] = m + expf(0.5f * lm) * e;
		CHECK_NEAR("d sample / d logvar vs finite differences", dll,
		    (x1[0] - x2[0]) / (2 * hh), 1e-3, 0);
		CHECK_NEAR("d sample / d mean", dmm, 1.0, 0, 0);
	}
}

static char dir[] = "/tmp/test_vae.XXXXXX";

static const char *
path_of(const char *name)
{
	static char p[256];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static void
test_model_file(void)
{
	vae_config cfg = { .input_dim = D, .latent_dim = 3, .n_hidden = 1,
	    .hidden = { 6 }, .act = VAE_LEAKY_RELU };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	vae v, u;
	kv_err err;
	float m1[B * 3], l1[B * 3], m2[B * 3], l2[B * 3];
	int same;

	vae_init(&v, &cfg, &err);
	vae_init_random(&v, rng);
	for (int d = 0; d < D; d++) {
		v.norm_mean[d] = 0.1 * d + 1.0 / 3.0;
		v.norm_std[d] = M_PI + d;
	}
	CHECK(vae_save(&v, path_of("m.kvae"), &err) == 0, "model saved");
	CHECK(vae_load(&u, path_of("m.kvae"), &err) == 0, "model loaded (%s)",
	    err.msg);
	same = u.cfg.input_dim == D && u.cfg.latent_dim == 3 &&
	    u.cfg.n_hidden == 1 && u.cfg.hidden[0] == 6 &&
	    u.cfg.act == VAE_LEAKY_RELU && u.p.total == v.p.total &&
	    memcmp(u.p.data, v.p.data, v.p.total * sizeof(float)) == 0;
	for (int d = 0; d < D; d++)
		same = same && u.norm_mean[d] == v.norm_mean[d] &&
		    u.norm_std[d] == v.norm_std[d];
	CHECK(same, "architecture, parameters and normalisation are bit-exact");
	vae_encode(&v, m1, l1, y, B, &err);
	vae_encode(&u, m2, l2, y, B, &err);
	CHECK(memcmp(m1, m2, sizeof m1) == 0 && memcmp(l1, l2, sizeof l1) == 0,
	    "the loaded model encodes identically");
	vae_free(&u);

	/* An audio model's STFT and features survive the round trip. */
	v.audio = (vae_audio){ .sample_rate = 8000, .window = 6, .hop = 2,
	    .shape = 1, .floor = 0.125 };
	vae_save(&v, path_of("a.kvae"), &err);
	CHECK(vae_load(&u, path_of("a.kvae"), &err) == 0 &&
	    memcmp(&u.audio, &v.audio, sizeof u.audio) == 0,
	    "audio metadata saved and read back (%s)", err.msg);
	vae_free(&u);
	v.audio = (vae_audio){ 0 };

	/* Bad metadata and tensors. */
#define VEC4 "{\"input\":\"vector\",\"input_dim\":4,\"latent_dim\":3," \
	"\"hidden\":[6],\"activation\":\"leaky_relu\",\"normalization\":" \
	"{\"mean\":[0,0,0,0],\"std\":[1,1,1,1]},"
	{
		static const struct { const char *meta, *pattern; } bad[] = {
			{ NULL, "no \"kvae\" entry" },
			{ "{\"input\":\"video\"}", "input kind \"video\" is not "
			    "supported" },
			{ "{\"input\":\"vector\",\"input_dim\":4}", "\"latent_dim\" "
			    "must be" },
			{ "{\"input\":\"vector\",\"input_dim\":4,\"latent_dim\":3,"
			    "\"hidden\":[6],\"activation\":\"swish\"}",
			    "\"activation\" must be" },
			{ "{\"input\":\"vector\",\"input_dim\":4,\"latent_dim\":3,"
			    "\"hidden\":[6],\"activation\":\"tanh\","
			    "\"normalization\":{\"mean\":[0,0,0,0],\"std\":[1,1,0,1]}}",
			    "std positive" },
			{ "{\"input\":\"vector\",\"input_dim\":4,\"latent_dim\":2,"
			    "\"hidden\":[6],\"activation\":\"tanh\","
			    "\"normalization\":{\"mean\":[0,0,0,0],\"std\":[1,1,1,1]}}",
			    "\"encoder.mean.weight\" is 3x6, expected 2x6" },
			{ "{\"input\":\"vector\",\"input_dim\":4,\"latent_dim\":3,"
			    "\"hidden\":[],\"activation\":\"tanh\","
			    "\"normalization\":{\"mean\":[0,0,0,0],\"std\":[1,1,1,1]}}",
			    "unexpected tensor \"encoder.fc0." },
			{ "{not json", "JSON error" },
			{ VEC4 "\"audio\":{\"sample_rate\":0,\"window\":6,"
			    "\"hop\":3,\"shape\":\"hann\",\"floor\":1e-5}}",
			    "\"sample_rate\", \"window\" (even" },
			{ VEC4 "\"audio\":{\"sample_rate\":8000,\"window\":7,"
			    "\"hop\":3,\"shape\":\"hann\",\"floor\":1e-5}}",
			    "\"sample_rate\", \"window\" (even" },
			{ VEC4 "\"audio\":{\"sample_rate\":8000,\"window\":6,"
			    "\"hop\":4,\"shape\":\"hann\",\"floor\":1e-5}}",
			    "(at most half the window)" },
			{ VEC4 "\"audio\":{\"sample_rate\":8000,\"window\":6,"
			    "\"hop\":3,\"shape\":\"kaiser\",\"floor\":1e-5}}",
			    "\"shape\" must be hann" },
			{ VEC4 "\"audio\":{\"sample_rate\":8000,\"window\":6,"
			    "\"hop\":3,\"shape\":\"hann\",\"floor\":-1}}",
			    "\"floor\" must be a positive number" },
			{ VEC4 "\"audio\":{\"sample_rate\":8000,\"window\":8,"
			    "\"hop\":3,\"shape\":\"hann\",\"floor\":1e-5}}",
			    "a window of 8 makes 5 bins, but \"input_dim\" is 4" },
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			st_writer *w = st_writer_new(&err);
			nnparams_write(&v.p, w, &err);
			if (bad[i].meta != NULL)
				st_writer_meta(w, VAE_META_KEY, bad[i].meta, &err);
			st_writer_save(w, path_of("bad.kvae"), &err);
			st_writer_free(w);
			err.msg[0] = '\0';
			CHECK(vae_load(&u, path_of("bad.kvae"), &err) != 0 &&
			    strstr(err.msg, bad[i].pattern) != NULL,
			    "bad model refused: \"%s\" (want \"%s\")", err.msg,
			    bad[i].pattern);
		}
	}
	vae_free(&v);
	gsl_rng_free(rng);
}

/* Records on a noisy circle in 4-D: y = A (cos t, sin t) + noise. A VAE
 * with a 2-D latent should fit them well below the initial loss. */
static void
test_learns(void)
{
	enum { NB = 32, STEPS = 300 };
	vae_config cfg = { .input_dim = D, .latent_dim = 2, .n_hidden = 1,
	    .hidden = { 16 }, .act = VAE_TANH };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	float batch[NB * D];
	double first = 0, last = 0, loss, terms[2];
	adam opt;
	vae v;
	kv_err err;

	vae_init(&v, &cfg, &err);
	gsl_rng_set(rng, 11);
	vae_init_random(&v, rng);
	adam_init(&opt, v.p.n_trainable, &err);
	opt.lr = 1e-2;
	for (int s = 0; s < STEPS; s++) {
		for (int b = 0; b < NB; b++) {
			double t = 2 * M_PI * gsl_rng_uniform(rng);
			double c = cos(t), sn = sin(t);
			double row[D] = { c + sn, c - sn, 2 * c, -sn };
			for (int d = 0; d < D; d++)
				batch[b * D + d] = (float)(row[d] +
				    gsl_ran_gaussian(rng, 0.05));
		}
		nnparams_zero_grad(&v.p);
		vae_loss(&v, batch, NB, 1.0, 1.0, rng, &loss, terms, &err);
		adam_step(&opt, v.p.data, v.p.grad, opt.lr);
		if (s < 20)
			first += loss / 20;
		if (s >= STEPS - 20)
			last += loss / 20;
	}
	CHECK(last < first - 3.0, "VAE + Adam learn a noisy circle: -ELBO per "
	    "record %.3f (first 20 steps) -> %.3f (last 20), want a drop > 3",
	    first, last);
	adam_free(&opt);
	vae_free(&v);
	gsl_rng_free(rng);
}

int
main(void)
{
	char cmd[64];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_gradient(VAE_TANH);
	test_gradient(VAE_LEAKY_RELU);
	test_terms();
	test_model_file();
	test_learns();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
