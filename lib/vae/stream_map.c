/* stream_map.c: vae-encode / vae-decode's record loop. */
#include "vae/stream_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/input.h"
#include "core/outfile.h"
#include "media/frame_source.h"
#include "media/sniff.h"
#include "stream/seq.h"
#include "vae/audio_map.h"
#include "vae/frame_map.h"

static int map_reader(vae *v, seq_reader *r, const char *inpath, FILE *out,
	const char *outname, const vae_stream_opts *o, kv_err *err);

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
	seq_reader *r = seq_reader_open(inpath, err);

	return r == NULL ? -1 : map_reader(v, r, inpath, out, outname, o, err);
}

/* vae_stream_map on an opened reader (closed here). */
static int
map_reader(vae *v, seq_reader *r, const char *inpath, FILE *out,
	const char *outname, const vae_stream_opts *o, kv_err *err)
{
	int enc = o->direction == VAE_ENCODE;
	struct mapper m = { .v = v, .o = o };
	size_t want = enc ? (size_t)v->cfg.input_dim : (size_t)v->cfg.latent_dim;
	size_t big = (size_t)(v->cfg.input_dim > v->cfg.latent_dim ?
	    v->cfg.input_dim : v->cfg.latent_dim);
	seq_writer *w = NULL;
	seq_layout l;
	char **names = NULL;
	int rc = -1;

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
	l.names = enc ? (names = vae_latent_names(v->cfg.latent_dim)) : NULL;
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
	vae_names_free(names, v->cfg.latent_dim);
	free(m.fin), free(m.fmean), free(m.flv);
	free(m.x), free(m.var), free(m.y), free(m.yvar);
	seq_reader_close(r);
	return rc;
}

/* An audio model's input: a sound file (*sound set, the input peeked
 * in *in) or, else, a stream of feature records (*in open, peeked). */
static int
open_sound_input(const char *inpath, kv_input **in, int *sound, kv_err *err)
{
	int kind;

	if ((*in = input_open(inpath, err)) == NULL)
		return -1;
	if ((kind = sniff_input(*in, NULL, err)) < 0) {
		input_close(*in);
		*in = NULL;
		return -1;
	}
	*sound = kind == SNIFF_AUDIO;
	return 0;
}

/* What an encoding reads. */
enum { INPUT_RECORDS, INPUT_PICTURES, INPUT_SOUND };

/* The input of an encoding: pictures for an image model, a sound for an
 * audio model (the input peeked in *in for both), else a record stream
 * (*reader); *kind says which. 0 or -1. */
static int
open_encoder_input(const vae *v, const char *inpath, kv_input **in,
	seq_reader **reader, int *kind, kv_err *err)
{
	size_t len;
	const uint8_t *head;
	int sound = 0, pictures;

	*in = NULL;
	*reader = NULL;
	*kind = INPUT_RECORDS;
	if (v->audio.sample_rate > 0) {
		if (open_sound_input(inpath, in, &sound, err))
			return -1;
		if (sound) {
			*kind = INPUT_SOUND;
			return 0;
		}
	} else if (v->cfg.input != VAE_IMAGE)
		return (*reader = seq_reader_open(inpath, err)) ? 0 : -1;
	else {
		if (input_path_once(inpath) &&
		    (*in = input_open(inpath, err)) == NULL)
			return -1;
		if ((pictures = frame_input_is_media(inpath, *in, err)) < 0) {
			input_close(*in);
			return -1;
		}
		if (pictures) {
			*kind = INPUT_PICTURES;
			return 0;
		}
	}
	if (*in == NULL)
		return (*reader = seq_reader_open(inpath, err)) ? 0 : -1;
	head = input_head(*in, &len);
	*reader = seq_reader_open_fd(input_fd(*in), input_name(*in), head, len,
	    err);
	if (*reader == NULL) {
		input_close(*in);
		*in = NULL;
		return -1;
	}
	return 0;
}

/* Encoding, or decoding to a record stream, written to outpath. */
static int
run_to_stream(vae *v, const char *inpath, const char *outpath,
	const vae_stream_opts *o, kv_err *err)
{
	kv_input *in = NULL;
	seq_reader *r = NULL;
	outfile *out;
	int kind = INPUT_RECORDS, rc;

	if (o->direction == VAE_ENCODE) {
		if (open_encoder_input(v, inpath, &in, &r, &kind, err))
			return -1;
	} else if ((r = seq_reader_open(inpath, err)) == NULL)
		return -1;
	if ((out = outfile_open(outpath, err)) == NULL) {
		seq_reader_close(r);
		input_close(in);
		return -1;
	}
	if (kind == INPUT_SOUND) {
		vae_audio_opts ao = { .channel = o->channel,
		    .variances = o->variances, .format = o->format,
		    .scalar = o->scalar, .model_name = o->model_name };
		rc = vae_audio_encode(v, inpath, in, outfile_stream(out),
		    outfile_name(out), &ao, err);
	} else if (kind == INPUT_PICTURES) {
		vae_frames_opts fo = { .variances = o->variances,
		    .format = o->format, .scalar = o->scalar,
		    .model_name = o->model_name };
		rc = vae_frames_encode(v, inpath, in, outfile_stream(out),
		    outfile_name(out), &fo, err);
	} else {
		rc = map_reader(v, r, inpath, outfile_stream(out),
		    outfile_name(out), o, err);
		input_close(in);
	}
	if (rc == 0)
		return outfile_commit(out, err);
	outfile_abort(out);
	return rc;
}

int
vae_stream_run(const char *model, const char *inpath, const char *outpath,
	vae_stream_opts *o, kv_err *err)
{
	vae v;
	int rc, to_sound;

	if (vae_load(&v, model, err))
		return -1;
	o->model_name = model;
	to_sound = v.audio.sample_rate > 0 && o->direction == VAE_DECODE &&
	    o->format == 0;
	if ((o->phase_from || o->mask || o->griffin_lim >= 0 || o->gaps) &&
	    !to_sound) {
		vae_free(&v);
		return kv_errf(err, "%s: --phase-from, --mask, --griffin-lim and "
		    "--gaps are for decoding a sound model to a sound file",
		    model);
	}
	if (v.cfg.input == VAE_IMAGE && o->direction == VAE_DECODE &&
	    o->format == 0) {
		vae_frames_opts fo = { .out_width = o->out_width,
		    .out_height = o->out_height, .fps_num = o->fps_num,
		    .fps_den = o->fps_den, .model_name = model };
		if (o->variances)
			rc = kv_errf(err, "--variances: decoded frames carry no "
			    "variances (add -f csv or -f bin for records)");
		else
			rc = vae_frames_decode(&v, inpath, outpath ? outpath : "-",
			    &fo, err);
	} else if (to_sound) {
		vae_audio_opts ao = { .channel = o->channel,
		    .phase_from = o->phase_from, .mask = o->mask,
		    .griffin_lim = o->griffin_lim, .gaps = o->gaps,
		    .model_name = model };
		if (o->variances)
			rc = kv_errf(err, "--variances: a decoded sound carries no "
			    "variances (add -f csv or -f bin for records)");
		else
			rc = vae_audio_decode(&v, inpath, outpath, &ao, err);
	} else
		rc = run_to_stream(&v, inpath, outpath, o, err);
	vae_free(&v);
	return rc;
}
