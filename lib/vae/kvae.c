/* kvae.c: the Kalman VAE's parameters, objective and model files. */
#include "vae/kvae.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
kvae_init(kvae *k, const vae_config *cfg, size_t n, kv_err *err)
{
	size_t L = (size_t)cfg->latent_dim;
	nnparams *p = &k->lp;

	memset(k, 0, sizeof *k);
	if (n < 1)
		return kv_errf(err, "state dimension must be positive");
	if (vae_init(&k->v, cfg, err))
		return -1;
	k->n = n;
	k->L = L;
	if ((k->iA = nnparams_add(p, "lgssm.A", 1, err, 2, n, n)) < 0 ||
	    (k->iC = nnparams_add(p, "lgssm.C", 1, err, 2, L, n)) < 0 ||
	    (k->imu0 = nnparams_add(p, "lgssm.mu0", 1, err, 1, n)) < 0 ||
	    (k->isQ = nnparams_add(p, "lgssm.Q_log_std", 1, err, 1, n)) < 0 ||
	    (k->isR = nnparams_add(p, "lgssm.R_log_std", 1, err, 1, L)) < 0 ||
	    (k->isP0 = nnparams_add(p, "lgssm.P0_log_std", 1, err, 1, n)) < 0 ||
	    (k->iQ = nnparams_add(p, "lgssm.Q", 0, err, 2, n, n)) < 0 ||
	    (k->iR = nnparams_add(p, "lgssm.R", 0, err, 2, L, L)) < 0 ||
	    (k->iP0 = nnparams_add(p, "lgssm.P0", 0, err, 2, n, n)) < 0 ||
	    nnparams_alloc(p, err) || lgssm_alloc(&k->m, n, L, err) ||
	    lgssm_alloc(&k->g, n, L, err) ||
	    lgssm_stats_init(&k->st, n, L, err))
		goto fail;
	k->ntrain = k->v.p.n_trainable + p->n_trainable;
	k->theta = malloc(k->ntrain * sizeof *k->theta);
	k->dtheta = malloc(k->ntrain * sizeof *k->dtheta);
	if (k->theta == NULL || k->dtheta == NULL) {
		kv_errf(err, "out of memory");
		goto fail;
	}
	/* log std 0 keeps the zero model valid until something is loaded */
	return kvae_sync(k, err);
fail:
	kvae_free(k);
	return -1;
}

void
kvae_free(kvae *k)
{
	vae_free(&k->v);
	nnparams_free(&k->lp);
	lgssm_free(&k->m);
	lgssm_free(&k->g);
	lgssm_stats_free(&k->st);
	free(k->theta);
	free(k->dtheta);
	free(k->buf);
	free(k->xd);
	free(k->gx);
	memset(k, 0, sizeof *k);
}

#define LD(i) nnparams_data(&k->lp, (i))
#define LG(i) nnparams_grad(&k->lp, (i))

void
kvae_init_random(kvae *k, gsl_rng *rng)
{
	size_t n = k->n;
	float *A = LD(k->iA);

	vae_init_random(&k->v, rng);
	nnparams_uniform(&k->lp, k->iA, 0.05, rng);
	for (size_t i = 0; i < n; i++)
		A[i * n + i] += 1.0f;
	nnparams_uniform(&k->lp, k->iC, 1.0 / sqrt((double)n), rng);
	nnparams_fill(&k->lp, k->imu0, 0.0f);
	nnparams_fill(&k->lp, k->isQ, (float)log(0.1));
	nnparams_fill(&k->lp, k->isR, (float)log(0.3));
	nnparams_fill(&k->lp, k->isP0, 0.0f);
	kvae_sync(k, NULL);
}

/* Full diagonal covariance, float and double, from log standard
 * deviations s (d). */
static void
diag_cov(float *full, double *m, const float *s, size_t d)
{
	memset(full, 0, d * d * sizeof *full);
	memset(m, 0, d * d * sizeof *m);
	for (size_t i = 0; i < d; i++) {
		double var = exp(2.0 * s[i]);
		full[i * d + i] = (float)var;
		m[i * d + i] = var;
	}
}

int
kvae_sync(kvae *k, kv_err *err)
{
	size_t n = k->n, L = k->L;
	const float *A = LD(k->iA), *C = LD(k->iC), *mu0 = LD(k->imu0);

	for (size_t i = 0; i < k->lp.n_trainable; i++)
		if (!isfinite(k->lp.data[i]))
			return kv_errf(err, "LGSSM parameter %zu is not finite", i);
	for (size_t i = 0; i < n * n; i++)
		k->m.A[i] = A[i];
	for (size_t i = 0; i < L * n; i++)
		k->m.C[i] = C[i];
	for (size_t i = 0; i < n; i++)
		k->m.mu0[i] = mu0[i];
	diag_cov(LD(k->iQ), k->m.Q, LD(k->isQ), n);
	diag_cov(LD(k->iR), k->m.R, LD(k->isR), L);
	diag_cov(LD(k->iP0), k->m.P0, LD(k->isP0), n);
	return 0;
}

void
kvae_zero_grad(kvae *k)
{
	nnparams_zero_grad(&k->v.p);
	nnparams_zero_grad(&k->lp);
}

void
kvae_gather(kvae *k)
{
	size_t nv = k->v.p.n_trainable;

	memcpy(k->theta, k->v.p.data, nv * sizeof *k->theta);
	memcpy(k->theta + nv, k->lp.data, k->lp.n_trainable * sizeof *k->theta);
	memcpy(k->dtheta, k->v.p.grad, nv * sizeof *k->theta);
	memcpy(k->dtheta + nv, k->lp.grad,
	    k->lp.n_trainable * sizeof *k->theta);
}

void
kvae_scatter(kvae *k)
{
	size_t nv = k->v.p.n_trainable;

	memcpy(k->v.p.data, k->theta, nv * sizeof *k->theta);
	memcpy(k->lp.data, k->theta + nv, k->lp.n_trainable * sizeof *k->theta);
}

int
kvae_step(kvae *k, adam *a, double lr, kv_err *err)
{
	if (a->n != k->ntrain)
		return kv_errf(err, "optimiser has %zu parameters, model %zu",
		    a->n, k->ntrain);
	kvae_gather(k);
	return kvae_step_gathered(k, a, lr, err);
}

int
kvae_step_gathered(kvae *k, adam *a, double lr, kv_err *err)
{
	if (a->n != k->ntrain)
		return kv_errf(err, "optimiser has %zu parameters, model %zu",
		    a->n, k->ntrain);
	adam_step(a, k->theta, k->dtheta, lr);
	kvae_scatter(k);
	return kvae_sync(k, err);
}

/* ---- the objective ------------------------------------------------------ */

static int
grow(kvae *k, size_t N, kv_err *err)
{
	size_t nl = N * k->L, nd = N * (size_t)k->v.cfg.input_dim;

	if (N <= k->cap)
		return 0;
	free(k->buf);
	free(k->xd);
	free(k->gx);
	k->buf = malloc((6 * nl + 2 * nd) * sizeof *k->buf);
	k->xd = malloc(nl * sizeof *k->xd);
	k->gx = malloc(nl * sizeof *k->gx);
	k->cap = 0;
	if (k->buf == NULL || k->xd == NULL || k->gx == NULL)
		return kv_errf(err, "out of memory");
	k->cap = N;
	return 0;
}

/* log p_gamma of each sequence of x (N, L) summed; the statistics go
 * into k->st and d/dx into dx (N, L) scaled by `scale`. */
static int
lgssm_term(kvae *k, const float *x, const size_t *T, size_t nseq,
	float *dx, double scale, double *loglik, kv_err *err)
{
	size_t L = k->L, off = 0;
	double before = k->st.loglik;

	for (size_t s = 0; s < nseq; s++) {
		double *xs = k->xd + off * L, *gs = k->gx + off * L;
		for (size_t i = 0; i < T[s] * L; i++) {
			xs[i] = x[off * L + i];
			gs[i] = 0;
		}
		if (lgssm_stats_add(&k->st, &k->m, xs, T[s], gs, err))
			return kv_err_prefix(err, "LGSSM of sequence %zu", s + 1);
		for (size_t i = 0; i < T[s] * L; i++)
			dx[off * L + i] += (float)(scale * gs[i]);
		off += T[s];
	}
	*loglik = k->st.loglik - before;
	return 0;
}

/* scale times the gradient of log p_gamma with respect to the LGSSM's
 * trainables, from the statistics in k->st. */
static int
lgssm_param_grad(kvae *k, double scale, kv_err *err)
{
	size_t n = k->n, L = k->L;
	lgssm *g = &k->g;
	float *dA = LG(k->iA), *dC = LG(k->iC), *dmu0 = LG(k->imu0);
	float *dsQ = LG(k->isQ), *dsR = LG(k->isR), *dsP0 = LG(k->isP0);

	for (int p = 0; p < LGSSM_NPARAM; p++) {
		size_t r, c;
		double *d = lgssm_param(g, p, &r, &c);
		memset(d, 0, r * c * sizeof *d);
	}
	if (lgssm_stats_grad(&k->st, &k->m, g, err))
		return -1;
	for (size_t i = 0; i < n * n; i++)
		dA[i] += (float)(scale * g->A[i]);
	for (size_t i = 0; i < L * n; i++)
		dC[i] += (float)(scale * g->C[i]);
	/* d var / d log std = 2 var */
	for (size_t i = 0; i < n; i++) {
		dmu0[i] += (float)(scale * g->mu0[i]);
		dsQ[i] += (float)(scale * g->Q[i * n + i] * 2 * k->m.Q[i * n + i]);
		dsP0[i] += (float)(scale * g->P0[i * n + i] * 2 *
		    k->m.P0[i * n + i]);
	}
	for (size_t i = 0; i < L; i++)
		dsR[i] += (float)(scale * g->R[i * L + i] * 2 * k->m.R[i * L + i]);
	return 0;
}

static double
sq_err(const float *y, const float *ymean, size_t n, size_t *observed)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i])) {
			s += (y[i] - ymean[i]) * (double)(y[i] - ymean[i]);
			(*observed)++;
		}
	return s;
}

int
kvae_loss(kvae *k, const float *y, const size_t *T, size_t nseq,
	const float *eps, const kvae_loss_opts *o, double *loss,
	kvae_terms *terms, kv_err *err)
{
	return kvae_loss_target(k, y, y, T, nseq, eps, o, loss, terms, err);
}

int
kvae_loss_target(kvae *k, const float *y, const float *target,
	const size_t *T, size_t nseq, const float *eps,
	const kvae_loss_opts *o, double *loss, kvae_terms *terms,
	kv_err *err)
{
	vae *v = &k->v;
	size_t N = 0, L = k->L, D = (size_t)v->cfg.input_dim, nl, nd, NB;
	int K = o->samples;
	float *mean, *lv, *x, *dmean, *dlv, *dx, *ymean, *dymean;
	float *olv = nnparams_data(&v->p, v->out_lv);
	float *dolv = nnparams_grad(&v->p, v->out_lv);
	double nll = 0, prior = 0, loglik = 0, se = 0, scale;
	size_t observed = 0;

	for (size_t s = 0; s < nseq; s++)
		N += T[s];
	if (N == 0 || K < 1)
		return kv_errf(err, "empty batch");
	if (grow(k, N, err))
		return -1;
	nl = N * L;
	nd = N * D;
	mean = k->buf;
	lv = mean + nl;
	x = lv + nl;
	dmean = x + nl;
	dlv = dmean + nl;
	dx = dlv + nl;
	ymean = dx + nl;
	dymean = ymean + nd;
	memset(dmean, 0, 2 * nl * sizeof *dmean);
	NB = o->batch_records > 0 ? o->batch_records : N;
	scale = 1.0 / ((double)NB * K);
	if (vae_encode(v, mean, lv, y, (int)N, err))
		return -1;
	lgssm_stats_clear(&k->st);
	for (int s = 0; s < K; s++) {
		const float *e = eps + (size_t)s * nl;
		size_t obs = 0;
		for (size_t i = 0; i < nl; i++)
			x[i] = mean[i] + expf(lv[i] / 2) * e[i];
		if (vae_decode(v, ymean, x, (int)N, err))
			return -1;
		memset(dymean, 0, nd * sizeof *dymean);
		memset(dx, 0, nl * sizeof *dx);
		nll += vae_nll(dymean, dolv, target, ymean, olv, (int)N,
		    (int)D, o->w_rec * scale, &obs);
		se += sq_err(target, ymean, nd, &observed);
		if (vae_decoder_backward(v, dx, dymean, err))
			return -1;
		if (o->dynamics) {
			double ll = 0;
			prior -= vae_neg_log_q(dlv, lv, e, nl, -o->beta * scale);
			if (lgssm_term(k, x, T, nseq, dx, -o->beta * scale, &ll,
			    err))
				return -1;
			prior -= ll;
			loglik += ll;
		}
		vae_sample_backward(dmean, dlv, dx, e, lv, nl);
	}
	nll /= K;
	se /= K;
	observed /= (size_t)K;
	loglik /= K;
	if (o->dynamics) {
		prior /= K;
		if (lgssm_param_grad(k, -o->beta * scale, err))
			return -1;
	} else
		prior = vae_kl(dmean, dlv, mean, lv, nl, o->beta / (double)NB);
	if (vae_encoder_backward(v, dmean, dlv, err))
		return -1;
	*loss = (o->w_rec * nll + o->beta * prior) / (double)NB;
	if (terms != NULL) {
		terms->nll += nll;
		terms->prior += prior;
		terms->loglik += loglik;
		terms->sq_err += se;
		terms->records += N;
		terms->observed += observed;
	}
	return 0;
}

/* ---- model files -------------------------------------------------------- */

int
kvae_write(kvae *k, st_writer *w, kv_err *err)
{
	char meta[128];

	if (kvae_sync(k, err) || vae_write(&k->v, w, err) ||
	    nnparams_write(&k->lp, w, err))
		return -1;
	snprintf(meta, sizeof meta, "{\"state_dim\":%zu,\"obs_dim\":%zu,"
	    "\"noise\":\"diagonal, log std\"}", k->n, k->L);
	return st_writer_meta(w, KVAE_META_KEY, meta, err);
}

int
kvae_save(kvae *k, const char *path, kv_err *err)
{
	st_writer *w = st_writer_new(err);
	int rc;

	if (w == NULL)
		return -1;
	rc = kvae_write(k, w, err) || st_writer_save(w, path, err) ? -1 : 0;
	st_writer_free(w);
	return rc;
}

int
kvae_from_file(kvae *k, const st_file *f, kv_err *err)
{
	const char *text = st_meta(f, KVAE_META_KEY);
	json_t *m, *sd;
	const st_tensor *A;
	vae tmp;
	size_t n;

	memset(k, 0, sizeof *k);
	if (text == NULL)
		return kv_errf(err, "%s: no \"%s\" entry in __metadata__ (a VAE "
		    "without dynamics, not a KVAE model)", f->path, KVAE_META_KEY);
	m = json_loads(text, 0, NULL);
	sd = json_object_get(m, "state_dim");
	if (!json_is_integer(sd) || json_integer_value(sd) < 1) {
		json_decref(m);
		return kv_errf(err, "%s: metadata \"%s\": needs a positive "
		    "\"state_dim\"", f->path, KVAE_META_KEY);
	}
	n = (size_t)json_integer_value(sd);
	json_decref(m);
	/* the file must hold the n x n transition the metadata claims
	 * before n sizes any allocation */
	if ((A = st_find(f, "lgssm.A")) == NULL || A->ndim != 2 ||
	    A->shape[0] != n || A->shape[1] != n)
		return kv_errf(err, "%s: tensor \"lgssm.A\" is missing or not "
		    "%zux%zu (state_dim in metadata \"%s\")", f->path, n, n,
		    KVAE_META_KEY);
	if (vae_from_file(&tmp, f, err))
		return -1;
	if (kvae_init(k, &tmp.cfg, n, err)) {
		vae_free(&tmp);
		return kv_err_prefix(err, "%s", f->path);
	}
	/* keep the loaded VAE, drop the fresh one */
	vae_free(&k->v);
	k->v = tmp;
	if (nnparams_read(&k->lp, f, "lgssm.", err) || kvae_sync(k, err)) {
		kvae_free(k);
		return -1;
	}
	if (lgssm_validate(&k->m, err)) {
		kvae_free(k);
		return kv_err_prefix(err, "%s", f->path);
	}
	return 0;
}
