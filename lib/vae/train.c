/* train.c: the KVAE training loop, its data and checkpoints. */
#include "vae/train.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dist/dist.h"
#include "nn/checkpoint.h"
#include "nn/nn.h"

/* ---- data ---------------------------------------------------------------- */

static void identity(size_t *idx, size_t n);

/* Room for n sequences of N records of D values in all, and as many
 * targets when asked. 0 or -1. */
static int
data_alloc(kvae_data *d, size_t n, size_t N, size_t D, int targets,
	kv_err *err)
{
	memset(d, 0, sizeof *d);
	d->nseq = n;
	d->N = N;
	d->D = D;
	d->T = malloc((n + 1) * sizeof *d->T);
	d->off = malloc((n + 1) * sizeof *d->off);
	d->y = malloc((N * D + 1) * sizeof *d->y);
	if (targets)
		d->target = malloc((N * D + 1) * sizeof *d->target);
	if (d->T == NULL || d->off == NULL || d->y == NULL ||
	    (targets && d->target == NULL)) {
		kvae_data_free(d);
		return kv_errf(err, "out of memory");
	}
	return 0;
}

/* A record x (D values) normalised into out as floats, with row as
 * scratch; returns how many of its values are observed. */
static size_t
take_row(float *out, const double *x, double *row, size_t D, const vae *v)
{
	size_t observed = 0;

	memcpy(row, x, D * sizeof *row);
	vae_normalise(v, row);
	for (size_t j = 0; j < D; j++) {
		out[j] = (float)row[j];
		observed += !isnan(row[j]);
	}
	return observed;
}

static int
data_take(kvae_data *d, const double *x, const double *tx, const size_t *T,
	const size_t *first, const size_t *which, size_t n, size_t D,
	const vae *v, kv_err *err)
{
	double *row;
	size_t N = 0;

	for (size_t i = 0; i < n; i++)
		N += T[which[i]];
	if (data_alloc(d, n, N, D, tx != NULL, err))
		return -1;
	if ((row = malloc(D * sizeof *row)) == NULL) {
		kvae_data_free(d);
		return kv_errf(err, "out of memory");
	}
	N = 0;
	for (size_t i = 0; i < n; i++) {
		size_t s = which[i];
		d->T[i] = T[s];
		d->off[i] = N;
		for (size_t t = 0; t < T[s]; t++, N++) {
			size_t at = (first[s] + t) * D;
			d->nobs += take_row(d->y + N * D, x + at, row, D, v);
			if (tx != NULL)
				take_row(d->target + N * D, tx + at, row, D, v);
		}
	}
	free(row);
	return 0;
}

/* v's normalisation from the observed values of the training
 * sequences which[0 .. n): each column's mean and standard deviation
 * (std 1 for a column with fewer than two observations or no spread). */
static void
fit_norm(vae *v, const double *x, const size_t *T, const size_t *first,
	const size_t *which, size_t n, size_t D)
{
	for (size_t d = 0; d < D; d++) {
		double s = 0, ss = 0, mean;
		size_t cnt = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t t = 0; t < T[which[i]]; t++) {
				double y = x[(first[which[i]] + t) * D + d];
				if (!isnan(y)) {
					s += y;
					cnt++;
				}
			}
		mean = cnt ? s / cnt : 0.0;
		for (size_t i = 0; i < n; i++)
			for (size_t t = 0; t < T[which[i]]; t++) {
				double y = x[(first[which[i]] + t) * D + d];
				if (!isnan(y))
					ss += (y - mean) * (y - mean);
			}
		v->norm_mean[d] = mean;
		v->norm_std[d] = cnt > 1 && ss > 0 ? sqrt(ss / (cnt - 1)) : 1.0;
	}
}

int
kvae_data_split(const double *x, const size_t *T, size_t nseq, size_t D,
	double val_fraction, unsigned long seed, vae *v, int fit,
	kvae_data *train, kvae_data *val, kv_err *err)
{
	return kvae_data_split_pairs(x, NULL, T, nseq, D, val_fraction, seed,
	    v, fit, train, val, err);
}

int
kvae_data_split_pairs(const double *x, const double *target,
	const size_t *T, size_t nseq, size_t D, double val_fraction,
	unsigned long seed, vae *v, int fit, kvae_data *train,
	kvae_data *val, kv_err *err)
{
	size_t *idx = malloc((nseq + 1) * sizeof *idx);
	size_t *first = malloc((nseq + 1) * sizeof *first);
	size_t nval = (size_t)floor(val_fraction * (double)nseq + 0.5);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = -1;

	memset(train, 0, sizeof *train);
	memset(val, 0, sizeof *val);
	if (idx == NULL || first == NULL || r == NULL) {
		kv_errf(err, "out of memory");
		goto out;
	}
	if (nval >= nseq)
		nval = nseq - 1;
	for (size_t s = 0, o = 0; s < nseq; o += T[s], s++) {
		idx[s] = s;
		first[s] = o;
	}
	gsl_rng_set(r, seed);
	gsl_ran_shuffle(r, idx, nseq, sizeof *idx);
	if (fit)
		fit_norm(v, x, T, first, idx + nval, nseq - nval, D);
	if (data_take(train, x, target, T, first, idx + nval, nseq - nval, D,
	    v, err) || data_take(val, x, target, T, first, idx, nval, D, v,
	    err))
		goto out;
	if (train->nobs > 0)
		rc = 0;
	else
		kv_errf(err, "the training sequences have no observed values");
out:
	free(idx);
	free(first);
	if (r != NULL)
		gsl_rng_free(r);
	return rc;
}

/* One window: frames first, first + period, ... of a clip. */
typedef struct window {
	const float *first;
	size_t T;
} window;

/* The windows of one clip into w (NULL: only count them). */
static size_t
clip_windows(const kvae_clip *c, size_t D, size_t length, size_t period,
	gsl_rng *r, window *w)
{
	size_t start = gsl_rng_uniform_int(r, period), span, n, spare, at;

	if (c->n <= start)
		return 0;
	span = (c->n - start + period - 1) / period;	/* frames on the grid */
	if (span < 2)
		return 0;
	if (span < length) {
		if (w != NULL)
			*w = (window){ c->frames + start * D, span };
		return 1;
	}
	n = span / length;
	spare = span - n * length;
	at = start + period * (spare ? gsl_rng_uniform_int(r, spare + 1) : 0);
	for (size_t i = 0; w != NULL && i < n; i++)
		w[i] = (window){ c->frames + (at + i * length * period) * D,
		    length };
	return n;
}

/* Windows idx[0 .. n) of w, subsampled every period, into d. */
static int
windows_take(kvae_data *d, const window *w, const size_t *idx, size_t n,
	size_t D, size_t period, kv_err *err)
{
	size_t N = 0;

	for (size_t i = 0; i < n; i++)
		N += w[idx[i]].T;
	if (data_alloc(d, n, N, D, 0, err))
		return -1;
	N = 0;
	for (size_t i = 0; i < n; i++) {
		const window *x = &w[idx[i]];
		d->T[i] = x->T;
		d->off[i] = N;
		for (size_t t = 0; t < x->T; t++, N++) {
			const float *f = x->first + t * period * D;
			memcpy(d->y + N * D, f, D * sizeof *f);
			for (size_t j = 0; j < D; j++)
				d->nobs += !isnan(f[j]);
		}
	}
	return 0;
}

int
kvae_data_windows(const kvae_clip *clips, size_t nclips, size_t D,
	size_t length, size_t period, double val_fraction,
	unsigned long seed, kvae_data *train, kvae_data *val, kv_err *err)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	window *w = NULL;
	size_t *idx = NULL, nw = 0, nval;
	int rc = -1;

	memset(train, 0, sizeof *train);
	memset(val, 0, sizeof *val);
	if (r == NULL)
		return kv_errf(err, "out of memory");
	if (length < 2 || period < 1) {
		kv_errf(err, "windows need a length of at least 2 and a period "
		    "of at least 1");
		goto out;
	}
	/* count with one generator state, cut with the same again */
	gsl_rng_set(r, seed);
	for (size_t c = 0; c < nclips; c++)
		nw += clip_windows(&clips[c], D, length, period, r, NULL);
	if (nw == 0) {
		kv_errf(err, "no clip has two frames %zu apart to train on",
		    period);
		goto out;
	}
	w = calloc(nw, sizeof *w);
	idx = malloc(nw * sizeof *idx);
	if (w == NULL || idx == NULL) {
		kv_errf(err, "out of memory");
		goto out;
	}
	gsl_rng_set(r, seed);
	for (size_t c = 0, k = 0; c < nclips; c++)
		k += clip_windows(&clips[c], D, length, period, r, w + k);
	identity(idx, nw);
	gsl_ran_shuffle(r, idx, nw, sizeof *idx);
	nval = (size_t)floor(val_fraction * (double)nw + 0.5);
	if (nval >= nw)
		nval = nw - 1;
	if (windows_take(train, w, idx + nval, nw - nval, D, period, err) == 0 &&
	    windows_take(val, w, idx, nval, D, period, err) == 0)
		rc = 0;
out:
	free(w);
	free(idx);
	gsl_rng_free(r);
	return rc;
}

void
kvae_data_free(kvae_data *d)
{
	free(d->T);
	free(d->off);
	free(d->y);
	free(d->target);
	memset(d, 0, sizeof *d);
}

/* ---- epochs -------------------------------------------------------------- */

int
kvae_anneal_parse(const char *s)
{
	if (strcmp(s, "none") == 0)
		return KVAE_ANNEAL_NONE;
	if (strcmp(s, "monotone") == 0)
		return KVAE_ANNEAL_MONOTONE;
	if (strcmp(s, "cyclic") == 0)
		return KVAE_ANNEAL_CYCLIC;
	return -1;
}

double
kvae_fit_beta(const kvae_fit_opts *o, int epoch)
{
	int j = epoch - o->vae_epochs, E = o->anneal_epochs > 0 ?
	    o->anneal_epochs : 1;

	if (j < 0 || o->anneal == KVAE_ANNEAL_NONE)
		return o->beta;
	if (o->anneal == KVAE_ANNEAL_MONOTONE)
		return o->beta * fmin(1.0, (j + 1.0) / E);
	return o->beta * fmin(1.0, 2.0 * (j % E + 1.0) / E);
}

double
kvae_terms_elbo(const kvae_terms *t)
{
	return t->records ? -(t->nll + t->prior) / (double)t->records : NAN;
}

/* Sequences idx[0..n) of d into one batch: y (N, D), T (n), and
 * the targets into target when d has them and target is not NULL. */
static size_t
gather(const kvae_data *d, const size_t *idx, size_t n, float *y,
	float *target, size_t *T)
{
	size_t N = 0;

	for (size_t i = 0; i < n; i++) {
		size_t s = idx[i], bytes = d->T[s] * d->D * sizeof *y;
		memcpy(y + N * d->D, d->y + d->off[s] * d->D, bytes);
		if (d->target != NULL && target != NULL)
			memcpy(target + N * d->D, d->target + d->off[s] * d->D,
			    bytes);
		T[i] = d->T[s];
		N += d->T[s];
	}
	return N;
}

typedef struct batcher {
	float *y, *eps;
	float *target;		/* (N, D) when the data has targets */
	float *noise;		/* (K, N, L) the whole batch's */
	size_t *T, *idx;
} batcher;

/* Records in the n longest sequences of d: a bound for any batch. */
static size_t
longest(const kvae_data *d, size_t n, kv_err *err)
{
	size_t *len = malloc((d->nseq + 1) * sizeof *len), N = 0;

	if (len == NULL)
		return kv_errf(err, "out of memory"), (size_t)-1;
	memcpy(len, d->T, d->nseq * sizeof *len);
	for (size_t i = 0; i < n && i < d->nseq; i++) {
		size_t best = i;
		for (size_t j = i + 1; j < d->nseq; j++)
			if (len[j] > len[best])
				best = j;
		N += len[best];
		len[best] = len[i];
	}
	free(len);
	return N;
}

static int
batcher_init(batcher *b, const kvae_data *train, const kvae_data *val,
	const kvae *k, int batch, int K, kv_err *err)
{
	size_t a = longest(train, (size_t)batch, err);
	size_t c = longest(val, (size_t)batch, err);
	size_t maxN = a > c ? a : c;
	size_t nseq = train->nseq > val->nseq ? train->nseq : val->nseq;
	size_t ne = (size_t)K * maxN * k->L + 1;

	memset(b, 0, sizeof *b);
	if (a == (size_t)-1 || c == (size_t)-1)
		return -1;
	b->y = malloc((maxN * train->D + 1) * sizeof *b->y);
	if (train->target != NULL || val->target != NULL)
		b->target = malloc((maxN * train->D + 1) * sizeof *b->target);
	b->eps = malloc(ne * sizeof *b->eps);
	b->noise = malloc(ne * sizeof *b->noise);
	b->T = malloc((nseq + 1) * sizeof *b->T);
	b->idx = malloc((nseq + 1) * sizeof *b->idx);
	if (b->y == NULL || b->eps == NULL || b->noise == NULL ||
	    b->T == NULL || b->idx == NULL ||
	    ((train->target != NULL || val->target != NULL) &&
	    b->target == NULL))
		return kv_errf(err, "out of memory");
	return 0;
}

static void
identity(size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
}

static void
batcher_free(batcher *b)
{
	free(b->y);
	free(b->target);
	free(b->eps);
	free(b->noise);
	free(b->T);
	free(b->idx);
}

/* ---- a batch shared among processes ------------------------------------ */

/* This rank's share of a batch of n sequences: *count of them from
 * *first (dist.h). The first n mod P ranks take one more; when n < P
 * the ranks past n take none, so the ranks with data are always
 * 0 .. min(n, P) - 1, the active ones. One process takes the batch. */
static void
batch_share(size_t n, size_t *first, size_t *count)
{
	size_t P = (size_t)dist_size(), r = (size_t)dist_rank();
	size_t q = n / P, extra = n % P;

	*count = q + (r < extra);
	*first = r * q + (r < extra ? r : extra);
	dist_set_active((int)(n < P ? n : P));
}

static size_t
records(const kvae_data *d, const size_t *idx, size_t n)
{
	size_t N = 0;

	for (size_t i = 0; i < n; i++)
		N += d->T[idx[i]];
	return N;
}

/* The loss and the reported sums of the whole batch: every rank's
 * share added up. */
static void
sum_over_ranks(double *loss, kvae_terms *t)
{
	double v[7] = { *loss, t->nll, t->prior, t->loglik, t->sq_err,
	    (double)t->records, (double)t->observed };

	if (dist_size() == 1)
		return;
	dist_sum_doubles(v, 7);
	*loss = v[0];
	t->nll = v[1], t->prior = v[2], t->loglik = v[3], t->sq_err = v[4];
	t->records = (size_t)v[5], t->observed = (size_t)v[6];
}

static void
terms_add(kvae_terms *sum, const kvae_terms *t)
{
	sum->nll += t->nll;
	sum->prior += t->prior;
	sum->loglik += t->loglik;
	sum->sq_err += t->sq_err;
	sum->records += t->records;
	sum->observed += t->observed;
}

/* The objective on sequences idx[0..n) of d with fresh noise: this
 * rank's share of the gradient (zeroed first), the whole batch's loss
 * and terms (t +=). Every rank draws the whole batch's noise, so the
 * generators stay in step and each record gets the noise it would get
 * on one process; a rank takes its records' part of each sample. */
static int
batch_loss(kvae *k, const kvae_data *d, batcher *b, const size_t *idx,
	size_t n, const kvae_loss_opts *lo, gsl_rng *rng, double *loss,
	kvae_terms *t, kv_err *err)
{
	size_t K = (size_t)lo->samples, L = k->L, N = records(d, idx, n);
	size_t first, count;
	kvae_loss_opts share = *lo;
	kvae_terms mine = { 0 };

	for (size_t i = 0; i < K * N * L; i++)
		b->noise[i] = (float)gsl_ran_gaussian(rng, 1.0);
	batch_share(n, &first, &count);
	kvae_zero_grad(k);
	*loss = 0;
	if (count > 0) {
		size_t before = records(d, idx, first);
		size_t M = gather(d, idx + first, count, b->y, b->target, b->T);
		const float *target = d->target && b->target ? b->target : b->y;
		for (size_t s = 0; s < K; s++)
			memcpy(b->eps + s * M * L, b->noise + (s * N + before) * L,
			    M * L * sizeof *b->eps);
		share.batch_records = N;
		if (kvae_loss_target(k, b->y, target, b->T, count, b->eps,
		    &share, loss, &mine, err))
			return -1;
	}
	sum_over_ranks(loss, &mine);
	terms_add(t, &mine);
	if (!isfinite(*loss))
		return kv_errf(err, "the objective became %g (diverged: lower "
		    "--lr or set --clip)", *loss);
	return 0;
}

/* Every rank's gradient summed, then the same Adam step on each. A
 * batch of fewer sequences than ranks left some idle: their batch-norm
 * running statistics missed its update, and take rank 0's. */
static int
fit_step(kvae *k, adam *a, double lr, size_t n, kv_err *err)
{
	nnparams *p = &k->v.p;

	if (dist_size() == 1)
		return kvae_step(k, a, lr, err);
	kvae_gather(k);
	dist_sum_floats(k->dtheta, k->ntrain);
	if (n < (size_t)dist_size())
		dist_broadcast_floats(p->data + p->n_trainable,
		    p->total - p->n_trainable);
	return kvae_step_gathered(k, a, lr, err);
}

/* A signal caught by any rank stops them all at the same step. */
static int
stop_asked(volatile sig_atomic_t *stop)
{
	return stop != NULL && dist_max_int(*stop != 0);
}

int
kvae_fit_epoch(kvae *k, adam *a, gsl_rng *rng, const kvae_data *train,
	const kvae_data *val, const kvae_fit_opts *o, int epoch,
	volatile sig_atomic_t *stop, kvae_epoch *out, kv_err *err)
{
	kvae_loss_opts lo = { .dynamics = o->dynamics &&
	    epoch >= o->vae_epochs, .w_rec = o->w_rec,
	    .beta = kvae_fit_beta(o, epoch), .samples = o->samples };
	size_t B = (size_t)o->batch;
	batcher b;
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->joint = lo.dynamics;
	out->beta = lo.beta;
	out->lr = adam_lr(a, epoch);
	nn_batchnorm_set_sum(dist_size() > 1 ? dist_sum_active : NULL);
	if (batcher_init(&b, train, val, k, o->batch, o->samples, err))
		goto out;
	identity(b.idx, train->nseq);
	gsl_ran_shuffle(rng, b.idx, train->nseq, sizeof *b.idx);
	vae_set_training(&k->v, 1);
	for (size_t s = 0; s < train->nseq; s += B) {
		size_t n = train->nseq - s < B ? train->nseq - s : B;
		double loss;
		if (stop_asked(stop)) {
			rc = 1;
			goto out;
		}
		if (batch_loss(k, train, &b, b.idx + s, n, &lo, rng, &loss,
		    &out->train, err) || fit_step(k, a, out->lr, n, err))
			goto out;
	}
	vae_set_training(&k->v, 0);
	identity(b.idx, val->nseq);
	for (size_t s = 0; s < val->nseq; s += B) {
		size_t n = val->nseq - s < B ? val->nseq - s : B;
		double loss;
		if (batch_loss(k, val, &b, b.idx + s, n, &lo, rng, &loss,
		    &out->val, err))
			goto out;
	}
	kvae_zero_grad(k);
	rc = 0;
out:
	vae_set_training(&k->v, 0);
	batcher_free(&b);
	return rc;
}

/* ---- snapshots and checkpoints ------------------------------------------ */

int
kvae_snapshot_take(kvae_snapshot *s, kvae *k, const adam *a,
	const gsl_rng *rng, kv_err *err)
{
	size_t nbuf = k->v.p.total - k->v.p.n_trainable;

	if (s->theta == NULL) {
		s->theta = malloc(k->ntrain * sizeof *s->theta);
		s->buffers = malloc((nbuf + 1) * sizeof *s->buffers);
		s->m = malloc(a->n * sizeof *s->m);
		s->v = malloc(a->n * sizeof *s->v);
		s->rng = gsl_rng_clone(rng);
		if (s->theta == NULL || s->m == NULL || s->v == NULL ||
		    s->rng == NULL || s->buffers == NULL)
			return kv_errf(err, "out of memory");
	}
	kvae_gather(k);
	memcpy(s->theta, k->theta, k->ntrain * sizeof *s->theta);
	memcpy(s->buffers, k->v.p.data + k->v.p.n_trainable,
	    nbuf * sizeof *s->buffers);
	memcpy(s->m, a->m, a->n * sizeof *s->m);
	memcpy(s->v, a->v, a->n * sizeof *s->v);
	s->step = a->step;
	gsl_rng_memcpy(s->rng, rng);
	return 0;
}

void
kvae_snapshot_restore(const kvae_snapshot *s, kvae *k, adam *a,
	gsl_rng *rng)
{
	memcpy(k->theta, s->theta, k->ntrain * sizeof *s->theta);
	memcpy(k->v.p.data + k->v.p.n_trainable, s->buffers,
	    (k->v.p.total - k->v.p.n_trainable) * sizeof *s->buffers);
	kvae_scatter(k);
	kvae_sync(k, NULL);
	memcpy(a->m, s->m, a->n * sizeof *s->m);
	memcpy(a->v, s->v, a->n * sizeof *s->v);
	a->step = s->step;
	gsl_rng_memcpy(rng, s->rng);
}

void
kvae_snapshot_free(kvae_snapshot *s)
{
	free(s->theta);
	free(s->buffers);
	free(s->m);
	free(s->v);
	if (s->rng != NULL)
		gsl_rng_free(s->rng);
	memset(s, 0, sizeof *s);
}

int
kvae_ckpt_save(kvae *k, const adam *a, const gsl_rng *rng, int next_epoch,
	const char *path, kv_err *err)
{
	st_writer *w = st_writer_new(err);
	char meta[64];
	int rc;

	if (w == NULL)
		return -1;
	snprintf(meta, sizeof meta, "{\"next_epoch\":%d}", next_epoch);
	rc = kvae_write(k, w, err) || ckpt_write_adam(w, a, err) ||
	    ckpt_write_rng(w, "rng", rng, err) ||
	    st_writer_meta(w, "train", meta, err) ||
	    st_writer_save(w, path, err) ? -1 : 0;
	st_writer_free(w);
	return rc;
}

static int
read_epoch(const st_file *f, int *next_epoch, kv_err *err)
{
	const char *text = st_meta(f, "train");
	json_t *m = text != NULL ? json_loads(text, 0, NULL) : NULL;
	json_t *e = json_object_get(m, "next_epoch");
	int ok = json_is_integer(e) && json_integer_value(e) >= 0 &&
	    json_integer_value(e) < 1000000000;

	if (ok)
		*next_epoch = (int)json_integer_value(e);
	json_decref(m);
	return ok ? 0 : kv_errf(err, "%s: no \"train\" metadata with "
	    "\"next_epoch\": not a kvae-train checkpoint", f->path);
}

int
kvae_ckpt_load(kvae *k, adam *a, gsl_rng *rng, int *next_epoch,
	const char *path, kv_err *err)
{
	st_file *f = st_read(path, err);
	int rc = -1;

	memset(k, 0, sizeof *k);
	if (f == NULL)
		return -1;
	if (read_epoch(f, next_epoch, err) == 0 && kvae_from_file(k, f, err) == 0) {
		if (adam_init(a, k->ntrain, err) == 0 &&
		    ckpt_read_adam(a, f, err) == 0 &&
		    ckpt_read_rng(rng, f, "rng", err) == 0)
			rc = 0;
	}
	st_free(f);
	return rc;
}
