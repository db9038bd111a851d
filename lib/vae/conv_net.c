/* conv_net.c: the KVAE paper's convolutional encoder and decoder on
 * nn.h's layers (conv, batch norm, LeakyReLU, PixelShuffle, dense).
 *
 * One stage is conv -> batch norm -> LeakyReLU (the decoder adds a
 * PixelShuffle). Per stage the forward keeps two buffers for the
 * backward: `a`, the conv output (batch norm's input), and `h`, the
 * stage's output (the next conv's input). LeakyReLU's backward needs
 * only the sign of its input, which its output shares, and the
 * decoder's shuffle is a permutation, so the sign is read from the
 * shuffled output and LeakyReLU's backward runs before the unshuffle.
 * Backward passes gradients between two scratch buffers g0, g1 of the
 * largest activation. */
#include "vae/conv_net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stage {
	nn_conv2d conv;		/* cin -> cout, side hin -> hout */
	nn_batchnorm bn;	/* cout channels */
	int w, bnw, bnb, rm, rv, nbt;	/* parameter indices */
	int cin, cout, hin, hout;
	float *a;		/* (B, cout, hout, hout) conv output */
	float *h;		/* encoder: (B, cout, hout, hout) after LeakyReLU;
				 * decoder: (B, cout / 4, 2 hout, 2 hout) after
				 * PixelShuffle */
};

struct convnet_side {
	int k;
	struct stage st[CONVNET_MAX_STAGES];
	int w1, b1, w2, b2;	/* encoder: mean, logvar heads; decoder: fc
				 * and the 1x1 output conv */
	nn_conv2d out;		/* decoder: 1x1 conv f[0] -> C */
	int B, cap;		/* frames of the last forward; buffers' room */
	int training;		/* mode of the last forward */
	size_t in_n, top_n, max_n;	/* floats per frame: input, dense side,
				 * largest activation */
	float *in;		/* encoder: y (B, C, S, S), NaN -> 0;
				 * decoder: x (B, L) */
	float *top;		/* decoder: fc output (B, F) */
	float *g0, *g1;		/* (B, max_n) backward scratch */
};

#define W(i) nnparams_data(p, i)
#define G(i) nnparams_grad(p, i)

int
convnet_config_check(const convnet_config *cfg, kv_err *err)
{
	if (cfg->channels != 1 && cfg->channels != 3)
		return kv_errf(err, "%d channels: 1 (grey) or 3 (RGB)",
		    cfg->channels);
	if (cfg->nstages < 1 || cfg->nstages > CONVNET_MAX_STAGES)
		return kv_errf(err, "%d stages: between 1 and %d", cfg->nstages,
		    CONVNET_MAX_STAGES);
	if (cfg->size < 1 || cfg->size % (1 << cfg->nstages) != 0)
		return kv_errf(err, "frame size %d is not a positive multiple of "
		    "2^%d", cfg->size, cfg->nstages);
	for (int i = 0; i < cfg->nstages; i++)
		if (cfg->filters[i] < 1)
			return kv_errf(err, "stage %d: %d filters, must be positive",
			    i, cfg->filters[i]);
	if (cfg->latent_dim < 1)
		return kv_errf(err, "latent dimension %d, must be positive",
		    cfg->latent_dim);
	return 0;
}

/* ---- declaration ---------------------------------------------------- */

/* Channels out of decoder stage j (after its PixelShuffle). */
static int
dec_channels(const convnet_config *cfg, int j)
{
	int k = cfg->nstages;

	return j == k - 1 ? cfg->filters[0] : cfg->filters[k - 2 - j];
}

/* Declare prefix.what{i}.field, of shape (n) or a scalar (n = 0). */
static int
add_named(nnparams *p, const char *prefix, const char *what, int i,
	const char *field, int trainable, size_t n, kv_err *err)
{
	char name[NNP_MAX_NAME];

	snprintf(name, sizeof name, "%s.%s%d.%s", prefix, what, i, field);
	return n ? nnparams_add(p, name, trainable, err, 1, n) :
	    nnparams_add(p, name, trainable, err, 0);
}

/* Declare prefix.conv{i}.weight and prefix.bn{i}.* for stage s and set
 * up its layers. */
static int
stage_declare(struct stage *s, nnparams *p, const char *prefix, int i,
	kv_err *err)
{
	char name[NNP_MAX_NAME];
	size_t oc = (size_t)s->cout;

	snprintf(name, sizeof name, "%s.conv%d.weight", prefix, i);
	if ((s->w = nnparams_add(p, name, 1, err, 4, oc, (size_t)s->cin,
	    (size_t)3, (size_t)3)) < 0 ||
	    (s->bnw = add_named(p, prefix, "bn", i, "weight", 1, oc, err)) < 0 ||
	    (s->bnb = add_named(p, prefix, "bn", i, "bias", 1, oc, err)) < 0 ||
	    (s->rm = add_named(p, prefix, "bn", i, "running_mean", 0, oc,
	    err)) < 0 ||
	    (s->rv = add_named(p, prefix, "bn", i, "running_var", 0, oc,
	    err)) < 0 ||
	    (s->nbt = add_named(p, prefix, "bn", i, "num_batches_tracked", 0, 0,
	    err)) < 0)
		return -1;
	nn_conv2d_init(&s->conv, s->cin, s->cout, 3, s->hout < s->hin ? 2 : 1,
	    1);
	return nn_batchnorm_init(&s->bn, s->cout, err);
}

/* A dense layer prefix.name (out, in) with bias. */
static int
dense_declare(int *w, int *b, nnparams *p, const char *name, int out,
	int in, kv_err *err)
{
	char n[NNP_MAX_NAME];

	snprintf(n, sizeof n, "%s.weight", name);
	*w = nnparams_add(p, n, 1, err, 2, (size_t)out, (size_t)in);
	if (*w < 0)
		return -1;
	snprintf(n, sizeof n, "%s.bias", name);
	*b = nnparams_add(p, n, 1, err, 1, (size_t)out);
	return *b < 0 ? -1 : 0;
}

static int
encoder_declare(struct convnet_side *e, const convnet_config *cfg,
	nnparams *p, kv_err *err)
{
	int side = cfg->size, cin = cfg->channels, k = cfg->nstages;
	int F = cfg->filters[k - 1] * (cfg->size >> k) * (cfg->size >> k);

	e->k = k;
	e->in_n = (size_t)cfg->channels * cfg->size * cfg->size;
	for (int i = 0; i < k; i++) {
		struct stage *s = &e->st[i];
		s->cin = cin, s->cout = cfg->filters[i];
		s->hin = side, s->hout = side / 2;
		if (stage_declare(s, p, "encoder", i, err))
			return -1;
		cin = s->cout, side /= 2;
	}
	return dense_declare(&e->w1, &e->b1, p, "encoder.mean",
	    cfg->latent_dim, F, err) ||
	    dense_declare(&e->w2, &e->b2, p, "encoder.logvar", cfg->latent_dim,
	    F, err) ? -1 : 0;
}

static int
decoder_declare(struct convnet_side *d, const convnet_config *cfg,
	nnparams *p, kv_err *err)
{
	int k = cfg->nstages, side = cfg->size >> k, cin = cfg->filters[k - 1];
	char name[NNP_MAX_NAME];

	d->k = k;
	d->in_n = (size_t)cfg->latent_dim;
	d->top_n = (size_t)cin * side * side;
	if (dense_declare(&d->w1, &d->b1, p, "decoder.fc", (int)d->top_n,
	    cfg->latent_dim, err))
		return -1;
	for (int j = 0; j < k; j++) {
		struct stage *s = &d->st[j];
		s->cin = cin, s->cout = 4 * dec_channels(cfg, j);
		s->hin = s->hout = side;
		if (stage_declare(s, p, "decoder", j, err))
			return -1;
		cin = s->cout / 4, side *= 2;
	}
	snprintf(name, sizeof name, "decoder.out.weight");
	d->w2 = nnparams_add(p, name, 1, err, 4, (size_t)cfg->channels,
	    (size_t)cin, (size_t)1, (size_t)1);
	snprintf(name, sizeof name, "decoder.out.bias");
	if (d->w2 < 0 || (d->b2 = nnparams_add(p, name, 1, err, 1,
	    (size_t)cfg->channels)) < 0)
		return -1;
	nn_conv2d_init(&d->out, cin, cfg->channels, 1, 1, 0);
	return 0;
}

/* Largest activation per frame, over every conv's input and output. */
static void
side_sizes(struct convnet_side *sd)
{
	sd->max_n = sd->top_n;
	for (int i = 0; i < sd->k; i++) {
		const struct stage *s = &sd->st[i];
		size_t ni = (size_t)s->cin * s->hin * s->hin;
		size_t no = (size_t)s->cout * s->hout * s->hout;
		if (ni > sd->max_n)
			sd->max_n = ni;
		if (no > sd->max_n)
			sd->max_n = no;
	}
}

int
convnet_declare(convnet *c, const convnet_config *cfg, nnparams *p,
	kv_err *err)
{
	memset(c, 0, sizeof *c);
	if (convnet_config_check(cfg, err))
		return -1;
	c->cfg = *cfg;
	c->training = 1;
	c->enc = calloc(1, sizeof *c->enc);
	c->dec = calloc(1, sizeof *c->dec);
	if (c->enc == NULL || c->dec == NULL) {
		convnet_free(c);
		return kv_errf(err, "out of memory");
	}
	if (encoder_declare(c->enc, cfg, p, err) ||
	    decoder_declare(c->dec, cfg, p, err)) {
		convnet_free(c);
		return -1;
	}
	side_sizes(c->enc);
	side_sizes(c->dec);
	return 0;
}

static void
side_buffers_free(struct convnet_side *sd)
{
	for (int i = 0; i < CONVNET_MAX_STAGES; i++) {
		free(sd->st[i].a);
		free(sd->st[i].h);
		sd->st[i].a = sd->st[i].h = NULL;
	}
	free(sd->in);
	free(sd->top);
	free(sd->g0);
	free(sd->g1);
	sd->in = sd->top = sd->g0 = sd->g1 = NULL;
	sd->cap = 0;
}

static void
side_free(struct convnet_side *sd)
{
	if (sd == NULL)
		return;
	side_buffers_free(sd);
	for (int i = 0; i < CONVNET_MAX_STAGES; i++) {
		nn_conv2d_free(&sd->st[i].conv);
		nn_batchnorm_free(&sd->st[i].bn);
	}
	nn_conv2d_free(&sd->out);
	free(sd);
}

void
convnet_free(convnet *c)
{
	side_free(c->enc);
	side_free(c->dec);
	c->enc = c->dec = NULL;
}

/* ---- initialisation ----------------------------------------------- */

/* Uniform +-1/sqrt(fan_in) for a layer's weight (OC, in, ...) and
 * bias (bi < 0: none). */
static void
layer_uniform(nnparams *p, int wi, int bi, gsl_rng *rng)
{
	const nnp_tensor *t = &p->t[wi];
	size_t fan_in = t->size / t->shape[0];
	double bound = 1.0 / sqrt((double)fan_in);

	nnparams_uniform(p, wi, bound, rng);
	if (bi >= 0)
		nnparams_uniform(p, bi, bound, rng);
}

static void
stage_init(const struct stage *s, nnparams *p, gsl_rng *rng)
{
	layer_uniform(p, s->w, -1, rng);
	nnparams_fill(p, s->bnw, 1.0f);
	nnparams_fill(p, s->bnb, 0.0f);
	nnparams_fill(p, s->rm, 0.0f);
	nnparams_fill(p, s->rv, 1.0f);
	nnparams_fill(p, s->nbt, 0.0f);
}

void
convnet_init_random(convnet *c, nnparams *p, gsl_rng *rng)
{
	struct convnet_side *e = c->enc, *d = c->dec;

	for (int i = 0; i < e->k; i++)
		stage_init(&e->st[i], p, rng);
	layer_uniform(p, e->w1, e->b1, rng);
	layer_uniform(p, e->w2, e->b2, rng);
	layer_uniform(p, d->w1, d->b1, rng);
	for (int j = 0; j < d->k; j++)
		stage_init(&d->st[j], p, rng);
	layer_uniform(p, d->w2, d->b2, rng);
}

/* ---- buffers --------------------------------------------------------- */

/* Room for B frames on one side. */
static int
reserve(struct convnet_side *sd, int B, kv_err *err)
{
	size_t b = (size_t)B * sizeof(float);
	int ok;

	if (B <= sd->cap)
		return 0;
	side_buffers_free(sd);
	sd->in = malloc(b * sd->in_n);
	sd->top = sd->top_n ? malloc(b * sd->top_n) : NULL;
	sd->g0 = malloc(b * sd->max_n);
	sd->g1 = malloc(b * sd->max_n);
	ok = sd->in && (sd->top || !sd->top_n) && sd->g0 && sd->g1;
	for (int i = 0; i < sd->k; i++) {
		struct stage *s = &sd->st[i];
		size_t n = b * s->cout * s->hout * s->hout;
		s->a = malloc(n);
		s->h = malloc(n);
		ok = ok && s->a && s->h;
	}
	if (!ok) {
		side_buffers_free(sd);
		return kv_errf(err, "out of memory for a batch of %d frames", B);
	}
	sd->cap = B;
	return 0;
}

/* ---- forward ----------------------------------------------------------- */

/* conv -> batch norm -> LeakyReLU into s->h (encoder) or into tmp then
 * PixelShuffle(2) into s->h (decoder: tmp non-NULL). */
static int
stage_forward(struct stage *s, nnparams *p, const float *x, float *tmp,
	int B, int training, kv_err *err)
{
	size_t hw = (size_t)s->hout * s->hout, n = (size_t)B * s->cout * hw;
	float *z = tmp ? tmp : s->h;

	if (nn_conv2d_forward(&s->conv, s->a, x, W(s->w), NULL, B, s->hin,
	    s->hin, err) ||
	    nn_batchnorm_forward(&s->bn, z, s->a, W(s->bnw), W(s->bnb),
	    W(s->rm), W(s->rv), B, (int)hw, training, err))
		return -1;
	if (training)
		W(s->nbt)[0] += 1.0f;
	nn_leaky_relu_forward(z, z, CONVNET_SLOPE, n);
	if (tmp)
		nn_pixel_shuffle_forward(s->h, tmp, B, s->cout / 4, s->hout,
		    s->hout, 2);
	return 0;
}

int
convnet_encode(convnet *c, nnparams *p, float *mean, float *logvar,
	const float *y, int B, kv_err *err)
{
	struct convnet_side *e = c->enc;
	const struct stage *last = &e->st[e->k - 1];
	int F = last->cout * last->hout * last->hout;
	size_t n = (size_t)B * e->in_n;
	const float *x;

	e->B = 0;		/* no backward after a failed forward */
	if (B < 1)
		return kv_errf(err, "encoder: batch of %d frames", B);
	if (reserve(e, B, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		e->in[i] = isnan(y[i]) ? 0.0f : y[i];
	e->training = c->training;
	x = e->in;
	for (int i = 0; i < e->k; i++) {
		if (stage_forward(&e->st[i], p, x, NULL, B, c->training, err))
			return kv_err_prefix(err, "encoder stage %d", i);
		x = e->st[i].h;
	}
	if (nn_dense_forward(mean, x, W(e->w1), W(e->b1), B, F,
	    c->cfg.latent_dim, err) ||
	    nn_dense_forward(logvar, x, W(e->w2), W(e->b2), B, F,
	    c->cfg.latent_dim, err))
		return -1;
	e->B = B;
	return 0;
}

int
convnet_decode(convnet *c, nnparams *p, float *ymean, const float *x,
	int B, kv_err *err)
{
	struct convnet_side *d = c->dec;
	const float *u;

	d->B = 0;		/* no backward after a failed forward */
	if (B < 1)
		return kv_errf(err, "decoder: batch of %d frames", B);
	if (reserve(d, B, err))
		return -1;
	memcpy(d->in, x, (size_t)B * d->in_n * sizeof(float));
	d->training = c->training;
	if (nn_dense_forward(d->top, d->in, W(d->w1), W(d->b1), B,
	    c->cfg.latent_dim, (int)d->top_n, err))
		return -1;
	u = d->top;
	for (int j = 0; j < d->k; j++) {
		if (stage_forward(&d->st[j], p, u, d->g0, B, c->training, err))
			return kv_err_prefix(err, "decoder stage %d", j);
		u = d->st[j].h;
	}
	if (nn_conv2d_forward(&d->out, ymean, u, W(d->w2), W(d->b2), B,
	    c->cfg.size, c->cfg.size, err))
		return -1;
	d->B = B;
	return 0;
}

/* ---- backward ------------------------------------------------------------ */

/* Batch norm in evaluation mode is y = w (x - rm) / sqrt(rv + eps) + b
 * per channel: dinp += dout w istd, dweight += sum dout xhat, dbias +=
 * sum dout, xhat from the running statistics. */
static void
bn_eval_backward(float *dinp, float *dweight, float *dbias,
	const float *dout, const float *inp, const float *weight,
	const float *rm, const float *rv, float eps, int N, int C, int HW)
{
	#pragma omp parallel for if ((size_t)N * C * HW > 65536)
	for (int ch = 0; ch < C; ch++) {
		double istd = 1.0 / sqrt((double)rv[ch] + eps), sdy = 0, sdyx = 0;
		float g = (float)(weight[ch] * istd);
		for (int n = 0; n < N; n++) {
			size_t base = ((size_t)n * C + ch) * HW;
			for (int i = 0; i < HW; i++) {
				double dy = dout[base + i];
				sdy += dy;
				sdyx += dy * (inp[base + i] - rm[ch]) * istd;
				dinp[base + i] += g * dout[base + i];
			}
		}
		dweight[ch] += (float)sdyx;
		dbias[ch] += (float)sdy;
	}
}

/* Backward through one stage. On entry *gp (B, stage output) holds the
 * gradient at s->h; on return it holds the gradient at the stage input
 * x (unless dx_null: the net's first layer), *gp and *gq swapped as
 * they are used. */
static int
stage_backward(struct stage *s, nnparams *p, const float *x, float **gp,
	float **gq, int B, int training, int shuffled, int dx_null,
	kv_err *err)
{
	size_t hw = (size_t)s->hout * s->hout, n = (size_t)B * s->cout * hw;
	size_t nin = (size_t)B * s->cin * s->hin * s->hin;
	float *g = *gp, *t = *gq, *dz;

	/* LeakyReLU (sign from the output), then unshuffle: dz */
	memset(t, 0, n * sizeof(float));
	nn_leaky_relu_backward(t, g, s->h, CONVNET_SLOPE, n);
	dz = t;
	if (shuffled) {
		memset(g, 0, n * sizeof(float));
		nn_pixel_shuffle_backward(g, t, B, s->cout / 4, s->hout, s->hout,
		    2);
		dz = g;
	}
	/* batch norm: da into the other buffer */
	{
		float *da = dz == g ? t : g;
		memset(da, 0, n * sizeof(float));
		if (training) {
			if (nn_batchnorm_backward(&s->bn, da, G(s->bnw), G(s->bnb),
			    dz, s->a, W(s->bnw), B, (int)hw, err))
				return -1;
		} else
			bn_eval_backward(da, G(s->bnw), G(s->bnb), dz, s->a,
			    W(s->bnw), W(s->rm), W(s->rv), s->bn.eps, B, s->cout,
			    (int)hw);
		/* conv: dx into the buffer dz was in */
		if (!dx_null)
			memset(dz, 0, nin * sizeof(float));
		if (nn_conv2d_backward(&s->conv, dx_null ? NULL : dz, G(s->w),
		    NULL, da, x, W(s->w), B, s->hin, s->hin, err))
			return -1;
		*gp = dz;
		*gq = da;
	}
	return 0;
}

int
convnet_decoder_backward(convnet *c, nnparams *p, float *dx,
	const float *dymean, kv_err *err)
{
	struct convnet_side *d = c->dec;
	int B = d->B, k = d->k;
	const struct stage *last = &d->st[k - 1];
	float *g = d->g0, *t = d->g1;

	if (B < 1)
		return kv_errf(err, "decoder backward without a successful forward");
	memset(g, 0, (size_t)B * last->cout * last->hout * last->hout *
	    sizeof(float));
	if (nn_conv2d_backward(&d->out, g, G(d->w2), G(d->b2), dymean, last->h,
	    W(d->w2), B, c->cfg.size, c->cfg.size, err))
		return -1;
	for (int j = k - 1; j >= 0; j--) {
		const float *x = j ? d->st[j - 1].h : d->top;
		if (stage_backward(&d->st[j], p, x, &g, &t, B, d->training, 1, 0,
		    err))
			return kv_err_prefix(err, "decoder stage %d", j);
	}
	return nn_dense_backward(dx, G(d->w1), G(d->b1), g, d->in, W(d->w1), B,
	    c->cfg.latent_dim, (int)d->top_n, err);
}

int
convnet_encoder_backward(convnet *c, nnparams *p, const float *dmean,
	const float *dlogvar, kv_err *err)
{
	struct convnet_side *e = c->enc;
	int B = e->B, k = e->k, L = c->cfg.latent_dim;
	const struct stage *last = &e->st[k - 1];
	int F = last->cout * last->hout * last->hout;
	float *g = e->g0, *t = e->g1;

	if (B < 1)
		return kv_errf(err, "encoder backward without a successful forward");
	memset(g, 0, (size_t)B * F * sizeof(float));
	if (nn_dense_backward(g, G(e->w1), G(e->b1), dmean, last->h, W(e->w1),
	    B, F, L, err) ||
	    nn_dense_backward(g, G(e->w2), G(e->b2), dlogvar, last->h,
	    W(e->w2), B, F, L, err))
		return -1;
	for (int i = k - 1; i >= 0; i--) {
		const float *x = i ? e->st[i - 1].h : e->in;
		if (stage_backward(&e->st[i], p, x, &g, &t, B, e->training, 0,
		    i == 0, err))
			return kv_err_prefix(err, "encoder stage %d", i);
	}
	return 0;
}
