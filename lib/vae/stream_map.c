/* stream_map.c: vae-encode / vae-decode's record loop. */
#include "vae/stream_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "stream/seq.h"

static void
free_names(char **names, int n)
{
	for (int i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

/* Column names z1..zL for latent CSV output (NULL for data output). */
static char **
latent_names(int L)
{
	char **names = calloc((size_t)L + 1, sizeof *names);

	for (int i = 0; names != NULL && i < L; i++) {
		names[i] = malloc(16);
		if (names[i] == NULL) {
			free_names(names, i);
			return NULL;
		}
		snprintf(names[i], 16, "z%d", i + 1);
	}
	return names;
}

struct mapper {
	vae *v;
	const vae_stream_opts *o;
	size_t in_dim, out_dim;
	float *fin, *fmean, *flv;	/* one record each way */
	double *x, *var, *y, *yvar;
};

/* One record: x (in_dim) -> y, yvar (out_dim). */
static int
map_record(struct mapper *m, kv_err *err)
{
	vae *v = m->v;
	size_t nmiss = 0;

	for (size_t i = 0; i < m->in_dim; i++)
		nmiss += isnan(m->x[i]) != 0;
	if (m->o->direction == VAE_ENCODE ? nmiss == m->in_dim : nmiss > 0) {
		for (size_t i = 0; i < m->out_dim; i++)
			m->y[i] = m->yvar[i] = NAN;
		return 0;
	}
	if (m->o->direction == VAE_ENCODE) {
		vae_normalise(v, m->x);
		for (size_t i = 0; i < m->in_dim; i++)
			m->fin[i] = (float)m->x[i];
		if (vae_encode(v, m->fmean, m->flv, m->fin, 1, err))
			return -1;
		for (size_t i = 0; i < m->out_dim; i++) {
			m->y[i] = m->fmean[i];
			m->yvar[i] = exp((double)m->flv[i]);
		}
		return 0;
	}
	for (size_t i = 0; i < m->in_dim; i++)
		m->fin[i] = (float)m->x[i];
	if (vae_decode(v, m->fmean, m->fin, 1, err))
		return -1;
	for (size_t i = 0; i < m->out_dim; i++) {
		m->y[i] = m->fmean[i];
		m->yvar[i] = exp((double)nnparams_data(&v->p, v->out_lv)[i]);
	}
	vae_denormalise(v, m->y);
	vae_denormalise_var(v, m->yvar);
	return 0;
}

static int
map_loop(struct mapper *m, seq_reader *r, seq_writer *w, kv_err *err)
{
	char place[256];
	int rc;

	while ((rc = seq_read(r, m->x, m->var, err)) > 0) {
		if (rc == SEQ_BREAK) {
			if (seq_write_break(w, err))
				return -1;
			continue;
		}
		if (map_record(m, err))
			return kv_err_prefix(err, "%s", seq_reader_place(r, place,
			    sizeof place));
		if (seq_write(w, m->y, m->yvar, err))
			return -1;
	}
	return rc;
}

int
vae_stream_map(vae *v, const char *inpath, FILE *out, const char *outname,
	const vae_stream_opts *o, kv_err *err)
{
	int enc = o->direction == VAE_ENCODE;
	struct mapper m = { .v = v, .o = o };
	size_t want = enc ? (size_t)v->cfg.input_dim : (size_t)v->cfg.latent_dim;
	size_t big = (size_t)(v->cfg.input_dim > v->cfg.latent_dim ?
	    v->cfg.input_dim : v->cfg.latent_dim);
	seq_reader *r = seq_reader_open(inpath, err);
	seq_writer *w = NULL;
	seq_layout l;
	char **names = NULL;
	int rc = -1;

	if (r == NULL)
		return -1;
	l = seq_layout_output(seq_reader_layout(r), o->format, o->scalar);
	m.in_dim = l.dim;
	if (l.dim != want) {
		kv_errf(err, "%s: records have %zu values, but %s %s %zu (the "
		    "model's %s)", infile_name(inpath), l.dim, o->model_name,
		    enc ? "encodes records of" : "decodes latent records of", want,
		    enc ? "input_dim" : "latent_dim");
		goto out;
	}
	m.out_dim = enc ? (size_t)v->cfg.latent_dim : (size_t)v->cfg.input_dim;
	m.fin = malloc(big * sizeof(float));
	m.fmean = malloc(big * sizeof(float));
	m.flv = malloc(big * sizeof(float));
	m.x = malloc(big * sizeof(double));
	m.var = malloc(big * sizeof(double));
	m.y = malloc(big * sizeof(double));
	m.yvar = malloc(big * sizeof(double));
	if (!m.fin || !m.fmean || !m.flv || !m.x || !m.var || !m.y || !m.yvar) {
		kv_errf(err, "out of memory");
		goto out;
	}
	l.dim = m.out_dim;
	l.has_var = o->variances;
	l.names = enc ? (names = latent_names(v->cfg.latent_dim)) : NULL;
	if (enc && names == NULL) {
		kv_errf(err, "out of memory");
		goto out;
	}
	w = seq_writer_open(out, outname, &l, err);
	if (w == NULL)
		goto out;
	seq_reader_flush_on_wait(r, out);
	rc = map_loop(&m, r, w, err);
	if (seq_writer_close(w, rc == 0 ? err : NULL) != 0)
		rc = -1;
out:
	free_names(names, v->cfg.latent_dim);
	free(m.fin), free(m.fmean), free(m.flv);
	free(m.x), free(m.var), free(m.y), free(m.yvar);
	seq_reader_close(r);
	return rc;
}

int
vae_stream_run(const char *model, const char *inpath, const char *outpath,
	vae_stream_opts *o, kv_err *err)
{
	vae v;
	outfile *out;
	int rc;

	if (vae_load(&v, model, err))
		return -1;
	o->model_name = model;
	out = outfile_open(outpath, err);
	if (out == NULL) {
		vae_free(&v);
		return -1;
	}
	rc = vae_stream_map(&v, inpath, outfile_stream(out), outfile_name(out), o,
	    err);
	if (rc == 0)
		rc = outfile_commit(out, err);
	else
		outfile_abort(out);
	vae_free(&v);
	return rc;
}
