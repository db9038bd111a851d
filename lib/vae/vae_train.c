/* vae_train.c: VAE-only training loop. */
#include "vae/vae_train.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
vae_fit_normalisation(vae *v, const double *data, size_t N, kv_err *err)
{
	int D = v->cfg.input_dim;

	(void)err;
	for (int d = 0; d < D; d++) {
		double s = 0, ss = 0;
		size_t n = 0;
		for (size_t i = 0; i < N; i++) {
			double x = data[i * D + d];
			if (isnan(x))
				continue;
			s += x;
			n++;
		}
		v->norm_mean[d] = n ? s / n : 0.0;
		for (size_t i = 0; i < N; i++) {
			double x = data[i * D + d];
			if (!isnan(x))
				ss += (x - v->norm_mean[d]) * (x - v->norm_mean[d]);
		}
		v->norm_std[d] = n > 1 && ss > 0 ? sqrt(ss / (n - 1)) : 1.0;
	}
	return 0;
}

/* Indices of the records with at least one observed value. */
static size_t *
usable_records(const double *data, size_t N, int D, size_t *n)
{
	size_t *idx = malloc((N + 1) * sizeof *idx);

	*n = 0;
	for (size_t i = 0; idx != NULL && i < N; i++)
		for (int d = 0; d < D; d++)
			if (!isnan(data[i * D + d])) {
				idx[(*n)++] = i;
				break;
			}
	return idx;
}

int
vae_fit(vae *v, adam *a, gsl_rng *rng, const double *data, size_t N,
	const vae_fit_opts *o, double *loss, kv_err *err)
{
	int D = v->cfg.input_dim;
	size_t n, *usable = usable_records(data, N, D, &n);
	size_t *idx = malloc((N + 1) * sizeof *idx);
	float *batch = malloc((size_t)o->batch * D * sizeof *batch);
	double *row = malloc((size_t)D * sizeof *row);
	int rc = -1;

	if (usable == NULL || idx == NULL || batch == NULL || row == NULL) {
		kv_errf(err, "out of memory");
		goto out;
	}
	if (n == 0) {
		kv_errf(err, "no records with observed values to train on");
		goto out;
	}
	for (int e = o->first_epoch; e < o->epochs; e++) {
		double sum = 0, lr = adam_lr(a, e);
		/* Each epoch's order depends on rng alone (not on the last
		 * epoch's), so a resumed run sees the same orders. */
		memcpy(idx, usable, n * sizeof *idx);
		gsl_ran_shuffle(rng, idx, n, sizeof *idx);
		for (size_t s = 0; s < n; s += (size_t)o->batch) {
			int B = (int)(n - s < (size_t)o->batch ? n - s : (size_t)o->batch);
			double l;
			for (int b = 0; b < B; b++) {
				memcpy(row, data + idx[s + b] * D, D * sizeof *row);
				vae_normalise(v, row);
				for (int d = 0; d < D; d++)
					batch[b * D + d] = (float)row[d];
			}
			nnparams_zero_grad(&v->p);
			if (vae_loss(v, batch, B, o->w_rec, o->beta, rng, &l, NULL, err))
				goto out;
			adam_step(a, v->p.data, v->p.grad, lr);
			sum += l * B;
		}
		*loss = sum / n;
		if (o->on_epoch != NULL) {
			int stop = o->on_epoch(o->ctx, e, *loss, err);
			if (stop != 0) {
				rc = stop;
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(usable);
	free(idx);
	free(batch);
	free(row);
	return rc;
}
