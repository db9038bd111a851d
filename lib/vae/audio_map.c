/* audio_map.c: vae-encode and vae-decode for audio models. */
#include "vae/audio_map.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "core/outfile.h"
#include "media/audio.h"
#include "media/phase.h"
#include "media/stft.h"
#include "stream/seq.h"

/* Records through the encoder or decoder at a time. */
#define AUDIO_BATCH 64
/* The most bytes of a sound read from a pipe. */
#define AUDIO_MAX_PIPE ((size_t)1 << 31)

int
audio_mono_read(audio_mono *m, const char *path, kv_input *in, int channel,
	kv_err *err)
{
	audio_signal a = { 0 };
	int rc = in ? audio_read_input(&a, in, AUDIO_MAX_PIPE, err) :
	    audio_read_path(&a, path, err);

	input_close(in);
	memset(m, 0, sizeof *m);
	if (rc)
		return -1;
	if (channel > 0 && (size_t)channel > a.channels) {
		audio_free(&a);
		return kv_errf(err, "%s: --channel %d, but it has %zu channel%s",
		    path, channel, a.channels, a.channels == 1 ? "" : "s");
	}
	if ((m->x = malloc(a.frames * sizeof *m->x)) == NULL) {
		audio_free(&a);
		return kv_errf(err, "%s: out of memory", path);
	}
	for (size_t t = 0; t < a.frames; t++) {
		double s = 0;
		if (channel > 0)
			s = a.x[t * a.channels + (size_t)channel - 1];
		else {
			for (size_t c = 0; c < a.channels; c++)
				s += a.x[t * a.channels + c];
			s /= (double)a.channels;
		}
		m->x[t] = s;
	}
	m->n = a.frames;
	m->rate = a.samplerate;
	m->format = a.format;
	audio_free(&a);
	return 0;
}

void
audio_mono_free(audio_mono *m)
{
	free(m->x);
	m->x = NULL;
}

int
audio_features(const vae_audio *a, const double *x, size_t n, double **feat,
	double **spec, size_t *frames, kv_err *err)
{
	stft_plan *p = stft_plan_new((size_t)a->window, (size_t)a->hop,
	    (stft_window)a->shape, err);
	size_t bins, nf;
	double *s;

	*feat = NULL;
	if (spec)
		*spec = NULL;
	if (p == NULL)
		return -1;
	bins = stft_bins(p);
	nf = stft_frames(p, n);
	s = malloc(2 * bins * nf * sizeof *s);
	*feat = malloc(bins * nf * sizeof **feat);
	if (s == NULL || *feat == NULL) {
		free(s);
		free(*feat);
		*feat = NULL;
		stft_plan_free(p);
		return kv_errf(err, "out of memory for %zu STFT frames", nf);
	}
	stft_forward(p, x, n, s);
	for (size_t i = 0; i < bins * nf; i++)
		(*feat)[i] = log(hypot(s[2 * i], s[2 * i + 1]) + a->floor);
	if (spec)
		*spec = s;
	else
		free(s);
	*frames = nf;
	stft_plan_free(p);
	return 0;
}

/* The sound's rate must be the model's: resampling is the user's. */
static int
check_rate(const vae *v, const audio_mono *m, const char *path,
	const char *model, kv_err *err)
{
	if (m->rate == v->audio.sample_rate)
		return 0;
	return kv_errf(err, "%s: %d Hz, but %s was trained at %d Hz (resample "
	    "first, e.g. sox %s -r %d out.wav)", path, m->rate, model,
	    v->audio.sample_rate, path, v->audio.sample_rate);
}

/* ---- encoding ------------------------------------------------------------ */

/* Frames feat (n x D, data units) through the encoder to w. */
static int
encode_frames(vae *v, const double *feat, size_t n, seq_writer *w,
	kv_err *err)
{
	size_t D = (size_t)v->cfg.input_dim, L = (size_t)v->cfg.latent_dim;
	float *in = malloc(AUDIO_BATCH * D * sizeof *in);
	float *mean = malloc(AUDIO_BATCH * L * sizeof *mean);
	float *lv = malloc(AUDIO_BATCH * L * sizeof *lv);
	double *y = malloc(D * sizeof *y), *out = malloc(2 * L * sizeof *out);
	int rc = -1;

	if (!in || !mean || !lv || !y || !out) {
		kv_errf(err, "out of memory");
		goto done;
	}
	for (size_t t0 = 0; t0 < n; t0 += AUDIO_BATCH) {
		size_t B = n - t0 < AUDIO_BATCH ? n - t0 : AUDIO_BATCH;
		for (size_t b = 0; b < B; b++) {
			memcpy(y, feat + (t0 + b) * D, D * sizeof *y);
			vae_normalise(v, y);
			for (size_t i = 0; i < D; i++)
				in[b * D + i] = (float)y[i];
		}
		if (vae_encode(v, mean, lv, in, (int)B, err))
			goto done;
		for (size_t b = 0; b < B; b++) {
			for (size_t i = 0; i < L; i++) {
				out[i] = mean[b * L + i];
				out[L + i] = exp((double)lv[b * L + i]);
			}
			if (seq_write(w, out, out + L, err))
				goto done;
		}
	}
	rc = 0;
done:
	free(in), free(mean), free(lv), free(y), free(out);
	return rc;
}

int
vae_audio_encode(vae *v, const char *path, kv_input *in, FILE *out,
	const char *outname, const vae_audio_opts *o, kv_err *err)
{
	int L = v->cfg.latent_dim;
	seq_layout l = { .dim = (size_t)L, .has_var = o->variances,
	    .format = o->format ? o->format : SEQ_CSV,
	    .scalar = o->scalar ? o->scalar : SEQ_F32 };
	audio_mono m;
	double *feat = NULL;
	size_t frames;
	seq_writer *w = NULL;
	int rc = -1;

	if (audio_mono_read(&m, path, in, o->channel, err))
		return -1;
	if (check_rate(v, &m, path, o->model_name, err) ||
	    audio_features(&v->audio, m.x, m.n, &feat, NULL, &frames, err))
		goto done;
	if ((l.names = vae_latent_names(L)) == NULL) {
		kv_errf(err, "out of memory");
		goto done;
	}
	vae_set_training(v, 0);
	if ((w = seq_writer_open(out, outname, &l, err)) != NULL)
		rc = encode_frames(v, feat, frames, w, err);
	if (w != NULL && seq_writer_close(w, rc == 0 ? err : NULL) != 0)
		rc = -1;
done:
	vae_names_free(l.names, L);
	free(feat);
	audio_mono_free(&m);
	return rc;
}

/* ---- decoding ------------------------------------------------------------ */

/* The latent stream at path, its records checked to have L values
 * ("what" leads the message: "" or the option that named it), or NULL. */
static seq_reader *
open_latents(const char *path, const char *what, size_t L, kv_err *err)
{
	seq_reader *r = seq_reader_open(path, err);

	if (r != NULL && seq_reader_layout(r)->dim != L) {
		kv_errf(err, "%s%s: records have %zu values, the model's latent "
		    "records %zu", what, infile_name(path),
		    seq_reader_layout(r)->dim, L);
		seq_reader_close(r);
		return NULL;
	}
	return r;
}

/* Every latent record of the stream at inpath: *n records of L values,
 * malloc'd into *z. A missing value is an error naming its place. */
static int
read_latents(const char *inpath, size_t L, float **z, size_t *n,
	kv_err *err)
{
	seq_reader *r = open_latents(inpath, "", L, err);
	size_t cap = 1024;
	double *x = malloc(L * sizeof *x);
	char place[256];
	int rc;

	*n = 0;
	*z = malloc(cap * L * sizeof **z);
	if (r == NULL || x == NULL || *z == NULL) {
		rc = r == NULL ? -1 : kv_errf(err, "out of memory");
		goto done;
	}
	while ((rc = seq_read(r, x, NULL, err)) > 0) {
		if (rc == SEQ_BREAK)
			continue;
		for (size_t i = 0; i < L; i++)
			if (isnan(x[i])) {
				rc = kv_errf(err, "%s: a missing latent value (fill "
				    "gaps with kf-smooth first)",
				    seq_reader_place(r, place, sizeof place));
				goto done;
			}
		if (*n == cap) {
			float *bigger = realloc(*z, 2 * cap * L * sizeof **z);
			if (bigger == NULL) {
				rc = kv_errf(err, "out of memory");
				goto done;
			}
			*z = bigger;
			cap *= 2;
		}
		for (size_t i = 0; i < L; i++)
			(*z)[*n * L + i] = (float)x[i];
		(*n)++;
	}
done:
	free(x);
	seq_reader_close(r);
	if (rc < 0) {
		free(*z);
		*z = NULL;
	}
	return rc < 0 ? -1 : 0;
}

/* The gappy stream at path: missing[t] = 1 where its record t (counted
 * over every sequence) has a missing value; it must have n records of
 * L values, as the latent stream it was filled into. */
static int
read_gaps(const char *path, size_t L, size_t n, unsigned char **missing,
	kv_err *err)
{
	seq_reader *r = open_latents(path, "--gaps ", L, err);
	double *x = malloc((L + 1) * sizeof *x);
	size_t t = 0;
	int rc;

	*missing = calloc(n + 1, 1);
	if (r == NULL || x == NULL || *missing == NULL) {
		rc = r == NULL ? -1 : kv_errf(err, "out of memory");
		goto done;
	}
	while ((rc = seq_read(r, x, NULL, err)) > 0) {
		if (rc == SEQ_BREAK)
			continue;
		if (t < n)
			for (size_t i = 0; i < L; i++)
				(*missing)[t] |= isnan(x[i]) != 0;
		t++;
	}
	if (rc == 0 && t != n)
		rc = kv_errf(err, "--gaps %s: %zu records, but the latent stream "
		    "has %zu", infile_name(path), t, n);
done:
	free(x);
	seq_reader_close(r);
	if (rc < 0) {
		free(*missing);
		*missing = NULL;
	}
	return rc < 0 ? -1 : 0;
}

/* Magnitudes (n x D) of the decoder's means of the latent records z. */
static int
decode_magnitudes(vae *v, const float *z, size_t n, double *mag,
	kv_err *err)
{
	size_t D = (size_t)v->cfg.input_dim, L = (size_t)v->cfg.latent_dim;
	float *y = malloc(AUDIO_BATCH * D * sizeof *y);

	if (y == NULL)
		return kv_errf(err, "out of memory");
	vae_set_training(v, 0);
	for (size_t t0 = 0; t0 < n; t0 += AUDIO_BATCH) {
		size_t B = n - t0 < AUDIO_BATCH ? n - t0 : AUDIO_BATCH;
		if (vae_decode(v, y, z + t0 * L, (int)B, err)) {
			free(y);
			return -1;
		}
		for (size_t b = 0; b < B; b++) {
			double *m = mag + (t0 + b) * D;
			for (size_t i = 0; i < D; i++)
				m[i] = y[b * D + i];
			vae_denormalise(v, m);
			for (size_t i = 0; i < D; i++)
				m[i] = fmax(exp(m[i]) - v->audio.floor, 0);
		}
	}
	free(y);
	return 0;
}

/* Random phases for Griffin-Lim without a reference (a fixed seed: the
 * same stream decodes to the same sound). */
static void
random_phases(double *spec, size_t n)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(rng, 1);
	for (size_t i = 0; i < n; i++) {
		double a = 2 * M_PI * gsl_rng_uniform(rng);
		spec[2 * i] = cos(a);
		spec[2 * i + 1] = sin(a);
	}
	gsl_rng_free(rng);
}

/* The waveform x (samples) from the magnitudes, as o asks. ref is the
 * reference's STFT (frames x bins), or NULL; missing, when not NULL,
 * flags the frames to fill in from their neighbours (ref is then
 * given). */
static int
rebuild(stft_plan *p, const double *mag, const double *ref,
	const unsigned char *missing, size_t frames, const vae_audio_opts *o,
	double *x, size_t samples, kv_err *err)
{
	size_t bins = stft_bins(p);
	double *spec = malloc(2 * frames * bins * sizeof *spec);
	int iters = o->griffin_lim, rc;

	if (spec == NULL)
		return kv_errf(err, "out of memory");
	if (ref && o->mask)
		phase_wiener_gain(mag, ref, frames, bins, spec);
	else if (ref)
		phase_from_reference(mag, ref, frames, bins, spec);
	else
		random_phases(spec, frames * bins);
	if (iters < 0)
		iters = ref && !missing ? 0 : AUDIO_GRIFFIN_LIM_DEFAULT;
	if (missing)
		rc = phase_fill_gaps(p, mag, spec, missing, samples, iters,
		    GRIFFIN_LIM_MOMENTUM, x, err);
	else if (iters > 0)
		rc = phase_griffin_lim(p, mag, spec, samples, iters,
		    GRIFFIN_LIM_MOMENTUM, x, err);
	else
		rc = stft_inverse(p, spec, frames, x, samples, err);
	free(spec);
	return rc;
}

/* The reference's STFT, checked against the model and the stream. */
static int
read_reference(const vae *v, const vae_audio_opts *o, size_t frames,
	audio_mono *m, double **ref, kv_err *err)
{
	double *feat;
	size_t nf;

	*ref = NULL;
	if (audio_mono_read(m, o->phase_from, NULL, o->channel, err))
		return -1;
	if (check_rate(v, m, o->phase_from, o->model_name, err) ||
	    audio_features(&v->audio, m->x, m->n, &feat, ref, &nf, err))
		return -1;
	free(feat);
	if (nf != frames)
		return kv_errf(err, "--phase-from %s: %zu STFT frames, but the "
		    "latent stream has %zu records", o->phase_from, nf, frames);
	return 0;
}

int
vae_audio_decode(vae *v, const char *inpath, const char *outpath,
	const vae_audio_opts *o, kv_err *err)
{
	const vae_audio *a = &v->audio;
	audio_mono m = { 0 };
	audio_signal out = { 0 };
	stft_plan *p = NULL;
	float *z = NULL;
	double *mag = NULL, *ref = NULL;
	unsigned char *missing = NULL;
	size_t n;
	int rc = -1;

	if (outpath == NULL || strcmp(outpath, "-") == 0)
		return kv_errf(err, "an audio model decodes to a sound file: name "
		    "it with -o (e.g. -o out.wav)");
	if (o->mask && o->phase_from == NULL)
		return kv_errf(err, "--mask needs --phase-from REF: the gain "
		    "applies to the reference");
	if (o->gaps && o->phase_from == NULL)
		return kv_errf(err, "--gaps needs --phase-from REF: without a "
		    "reference every frame's phase comes from Griffin-Lim");
	if (audio_check_output(outpath, err) ||
	    read_latents(inpath, (size_t)v->cfg.latent_dim, &z, &n, err))
		return -1;
	if (n == 0) {
		free(z);
		return kv_errf(err, "%s: no latent records", infile_name(inpath));
	}
	if ((p = stft_plan_new((size_t)a->window, (size_t)a->hop,
	    (stft_window)a->shape, err)) == NULL)
		goto done;
	if ((mag = malloc(n * stft_bins(p) * sizeof *mag)) == NULL) {
		kv_errf(err, "out of memory");
		goto done;
	}
	if (decode_magnitudes(v, z, n, mag, err) ||
	    (o->phase_from && read_reference(v, o, n, &m, &ref, err)) ||
	    (o->gaps && read_gaps(o->gaps, (size_t)v->cfg.latent_dim, n,
	    &missing, err)))
		goto done;
	out.channels = 1;
	out.samplerate = a->sample_rate;
	out.frames = o->phase_from ? m.n : (n - 1) * (size_t)a->hop;
	out.format = o->phase_from ? m.format : SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	if (out.frames == 0) {
		kv_errf(err, "%s: one latent record makes no samples",
		    infile_name(inpath));
		goto done;
	}
	if ((out.x = malloc(out.frames * sizeof *out.x)) == NULL) {
		kv_errf(err, "out of memory");
		goto done;
	}
	if (rebuild(p, mag, ref, missing, n, o, out.x, out.frames, err) == 0)
		rc = audio_write(outpath, &out, err);
done:
	audio_free(&out);
	audio_mono_free(&m);
	stft_plan_free(p);
	free(z);
	free(mag);
	free(ref);
	free(missing);
	return rc;
}
