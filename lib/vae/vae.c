/* vae.c: Gaussian encoder/decoder on dense layers (or the convolutional
 * net of conv_net.c), reparameterised sampling, loss terms with
 * gradients, the model container. */
#include "vae/vae.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media/stft.h"
#include "nn/nn.h"

static const char *const act_names[] = { "tanh", "relu", "leaky_relu" };
#define LEAKY_SLOPE 0.01f	/* PyTorch's default */

const char *
vae_act_name(int act)
{
	return act >= 0 && act <= VAE_LEAKY_RELU ? act_names[act] : "?";
}

int
vae_act_from_name(const char *name)
{
	for (int i = 0; i <= VAE_LEAKY_RELU; i++)
		if (strcmp(name, act_names[i]) == 0)
			return i;
	return -1;
}

int
vae_config_check(vae_config *c, kv_err *err)
{
	if (c->input == VAE_IMAGE) {
		c->conv.latent_dim = c->latent_dim;
		if (c->latent_dim < 1)
			return kv_errf(err, "the latent dimension must be positive");
		if (convnet_config_check(&c->conv, err))
			return -1;
		c->input_dim = c->conv.channels * c->conv.size * c->conv.size;
		return 0;
	}
	if (c->input != VAE_VECTOR)
		return kv_errf(err, "unknown input kind");
	if (c->input_dim < 1 || c->latent_dim < 1)
		return kv_errf(err, "input and latent dimensions must be positive");
	if (c->n_hidden < 0 || c->n_hidden > VAE_MAX_HIDDEN)
		return kv_errf(err, "between 0 and %d hidden layers", VAE_MAX_HIDDEN);
	for (int i = 0; i < c->n_hidden; i++)
		if (c->hidden[i] < 1)
			return kv_errf(err, "hidden layer sizes must be positive");
	if (c->act < 0 || c->act > VAE_LEAKY_RELU)
		return kv_errf(err, "unknown activation");
	return 0;
}

/* Width into layer i of the encoder (i = n_hidden: into the heads). */
static int
enc_width(const vae_config *c, int i)
{
	return i == 0 ? c->input_dim : c->hidden[i - 1];
}

/* Width into layer i of the decoder (hidden sizes reversed). */
static int
dec_width(const vae_config *c, int i)
{
	return i == 0 ? c->latent_dim : c->hidden[c->n_hidden - i];
}

static int
max_width(const vae_config *c)
{
	int m = c->input_dim > c->latent_dim ? c->input_dim : c->latent_dim;

	for (int i = 0; i < c->n_hidden; i++)
		if (c->hidden[i] > m)
			m = c->hidden[i];
	return m;
}

static int
declare(vae *v, kv_err *err)
{
	const vae_config *c = &v->cfg;
	nnparams *p = &v->p;
	char name[NNP_MAX_NAME];
	int H = c->n_hidden, ok = 1;

#define ADD(var, tr, ...) ok = ok && ((var) = nnparams_add(p, name, tr, err, \
	__VA_ARGS__)) >= 0
	for (int i = 0; i < H; i++) {
		snprintf(name, sizeof name, "encoder.fc%d.weight", i);
		ADD(v->enc_w[i], 1, 2, (size_t)c->hidden[i],
		    (size_t)enc_width(c, i));
		snprintf(name, sizeof name, "encoder.fc%d.bias", i);
		ADD(v->enc_b[i], 1, 1, (size_t)c->hidden[i]);
	}
	snprintf(name, sizeof name, "encoder.mean.weight");
	ADD(v->mu_w, 1, 2, (size_t)c->latent_dim, (size_t)enc_width(c, H));
	snprintf(name, sizeof name, "encoder.mean.bias");
	ADD(v->mu_b, 1, 1, (size_t)c->latent_dim);
	snprintf(name, sizeof name, "encoder.logvar.weight");
	ADD(v->lv_w, 1, 2, (size_t)c->latent_dim, (size_t)enc_width(c, H));
	snprintf(name, sizeof name, "encoder.logvar.bias");
	ADD(v->lv_b, 1, 1, (size_t)c->latent_dim);
	for (int i = 0; i < H; i++) {
		int out = c->hidden[H - 1 - i];
		snprintf(name, sizeof name, "decoder.fc%d.weight", i);
		ADD(v->dec_w[i], 1, 2, (size_t)out, (size_t)dec_width(c, i));
		snprintf(name, sizeof name, "decoder.fc%d.bias", i);
		ADD(v->dec_b[i], 1, 1, (size_t)out);
	}
	snprintf(name, sizeof name, "decoder.mean.weight");
	ADD(v->out_w, 1, 2, (size_t)c->input_dim, (size_t)dec_width(c, H));
	snprintf(name, sizeof name, "decoder.mean.bias");
	ADD(v->out_b, 1, 1, (size_t)c->input_dim);
	snprintf(name, sizeof name, "decoder.logvar");
	ADD(v->out_lv, 1, 1, (size_t)c->input_dim);
#undef ADD
	return ok ? 0 : -1;
}

/* The image kind's tensors: conv_net's, then the output log-variance
 * (C, S, S). */
static int
declare_image(vae *v, kv_err *err)
{
	const convnet_config *c = &v->cfg.conv;

	if (convnet_declare(&v->conv, c, &v->p, err))
		return -1;
	v->conv.training = 0;	/* a model applied, until training says */
	v->out_lv = nnparams_add(&v->p, "decoder.logvar", 1, err, 3,
	    (size_t)c->channels, (size_t)c->size, (size_t)c->size);
	return v->out_lv < 0 ? -1 : 0;
}

/* Configuration and parameter table without allocating the
 * parameters (vae_init's first half). */
static int
vae_declare(vae *v, const vae_config *cfg, kv_err *err)
{
	memset(v, 0, sizeof *v);
	v->cfg = *cfg;
	if (vae_config_check(&v->cfg, err))
		return -1;
	if (v->cfg.input == VAE_IMAGE ? declare_image(v, err) :
	    declare(v, err)) {
		vae_free(v);
		return -1;
	}
	return 0;
}

/* Normalisation (identity) and parameters of a declared VAE. */
static int
vae_alloc(vae *v, kv_err *err)
{
	size_t D = (size_t)v->cfg.input_dim;

	v->norm_mean = calloc(D, sizeof(double));
	v->norm_std = malloc(D * sizeof(double));
	if (v->norm_mean == NULL || v->norm_std == NULL) {
		vae_free(v);
		return kv_errf(err, "out of memory");
	}
	for (size_t i = 0; i < D; i++)
		v->norm_std[i] = 1.0;
	if (nnparams_alloc(&v->p, err)) {
		vae_free(v);
		return -1;
	}
	return 0;
}

int
vae_init(vae *v, const vae_config *cfg, kv_err *err)
{
	return vae_declare(v, cfg, err) || vae_alloc(v, err) ? -1 : 0;
}

static void
free_buffers(vae *v)
{
	free(v->enc_in);
	free(v->dec_in);
	free(v->scratch_a);
	free(v->scratch_b);
	for (int i = 0; i < VAE_MAX_HIDDEN; i++) {
		free(v->enc_a[i]);
		free(v->enc_h[i]);
		free(v->dec_a[i]);
		free(v->dec_h[i]);
		v->enc_a[i] = v->enc_h[i] = v->dec_a[i] = v->dec_h[i] = NULL;
	}
	v->enc_in = v->dec_in = v->scratch_a = v->scratch_b = NULL;
	v->cap = 0;
}

void
vae_free(vae *v)
{
	free_buffers(v);
	convnet_free(&v->conv);
	nnparams_free(&v->p);
	free(v->norm_mean);
	free(v->norm_std);
	v->norm_mean = v->norm_std = NULL;
}

/* Activation buffers for B records. */
static int
reserve(vae *v, int B, kv_err *err)
{
	const vae_config *c = &v->cfg;
	size_t mw = (size_t)max_width(c);
	int ok;

	if (B <= v->cap)
		return 0;
	free_buffers(v);
	v->enc_in = malloc((size_t)B * c->input_dim * sizeof(float));
	v->dec_in = malloc((size_t)B * c->latent_dim * sizeof(float));
	v->scratch_a = malloc((size_t)B * mw * sizeof(float));
	v->scratch_b = malloc((size_t)B * mw * sizeof(float));
	ok = v->enc_in && v->dec_in && v->scratch_a && v->scratch_b;
	for (int i = 0; i < c->n_hidden; i++) {
		size_t n = (size_t)B * c->hidden[i] * sizeof(float);
		size_t m = (size_t)B * c->hidden[c->n_hidden - 1 - i] * sizeof(float);
		v->enc_a[i] = malloc(n);
		v->enc_h[i] = malloc(n);
		v->dec_a[i] = malloc(m);
		v->dec_h[i] = malloc(m);
		ok = ok && v->enc_a[i] && v->enc_h[i] && v->dec_a[i] && v->dec_h[i];
	}
	if (!ok) {
		free_buffers(v);
		return kv_errf(err, "out of memory for a batch of %d", B);
	}
	v->cap = B;
	return 0;
}

void
vae_set_training(vae *v, int training)
{
	v->conv.training = training;
}

void
vae_init_random(vae *v, gsl_rng *rng)
{
	nnparams *p = &v->p;

	if (v->cfg.input == VAE_IMAGE) {
		convnet_init_random(&v->conv, p, rng);
		nnparams_fill(p, v->out_lv, 0.0f);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		const nnp_tensor *t = &p->t[i];
		/* A bias's fan-in is its layer's: the weight declared before. */
		size_t fan_in = t->ndim == 2 ? t->shape[1] : p->t[i - 1].shape[1];
		if ((int)i == v->out_lv)
			nnparams_fill(p, (int)i, 0.0f);
		else
			nnparams_uniform(p, (int)i, 1.0 / sqrt((double)fan_in), rng);
	}
}

void
vae_normalise(const vae *v, double *y)
{
	for (int i = 0; i < v->cfg.input_dim; i++)
		y[i] = (y[i] - v->norm_mean[i]) / v->norm_std[i];
}

void
vae_denormalise(const vae *v, double *y)
{
	for (int i = 0; i < v->cfg.input_dim; i++)
		y[i] = y[i] * v->norm_std[i] + v->norm_mean[i];
}

void
vae_denormalise_var(const vae *v, double *var)
{
	for (int i = 0; i < v->cfg.input_dim; i++)
		var[i] *= v->norm_std[i] * v->norm_std[i];
}

static void
act_forward(int act, float *out, const float *in, size_t n)
{
	if (act == VAE_TANH)
		nn_tanh_forward(out, in, n);
	else if (act == VAE_RELU)
		nn_relu_forward(out, in, n);
	else
		nn_leaky_relu_forward(out, in, LEAKY_SLOPE, n);
}

static void
act_backward(int act, float *din, const float *dout, const float *in,
	const float *out, size_t n)
{
	if (act == VAE_TANH)
		nn_tanh_backward(din, dout, out, n);
	else if (act == VAE_RELU)
		nn_relu_backward(din, dout, in, n);
	else
		nn_leaky_relu_backward(din, dout, in, LEAKY_SLOPE, n);
}

#define W(i) nnparams_data(&v->p, i)
#define G(i) nnparams_grad(&v->p, i)

int
vae_encode(vae *v, float *mean, float *logvar, const float *y, int B,
	kv_err *err)
{
	const vae_config *c = &v->cfg;
	const float *h;
	size_t nin = (size_t)B * c->input_dim;

	if (c->input == VAE_IMAGE)
		return convnet_encode(&v->conv, &v->p, mean, logvar, y, B, err);
	if (reserve(v, B, err))
		return -1;
	for (size_t i = 0; i < nin; i++)
		v->enc_in[i] = isnan(y[i]) ? 0.0f : y[i];
	h = v->enc_in;
	for (int i = 0; i < c->n_hidden; i++) {
		if (nn_dense_forward(v->enc_a[i], h, W(v->enc_w[i]), W(v->enc_b[i]),
		    B, enc_width(c, i), c->hidden[i], err))
			return -1;
		act_forward(c->act, v->enc_h[i], v->enc_a[i],
		    (size_t)B * c->hidden[i]);
		h = v->enc_h[i];
	}
	v->B_enc = B;
	return nn_dense_forward(mean, h, W(v->mu_w), W(v->mu_b), B,
	    enc_width(c, c->n_hidden), c->latent_dim, err) ||
	    nn_dense_forward(logvar, h, W(v->lv_w), W(v->lv_b), B,
	    enc_width(c, c->n_hidden), c->latent_dim, err) ? -1 : 0;
}

int
vae_decode(vae *v, float *ymean, const float *x, int B, kv_err *err)
{
	const vae_config *c = &v->cfg;
	const float *h;

	if (c->input == VAE_IMAGE)
		return convnet_decode(&v->conv, &v->p, ymean, x, B, err);
	if (reserve(v, B, err))
		return -1;
	memcpy(v->dec_in, x, (size_t)B * c->latent_dim * sizeof(float));
	h = v->dec_in;
	for (int i = 0; i < c->n_hidden; i++) {
		int out = c->hidden[c->n_hidden - 1 - i];
		if (nn_dense_forward(v->dec_a[i], h, W(v->dec_w[i]), W(v->dec_b[i]),
		    B, dec_width(c, i), out, err))
			return -1;
		act_forward(c->act, v->dec_h[i], v->dec_a[i], (size_t)B * out);
		h = v->dec_h[i];
	}
	v->B_dec = B;
	return nn_dense_forward(ymean, h, W(v->out_w), W(v->out_b), B,
	    dec_width(c, c->n_hidden), c->input_dim, err);
}

/* Backward through the hidden layers of one side, top to bottom. On
 * entry scratch_a (B, width) holds the gradient at the top hidden
 * output; the gradient at the side's input is added to din (may be
 * NULL). dh stays in scratch_a, da in scratch_b: each dh is consumed
 * into da before the layer below overwrites it. */
static int
hidden_backward(vae *v, int dec, float *din, int B, kv_err *err)
{
	const vae_config *c = &v->cfg;
	float *dh = v->scratch_a, *da = v->scratch_b;

	for (int i = c->n_hidden - 1; i >= 0; i--) {
		int in_w = dec ? dec_width(c, i) : enc_width(c, i);
		int out_w = dec ? c->hidden[c->n_hidden - 1 - i] : c->hidden[i];
		const float *a = dec ? v->dec_a[i] : v->enc_a[i];
		const float *h = dec ? v->dec_h[i] : v->enc_h[i];
		const float *x = i == 0 ? (dec ? v->dec_in : v->enc_in) :
		    (dec ? v->dec_h[i - 1] : v->enc_h[i - 1]);
		int wi = dec ? v->dec_w[i] : v->enc_w[i];
		int bi = dec ? v->dec_b[i] : v->enc_b[i];
		float *dx = din;

		memset(da, 0, (size_t)B * out_w * sizeof(float));
		act_backward(c->act, da, dh, a, h, (size_t)B * out_w);
		if (i > 0) {
			dx = dh;
			memset(dx, 0, (size_t)B * in_w * sizeof(float));
		}
		if (nn_dense_backward(dx, G(wi), G(bi), da, x, W(wi), B, in_w, out_w,
		    err))
			return -1;
	}
	return 0;
}

int
vae_decoder_backward(vae *v, float *dx, const float *dymean, kv_err *err)
{
	const vae_config *c = &v->cfg;
	int H = c->n_hidden, B = v->B_dec, w = dec_width(c, H);
	const float *htop = H ? v->dec_h[H - 1] : v->dec_in;
	float *dtop = H ? v->scratch_a : dx;

	if (c->input == VAE_IMAGE)
		return convnet_decoder_backward(&v->conv, &v->p, dx, dymean, err);
	if (H)
		memset(dtop, 0, (size_t)B * w * sizeof(float));
	if (nn_dense_backward(dtop, G(v->out_w), G(v->out_b), dymean, htop,
	    W(v->out_w), B, w, c->input_dim, err))
		return -1;
	return H ? hidden_backward(v, 1, dx, B, err) : 0;
}

int
vae_encoder_backward(vae *v, const float *dmean, const float *dlogvar,
	kv_err *err)
{
	const vae_config *c = &v->cfg;
	int H = c->n_hidden, B = v->B_enc, w = enc_width(c, H);
	const float *htop = H ? v->enc_h[H - 1] : v->enc_in;
	float *dtop = H ? v->scratch_a : NULL;

	if (c->input == VAE_IMAGE)
		return convnet_encoder_backward(&v->conv, &v->p, dmean, dlogvar,
		    err);
	if (H)
		memset(dtop, 0, (size_t)B * w * sizeof(float));
	if (nn_dense_backward(dtop, G(v->mu_w), G(v->mu_b), dmean, htop,
	    W(v->mu_w), B, w, c->latent_dim, err) ||
	    nn_dense_backward(dtop, G(v->lv_w), G(v->lv_b), dlogvar, htop,
	    W(v->lv_w), B, w, c->latent_dim, err))
		return -1;
	return H ? hidden_backward(v, 0, NULL, B, err) : 0;
}

/* ---- sampling and loss terms ------------------------------------------ */

void
vae_sample(float *x, float *eps, const float *mean, const float *logvar,
	size_t n, gsl_rng *rng)
{
	for (size_t i = 0; i < n; i++) {
		eps[i] = (float)gsl_ran_gaussian_ziggurat(rng, 1.0);
		x[i] = mean[i] + expf(0.5f * logvar[i]) * eps[i];
	}
}

void
vae_sample_backward(float *dmean, float *dlogvar, const float *dx,
	const float *eps, const float *logvar, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dmean[i] += dx[i];
		dlogvar[i] += dx[i] * eps[i] * 0.5f * expf(0.5f * logvar[i]);
	}
}

double
vae_kl(float *dmean, float *dlogvar, const float *mean, const float *logvar,
	size_t n, double scale)
{
	double kl = 0;

	for (size_t i = 0; i < n; i++) {
		double e = exp((double)logvar[i]);
		kl += 0.5 * (e + (double)mean[i] * mean[i] - 1 - logvar[i]);
		dmean[i] += (float)(scale * mean[i]);
		dlogvar[i] += (float)(scale * 0.5 * (e - 1));
	}
	return kl;
}

double
vae_nll(float *dymean, float *dlogvar, const float *y, const float *ymean,
	const float *logvar, int B, int D, double scale, size_t *observed)
{
	double nll = 0;
	size_t nobs = 0;

	for (int b = 0; b < B; b++)
		for (int d = 0; d < D; d++) {
			size_t k = (size_t)b * D + d;
			double r, ivar;
			if (isnan(y[k]))
				continue;
			r = (double)y[k] - ymean[k];
			ivar = exp(-(double)logvar[d]);
			nll += 0.5 * (log(2 * M_PI) + logvar[d] + r * r * ivar);
			dymean[k] += (float)(-scale * r * ivar);
			dlogvar[d] += (float)(scale * 0.5 * (1 - r * r * ivar));
			nobs++;
		}
	if (observed != NULL)
		*observed = nobs;
	return nll;
}

double
vae_neg_log_q(float *dlogvar, const float *logvar, const float *eps,
	size_t n, double scale)
{
	double s = 0;

	for (size_t i = 0; i < n; i++) {
		s += 0.5 * (log(2 * M_PI) + logvar[i] + (double)eps[i] * eps[i]);
		dlogvar[i] += (float)(0.5 * scale);
	}
	return s;
}

int
vae_loss(vae *v, const float *y, int B, double w_rec, double beta,
	gsl_rng *rng, double *loss, double terms[2], kv_err *err)
{
	const vae_config *c = &v->cfg;
	size_t nl = (size_t)B * c->latent_dim, nd = (size_t)B * c->input_dim;
	float *buf = calloc(7 * nl + 2 * nd, sizeof(float));
	float *mean = buf, *lv = mean + nl, *eps = lv + nl, *x = eps + nl;
	float *dmean = x + nl, *dlv = dmean + nl, *dx = dlv + nl;
	float *ymean = dx + nl, *dymean = ymean + nd;
	double nll, kl;
	int rc = -1;

	if (buf == NULL)
		return kv_errf(err, "out of memory");
	if (vae_encode(v, mean, lv, y, B, err))
		goto out;
	vae_sample(x, eps, mean, lv, nl, rng);
	if (vae_decode(v, ymean, x, B, err))
		goto out;
	nll = vae_nll(dymean, G(v->out_lv), y, ymean, W(v->out_lv), B,
	    c->input_dim, w_rec / B, NULL);
	kl = vae_kl(dmean, dlv, mean, lv, nl, beta / B);
	if (vae_decoder_backward(v, dx, dymean, err))
		goto out;
	vae_sample_backward(dmean, dlv, dx, eps, lv, nl);
	if (vae_encoder_backward(v, dmean, dlv, err))
		goto out;
	*loss = (w_rec * nll + beta * kl) / B;
	if (terms != NULL) {
		terms[0] = nll / B;
		terms[1] = kl / B;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* ---- model files -------------------------------------------------------- */

static json_t *
double_array(const double *x, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n && a != NULL; i++)
		json_array_append_new(a, json_real(x[i]));
	return a;
}

static json_t *
int_array(const int *x, int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n && a != NULL; i++)
		json_array_append_new(a, json_integer(x[i]));
	return a;
}

/* The image kind's metadata: the architecture, and the frame rate of
 * the training video when known (vae-decode's default rate). */
static json_t *
image_meta(const vae *v)
{
	const convnet_config *c = &v->cfg.conv;
	json_t *m = json_pack("{s:s, s:i, s:s, s:i, s:i, s:o, s:i, s:s, s:s}",
	    "format", "kvae-model", "version", 1, "input", "image",
	    "channels", c->channels, "frame_size", c->size,
	    "filters", int_array(c->filters, c->nstages),
	    "latent_dim", v->cfg.latent_dim, "activation", "leaky_relu",
	    "scale", "v / 127.5 - 1");

	if (m != NULL && v->fps_num > 0 && v->fps_den > 0)
		json_object_set_new(m, "frame_rate", json_pack("[i, i]",
		    v->fps_num, v->fps_den));
	return m;
}

char **
vae_latent_names(int L)
{
	char **names = calloc((size_t)L + 1, sizeof *names);

	for (int i = 0; names != NULL && i < L; i++) {
		if ((names[i] = malloc(16)) == NULL) {
			vae_names_free(names, i);
			return NULL;
		}
		snprintf(names[i], 16, "z%d", i + 1);
	}
	return names;
}

void
vae_names_free(char **names, int n)
{
	for (int i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

/* An audio model's STFT and features (vae_audio). */
static json_t *
audio_meta(const vae_audio *a)
{
	return json_pack("{s:i, s:i, s:i, s:s, s:s, s:f}", "sample_rate",
	    a->sample_rate, "window", a->window, "hop", a->hop, "shape",
	    stft_window_name((stft_window)a->shape), "features",
	    "log(|X| + floor)", "floor", a->floor);
}

int
vae_write(const vae *v, st_writer *w, kv_err *err)
{
	const vae_config *c = &v->cfg;
	json_t *meta;
	char *text;
	int rc;

	if (c->input == VAE_IMAGE)
		meta = image_meta(v);
	else
		meta = json_pack("{s:s, s:i, s:s, s:i, s:i, s:o, s:s, "
		    "s:{s:o, s:o}}", "format", "kvae-model", "version", 1,
		    "input", "vector", "input_dim", c->input_dim,
		    "latent_dim", c->latent_dim,
		    "hidden", int_array(c->hidden, c->n_hidden),
		    "activation", vae_act_name(c->act), "normalization",
		    "mean", double_array(v->norm_mean, c->input_dim),
		    "std", double_array(v->norm_std, c->input_dim));
	if (meta != NULL && c->input == VAE_VECTOR && v->audio.sample_rate > 0 &&
	    json_object_set_new(meta, "audio", audio_meta(&v->audio)) != 0) {
		json_decref(meta);
		meta = NULL;
	}
	if (meta == NULL)
		return kv_errf(err, "out of memory");
	text = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17));
	json_decref(meta);
	if (text == NULL)
		return kv_errf(err, "out of memory");
	rc = st_writer_meta(w, VAE_META_KEY, text, err) ||
	    nnparams_write(&v->p, w, err) ? -1 : 0;
	free(text);
	return rc;
}

int
vae_save(const vae *v, const char *path, kv_err *err)
{
	st_writer *w = st_writer_new(err);
	int rc;

	if (w == NULL)
		return -1;
	rc = vae_write(v, w, err) || st_writer_save(w, path, err) ? -1 : 0;
	st_writer_free(w);
	return rc;
}

/* A positive integer member, or -1. */
static int
get_dim(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < 1 ||
	    json_integer_value(j) > (1 << 24))
		return -1;
	return (int)json_integer_value(j);
}

/* The image kind's configuration from the metadata object. */
static int
parse_image_config(json_t *m, vae_config *c, kv_err *err)
{
	json_t *filters = json_object_get(m, "filters");

	c->input = VAE_IMAGE;
	c->conv.channels = get_dim(m, "channels");
	c->conv.size = get_dim(m, "frame_size");
	c->latent_dim = get_dim(m, "latent_dim");
	if (c->conv.channels < 0 || c->conv.size < 0 || c->latent_dim < 0)
		return kv_errf(err, "\"channels\", \"frame_size\" and "
		    "\"latent_dim\" must be positive integers");
	if (!json_is_array(filters) || json_array_size(filters) < 1 ||
	    json_array_size(filters) > CONVNET_MAX_STAGES)
		return kv_errf(err, "\"filters\" must be a list of 1 to %d "
		    "sizes", CONVNET_MAX_STAGES);
	c->conv.nstages = (int)json_array_size(filters);
	for (int i = 0; i < c->conv.nstages; i++) {
		json_t *f = json_array_get(filters, i);
		if (!json_is_integer(f) || json_integer_value(f) < 1 ||
		    json_integer_value(f) > 65536)
			return kv_errf(err, "\"filters\"[%d] is not a positive "
			    "integer", i);
		c->conv.filters[i] = (int)json_integer_value(f);
	}
	return vae_config_check(c, err);
}

/* The frame rate [num, den] of an image model's metadata, when given. */
static int
parse_frame_rate(vae *v, json_t *m, kv_err *err)
{
	json_t *r = json_object_get(m, "frame_rate");
	json_int_t num, den;

	if (r == NULL)
		return 0;
	if (!json_is_array(r) || json_array_size(r) != 2 ||
	    !json_is_integer(json_array_get(r, 0)) ||
	    !json_is_integer(json_array_get(r, 1)))
		return kv_errf(err, "\"frame_rate\" must be [numerator, "
		    "denominator]");
	num = json_integer_value(json_array_get(r, 0));
	den = json_integer_value(json_array_get(r, 1));
	if (num < 1 || den < 1 || num > 1000000 || den > 1000000)
		return kv_errf(err, "\"frame_rate\" must be two positive "
		    "integers up to 1000000");
	v->fps_num = (int)num;
	v->fps_den = (int)den;
	return 0;
}

/* The configuration from the metadata object. */
static int
parse_config(json_t *m, vae_config *c, kv_err *err)
{
	json_t *input = json_object_get(m, "input");
	json_t *hidden = json_object_get(m, "hidden");
	json_t *act = json_object_get(m, "activation");

	memset(c, 0, sizeof *c);
	if (json_is_string(input) && strcmp(json_string_value(input),
	    "image") == 0)
		return parse_image_config(m, c, err);
	if (!json_is_string(input) || strcmp(json_string_value(input),
	    "vector") != 0)
		return kv_errf(err, "input kind %s%s%s is not supported here "
		    "(expected \"vector\" or \"image\")", input ? "\"" : "",
		    json_is_string(input) ? json_string_value(input) : "missing",
		    input ? "\"" : "");
	c->input_dim = get_dim(m, "input_dim");
	c->latent_dim = get_dim(m, "latent_dim");
	if (c->input_dim < 0 || c->latent_dim < 0)
		return kv_errf(err, "\"input_dim\" and \"latent_dim\" must be "
		    "positive integers");
	if (!json_is_array(hidden) || json_array_size(hidden) > VAE_MAX_HIDDEN)
		return kv_errf(err, "\"hidden\" must be a list of at most %d sizes",
		    VAE_MAX_HIDDEN);
	c->n_hidden = (int)json_array_size(hidden);
	for (int i = 0; i < c->n_hidden; i++) {
		json_t *h = json_array_get(hidden, i);
		if (!json_is_integer(h) || json_integer_value(h) < 1 ||
		    json_integer_value(h) > (1 << 24))
			return kv_errf(err, "\"hidden\"[%d] is not a positive "
			    "integer", i);
		c->hidden[i] = (int)json_integer_value(h);
	}
	c->act = json_is_string(act) ? vae_act_from_name(json_string_value(act)) :
	    -1;
	if (c->act < 0)
		return kv_errf(err, "\"activation\" must be tanh, relu or "
		    "leaky_relu");
	return 0;
}

/* An audio model's "audio" object, when there is one: its STFT must
 * make input_dim bins. */
static int
parse_audio(vae *v, json_t *m, kv_err *err)
{
	json_t *a = json_object_get(m, "audio");
	json_t *shape = json_object_get(a, "shape");
	json_t *floor = json_object_get(a, "floor");
	stft_window win;
	int rate, n, hop;

	if (a == NULL)
		return 0;
	rate = get_dim(a, "sample_rate");
	n = get_dim(a, "window");
	hop = get_dim(a, "hop");
	if (rate < 0 || n < 2 || n % 2 || n > 65536 || hop < 0 || hop > n / 2)
		return kv_errf(err, "\"audio\": \"sample_rate\", \"window\" "
		    "(even, 2 to 65536) and \"hop\" (at most half the window) "
		    "must be positive integers");
	if (!json_is_string(shape) ||
	    stft_window_parse(json_string_value(shape), &win) != 0)
		return kv_errf(err, "\"audio\": \"shape\" must be hann, "
		    "hamming, blackman or rect");
	if (!json_is_number(floor) || !(json_number_value(floor) > 0) ||
	    !isfinite(json_number_value(floor)))
		return kv_errf(err, "\"audio\": \"floor\" must be a positive "
		    "number");
	if (v->cfg.input_dim != n / 2 + 1)
		return kv_errf(err, "\"audio\": a window of %d makes %d bins, "
		    "but \"input_dim\" is %d", n, n / 2 + 1, v->cfg.input_dim);
	v->audio = (vae_audio){ .sample_rate = rate, .window = n, .hop = hop,
	    .shape = (int)win, .floor = json_number_value(floor) };
	return 0;
}

static int
parse_norm(vae *v, json_t *m, kv_err *err)
{
	json_t *norm = json_object_get(m, "normalization");
	json_t *mean = json_object_get(norm, "mean");
	json_t *std = json_object_get(norm, "std");
	int D = v->cfg.input_dim;

	assert(v->norm_mean != NULL && v->norm_std != NULL);	/* vae_alloc'd */
	if (!json_is_array(mean) || !json_is_array(std) ||
	    (int)json_array_size(mean) != D || (int)json_array_size(std) != D)
		return kv_errf(err, "\"normalization\" needs \"mean\" and "
		    "\"std\" lists of %d numbers", D);
	for (int i = 0; i < D; i++) {
		json_t *a = json_array_get(mean, i), *b = json_array_get(std, i);
		if (!json_is_number(a) || !json_is_number(b) ||
		    !(json_number_value(b) > 0) ||
		    !isfinite(json_number_value(a)) ||
		    !isfinite(json_number_value(b)))
			return kv_errf(err, "\"normalization\" entry %d: mean must "
			    "be finite and std positive", i);
		v->norm_mean[i] = json_number_value(a);
		v->norm_std[i] = json_number_value(b);
	}
	return 0;
}

int
vae_from_file(vae *v, const st_file *f, kv_err *err)
{
	const char *text = st_meta(f, VAE_META_KEY);
	json_error_t je;
	json_t *m;
	vae_config c;
	int rc = -1;

	memset(v, 0, sizeof *v);
	if (text == NULL)
		return kv_errf(err, "%s: no \"%s\" entry in __metadata__ (not a "
		    "kvae model file)", f->path, VAE_META_KEY);
	m = json_loads(text, 0, &je);
	if (m == NULL)
		return kv_errf(err, "%s: metadata \"%s\": JSON error at "
		    "character %d: %s", f->path, VAE_META_KEY, je.position, je.text);
	if (!json_is_object(m))
		kv_errf(err, "metadata is not a JSON object");
	else if (parse_config(m, &c, err) == 0 &&
	    vae_declare(v, &c, err) == 0)
		rc = 0;
	/* the file's tensors must match the metadata's sizes before
	 * anything of those sizes is allocated */
	if (rc == 0 && (nnparams_match(&v->p, f, "encoder.", err) ||
	    nnparams_match(&v->p, f, "decoder.", err))) {
		json_decref(m);
		vae_free(v);
		return -1;
	}
	if (rc == 0 && (vae_alloc(v, err) || (c.input == VAE_IMAGE ?
	    parse_frame_rate(v, m, err) : parse_norm(v, m, err) ||
	    parse_audio(v, m, err))))
		rc = -1;
	json_decref(m);
	if (rc != 0) {
		vae_free(v);
		return kv_err_prefix(err, "%s: metadata \"%s\"", f->path,
		    VAE_META_KEY);
	}
	if (nnparams_read(&v->p, f, "encoder.", err) ||
	    nnparams_read(&v->p, f, "decoder.", err)) {
		vae_free(v);
		return -1;
	}
	return 0;
}

int
vae_load(vae *v, const char *path, kv_err *err)
{
	st_file *f = st_read(path, err);
	int rc;

	memset(v, 0, sizeof *v);
	if (f == NULL)
		return -1;
	rc = vae_from_file(v, f, err);
	st_free(f);
	return rc;
}
