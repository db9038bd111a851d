/* frame_map.c: vae-encode and vae-decode for image models. */
#include "vae/frame_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "media/frame_sink.h"
#include "media/frame_source.h"
#include "media/pattern.h"
#include "stream/seq.h"

/* ---- encoding ------------------------------------------------------------ */

/* Encode n frames of buf and write their records. */
static int
encode_batch(vae *v, const float *buf, int n, float *mean, float *lv,
	seq_writer *w, kv_err *err)
{
	int L = v->cfg.latent_dim;
	double x[2 * 4096];

	if (vae_encode(v, mean, lv, buf, n, err))
		return -1;
	for (int b = 0; b < n; b++) {
		for (int i = 0; i < L; i++) {
			x[i] = mean[(size_t)b * L + i];
			x[L + i] = exp((double)lv[(size_t)b * L + i]);
		}
		if (seq_write(w, x, x + L, err))
			return -1;
	}
	return 0;
}

/* Frames of s through the encoder, a batch at a time, to w. */
static int
encode_loop(vae *v, frame_source *s, seq_writer *w, kv_err *err)
{
	size_t D = (size_t)v->cfg.input_dim, L = (size_t)v->cfg.latent_dim;
	float *buf = malloc(VAE_FRAME_BATCH * D * sizeof *buf);
	float *mean = malloc(VAE_FRAME_BATCH * L * sizeof *mean);
	float *lv = malloc(VAE_FRAME_BATCH * L * sizeof *lv);
	int n = 0, rc = -1, got;

	if (buf == NULL || mean == NULL || lv == NULL) {
		kv_errf(err, "out of memory");
		goto out;
	}
	while ((got = frame_source_read(s, buf + (size_t)n * D, err)) == 1)
		if (++n == VAE_FRAME_BATCH) {
			if (encode_batch(v, buf, n, mean, lv, w, err))
				goto out;
			n = 0;
		}
	if (got == 0 && (n == 0 || encode_batch(v, buf, n, mean, lv, w, err) == 0))
		rc = 0;
out:
	free(buf);
	free(mean);
	free(lv);
	return rc;
}

int
vae_frames_encode(vae *v, const char *path, kv_input *in, FILE *out,
	const char *outname, const vae_frames_opts *o, kv_err *err)
{
	const convnet_config *c = &v->cfg.conv;
	int L = v->cfg.latent_dim;
	seq_layout l = { .dim = (size_t)L, .has_var = o->variances,
	    .format = o->format ? o->format : SEQ_CSV,
	    .scalar = o->scalar ? o->scalar : SEQ_F32 };
	frame_source *s;
	seq_writer *w;
	int rc;

	if (L > 4096)
		return kv_errf(err, "%s: a latent dimension above 4096",
		    o->model_name);
	s = frame_source_open(path, in, c->size, c->size, c->channels, err);
	if (s == NULL)
		return -1;
	if ((l.names = vae_latent_names(L)) == NULL) {
		frame_source_close(s);
		return kv_errf(err, "out of memory");
	}
	vae_set_training(v, 0);
	w = seq_writer_open(out, outname, &l, err);
	rc = w == NULL ? -1 : encode_loop(v, s, w, err);
	if (w != NULL && seq_writer_close(w, rc == 0 ? err : NULL) != 0)
		rc = -1;
	if (rc == 0 && frame_source_count(s) == 0)
		rc = kv_errf(err, "%s: no frames", frame_source_name(s));
	vae_names_free(l.names, L);
	frame_source_close(s);
	return rc;
}

/* ---- decoding ------------------------------------------------------------ */

int
vae_frames_per_sequence(const char *outpath)
{
	const char *end;

	return !pattern_is_image_name(outpath) &&
	    pattern_find(outpath, &end) != NULL;
}

/* Sinks open so far: all are committed together at the end, so that a
 * failure in a later sequence leaves no earlier file behind. */
typedef struct sinks {
	frame_sink **s;
	int n, cap;
} sinks;

static void
sinks_abort(sinks *k)
{
	for (int i = 0; i < k->n; i++)
		frame_sink_abort(k->s[i]);
	free(k->s);
	memset(k, 0, sizeof *k);
}

static int
sinks_close(sinks *k, kv_err *err)
{
	int rc = 0;

	for (int i = 0; i < k->n; i++) {
		if (rc == 0)
			rc = frame_sink_close(k->s[i], err);
		else
			frame_sink_abort(k->s[i]);
	}
	free(k->s);
	memset(k, 0, sizeof *k);
	return rc;
}

/* Open the sink of sequence `seq` (1 for the first) and make it current. */
static int
sinks_open(sinks *k, const char *outpath, int seq, const frame_sink_opts *fo,
	kv_err *err)
{
	char name[4096];
	frame_sink *s;

	if (k->n == k->cap) {
		int cap = k->cap ? 2 * k->cap : 8;
		frame_sink **t = realloc(k->s, (size_t)cap * sizeof *t);
		if (t == NULL)
			return kv_errf(err, "out of memory");
		k->s = t;
		k->cap = cap;
	}
	if (vae_frames_per_sequence(outpath)) {
		if (pattern_expand(outpath, seq, name, sizeof name))
			return kv_errf(err, "%s: the name is too long", outpath);
	} else
		snprintf(name, sizeof name, "%s", outpath);
	if ((s = frame_sink_open(name, fo, err)) == NULL)
		return -1;
	k->s[k->n++] = s;
	return 0;
}

typedef struct decoder {
	vae *v;
	seq_reader *r;
	double *x;
	float *fx;		/* (VAE_FRAME_BATCH, L) records not yet decoded */
	float *frame;		/* (VAE_FRAME_BATCH, D) their frames */
	int n;			/* records in fx */
} decoder;

/* One latent record (in d->x) into the batch. */
static int
take_record(decoder *d, kv_err *err)
{
	int L = d->v->cfg.latent_dim;
	float *fx = d->fx + (size_t)d->n * L;

	for (int i = 0; i < L; i++) {
		if (isnan(d->x[i]))
			return kv_errf(err, "the latent record is missing (fill "
			    "gaps with kf-smooth before decoding)");
		fx[i] = (float)d->x[i];
	}
	d->n++;
	return 0;
}

/* Decode the batch's records, as encoding batches frames, and write
 * their frames to the current sink, in order. */
static int
flush_batch(decoder *d, sinks *k, kv_err *err)
{
	size_t D = (size_t)d->v->cfg.input_dim;

	if (d->n == 0)
		return 0;
	if (vae_decode(d->v, d->frame, d->fx, d->n, err))
		return -1;
	for (int i = 0; i < d->n; i++)
		if (frame_sink_write(k->s[k->n - 1], d->frame + i * D, err))
			return -1;
	d->n = 0;
	return 0;
}

static int
decode_loop(decoder *d, const char *outpath, const frame_sink_opts *fo,
	sinks *k, kv_err *err)
{
	int per_seq = vae_frames_per_sequence(outpath), seq = 1, rc;
	int need_sink = 1;
	char place[256];

	/* a break follows every sequence, the last too: a sink is opened
	 * by the first record after one; a sequence's frames are written
	 * by its break at the latest */
	while ((rc = seq_read(d->r, d->x, NULL, err)) > 0) {
		if (rc == SEQ_BREAK) {
			if (flush_batch(d, k, err))
				goto fail;
			need_sink = per_seq;
			continue;
		}
		if (need_sink && sinks_open(k, outpath, seq++, fo, err))
			return -1;
		need_sink = 0;
		if (take_record(d, err) ||
		    (d->n == VAE_FRAME_BATCH && flush_batch(d, k, err)))
			goto fail;
	}
	if (rc == 0 && flush_batch(d, k, err))
		goto fail;
	return rc;
fail:
	return kv_err_prefix(err, "%s", seq_reader_place(d->r, place,
	    sizeof place));
}

int
vae_frames_decode(vae *v, const char *inpath, const char *outpath,
	const vae_frames_opts *o, kv_err *err)
{
	const convnet_config *c = &v->cfg.conv;
	frame_sink_opts fo = { .width = c->size, .height = c->size,
	    .channels = c->channels, .out_width = o->out_width,
	    .out_height = o->out_height, .fps_num = o->fps_num,
	    .fps_den = o->fps_den };
	decoder d = { .v = v };
	char first[4096];
	sinks k = { 0 };
	size_t dim;
	int rc = -1;

	if (fo.fps_num == 0) {
		fo.fps_num = v->fps_num ? v->fps_num : 25;
		fo.fps_den = v->fps_num ? v->fps_den : 1;
	}
	if (vae_frames_per_sequence(outpath) ?
	    pattern_expand(outpath, 1, first, sizeof first) != 0 :
	    snprintf(first, sizeof first, "%s", outpath) >= (int)sizeof first)
		return kv_errf(err, "%s: the name is too long", outpath);
	/* a per-sequence name is checked as its first file's */
	if (!frame_sink_name_ok(first, err) ||
	    (d.r = seq_reader_open(inpath, err)) == NULL)
		return -1;
	dim = seq_reader_layout(d.r)->dim;
	if (dim != (size_t)v->cfg.latent_dim) {
		kv_errf(err, "%s: records have %zu values, but %s decodes latent "
		    "records of %d (the model's latent_dim)", infile_name(inpath),
		    dim, o->model_name, v->cfg.latent_dim);
		goto out;
	}
	d.x = malloc(2 * dim * sizeof *d.x);
	d.fx = malloc(VAE_FRAME_BATCH * dim * sizeof *d.fx);
	d.frame = malloc(VAE_FRAME_BATCH * (size_t)v->cfg.input_dim *
	    sizeof *d.frame);
	if (d.x == NULL || d.fx == NULL || d.frame == NULL) {
		kv_errf(err, "out of memory");
		goto out;
	}
	vae_set_training(v, 0);
	rc = decode_loop(&d, outpath, &fo, &k, err);
out:
	if (rc == 0)
		rc = sinks_close(&k, err);
	else
		sinks_abort(&k);
	seq_reader_close(d.r);
	free(d.x);
	free(d.fx);
	free(d.frame);
	return rc;
}
