/* train_set.c: kvae-train's operands into training and validation sets. */
#include "vae/train_set.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "media/frame_source.h"
#include "media/sniff.h"
#include "media/stft.h"
#include "stream/seq.h"
#include "vae/audio_map.h"
#include "vae/frame_clips.h"

/* Whether paths[0] is a sound file: sniffed when it is a file, a pipe
 * or stdin (directories, patterns and globs are pictures). */
static int
first_is_sound(train_source *s, kv_err *err)
{
	struct stat st;
	kv_input *in = s->first;
	int kind;

	if (in == NULL && (stat(s->paths[0], &st) != 0 || S_ISDIR(st.st_mode)))
		return 0;
	if (in == NULL && (in = input_open(s->paths[0], err)) == NULL)
		return -1;
	kind = sniff_input(in, NULL, err);
	if (in != s->first)
		input_close(in);
	return kind < 0 ? -1 : kind == SNIFF_AUDIO;
}

int
train_source_open(train_source *s, const char *const *paths, size_t n,
	kv_err *err)
{
	int media;

	memset(s, 0, sizeof *s);
	s->paths = paths;
	s->n = n;
	if (n == 0)
		return kv_errf(err, "no training data");
	if (input_path_once(paths[0]) &&
	    (s->first = input_open(paths[0], err)) == NULL)
		return -1;
	if ((s->audio = first_is_sound(s, err)) < 0) {
		train_source_close(s);
		return -1;
	}
	if (s->audio) {
		s->input = VAE_VECTOR;
		return 0;
	}
	if ((media = frame_input_is_media(paths[0], s->first, err)) < 0) {
		train_source_close(s);
		return -1;
	}
	s->input = media ? VAE_IMAGE : VAE_VECTOR;
	return 0;
}

void
train_source_close(train_source *s)
{
	input_close(s->first);
	s->first = NULL;
}

int
train_source_frames(train_source *s, const vae *v, const train_windows *w,
	kvae_data *train, kvae_data *val, train_frames_info *info,
	kv_err *err)
{
	const vae_config *cfg = &v->cfg;
	size_t D = (size_t)cfg->input_dim;
	frame_clips c;
	int rc;

	rc = frame_clips_load(&c, s->paths, s->n, s->first, cfg->conv.size,
	    cfg->conv.channels, w->max_bytes, err);
	s->first = NULL;		/* taken over, closed */
	if (rc)
		return -1;
	*info = (train_frames_info){ .frames = c.bytes / (D * sizeof(float)),
	    .clips = c.n, .bytes = c.bytes, .fps_num = c.fps_num,
	    .fps_den = c.fps_den };
	rc = kvae_data_windows(c.clip, c.n, D, w->length, w->period,
	    w->val_fraction, w->seed, train, val, err);
	frame_clips_free(&c);
	return rc;
}

/* The STFT in samples at the sound's rate: milliseconds converted (a
 * window in ms rounded up to an even number of samples; one given in
 * samples must be even); checked as a plan would be. */
static int
audio_stft(const train_audio *t, int rate, vae_audio *a, kv_err *err)
{
	double n = t->window_ms ? t->window * rate / 1000 : t->window;
	double hop = t->hop_ms ? t->hop * rate / 1000 : t->hop;
	stft_plan *p;

	a->sample_rate = rate;
	a->window = t->window_ms ? (int)(2 * ceil(round(n) / 2)) : (int)n;
	a->hop = (int)round(hop);
	a->shape = t->shape;
	a->floor = t->floor;
	if (n > 65536 || hop > 65536 || (p = stft_plan_new((size_t)a->window,
	    (size_t)a->hop, (stft_window)a->shape, err)) == NULL)
		return kv_errf(err, "--window %g%s --hop %g%s at %d Hz: an even "
		    "window of 2 to 65536 samples and a hop of 1 to half of it "
		    "are needed", t->window, t->window_ms ? "ms" : "", t->hop,
		    t->hop_ms ? "ms" : "", rate);
	stft_plan_free(p);
	return 0;
}

/* Append the frames of one file, cut into sequences, to out. */
static int
add_sound_sequences(seq_set *out, const double *feat, size_t frames,
	size_t length, kv_err *err)
{
	size_t D = out->dim, nseq = frames >= length ? frames / length : 1;
	size_t T = frames >= length ? length : frames;
	double *x;
	size_t *Ts, *off;

	if (frames < 2)
		return 0;
	x = realloc(out->x, (out->N + nseq * T) * D * sizeof *x);
	if (x != NULL)
		out->x = x;
	Ts = realloc(out->T, (out->nseq + nseq) * sizeof *Ts);
	if (Ts != NULL)
		out->T = Ts;
	off = realloc(out->off, (out->nseq + nseq) * sizeof *off);
	if (off != NULL)
		out->off = off;
	if (x == NULL || Ts == NULL || off == NULL)
		return kv_errf(err, "out of memory for %zu frames", frames);
	memcpy(out->x + out->N * D, feat, nseq * T * D * sizeof *x);
	for (size_t i = 0; i < nseq; i++) {
		out->T[out->nseq] = T;
		out->off[out->nseq++] = out->N;
		out->N += T;
	}
	return 0;
}

static double
mean_power(const double *x, size_t n)
{
	double power = 0;

	for (size_t i = 0; i < n; i++)
		power += x[i] * x[i];
	return n ? power / (double)n : 0;
}

/* x plus white Gaussian noise of standard deviation sd, into noisy. */
static void
add_noise(const double *x, size_t n, double sd, gsl_rng *rng, double *noisy)
{
	for (size_t i = 0; i < n; i++)
		noisy[i] = x[i] + gsl_ran_gaussian(rng, sd);
}

/* One file's sequences: its frames into out, or with SNRs a noisy copy
 * per SNR into out and the clean frames into target as often (target
 * is then not NULL). */
static int
add_sound_file(const train_audio *t, const vae_audio *a, const audio_mono *m,
	size_t length, gsl_rng *rng, seq_set *out, seq_set *target,
	kv_err *err)
{
	double *feat = NULL, *noisy = NULL, *nfeat = NULL, power;
	size_t frames;
	int rc = -1;

	out->dim = (size_t)a->window / 2 + 1;
	if (audio_features(a, m->x, m->n, &feat, NULL, &frames, err))
		return -1;
	if (t->n_noise_snr == 0) {
		rc = add_sound_sequences(out, feat, frames, length, err);
		goto done;
	}
	if ((noisy = malloc((m->n + 1) * sizeof *noisy)) == NULL) {
		kv_errf(err, "out of memory");
		goto done;
	}
	target->dim = out->dim;
	power = mean_power(m->x, m->n);
	for (size_t i = 0; i < t->n_noise_snr; i++) {
		add_noise(m->x, m->n, sqrt(power / pow(10, t->noise_snr[i] / 10)),
		    rng, noisy);
		if (audio_features(a, noisy, m->n, &nfeat, NULL, &frames, err) ||
		    add_sound_sequences(out, nfeat, frames, length, err) ||
		    add_sound_sequences(target, feat, frames, length, err))
			goto done;
		free(nfeat);
		nfeat = NULL;
	}
	rc = 0;
done:
	free(feat);
	free(noisy);
	free(nfeat);
	return rc;
}

int
train_source_audio(train_source *s, const train_audio *t, size_t length,
	vae_audio *a, seq_set *out, seq_set *target, kv_err *err)
{
	int rate = a->sample_rate, resumed = a->sample_rate != 0, rc = 0;
	gsl_rng *rng;

	memset(out, 0, sizeof *out);
	if (target != NULL)
		memset(target, 0, sizeof *target);
	if (t->n_noise_snr > 0 && target == NULL)
		return kv_errf(err, "noisy copies need a set for their targets");
	if ((rng = gsl_rng_alloc(gsl_rng_mt19937)) == NULL)
		return kv_errf(err, "out of memory");
	gsl_rng_set(rng, t->noise_seed);
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const char *path = s->paths[i];
		audio_mono m;
		kv_input *in = i == 0 ? s->first : NULL;

		if (i == 0)
			s->first = NULL;	/* taken over */
		if (audio_mono_read(&m, path, in, t->channel, err)) {
			rc = -1;
			break;
		}
		if (rate == 0)
			rate = m.rate;
		if (m.rate != rate)
			rc = kv_errf(err, "%s: %d Hz, but %s %d Hz (resample "
			    "first, e.g. sox %s -r %d out.wav)", path, m.rate,
			    resumed ? "the model being resumed is at" :
			    "the first file is at", rate, path, rate);
		else if (i == 0 && a->window == 0 && audio_stft(t, rate, a, err))
			rc = -1;
		else
			rc = add_sound_file(t, a, &m, length, rng, out, target,
			    err);
		audio_mono_free(&m);
	}
	gsl_rng_free(rng);
	if (rc == 0 && out->nseq == 0)
		rc = kv_errf(err, "%s: too short for two STFT frames", s->paths[0]);
	if (rc) {
		seq_set_free(out);
		if (target != NULL)
			seq_set_free(target);
	}
	return rc;
}

int
train_source_vectors(train_source *s, seq_set *out, kv_err *err)
{
	seq_reader *r = NULL;
	int rc;

	if (s->first != NULL) {
		size_t len;
		const uint8_t *head = input_head(s->first, &len);
		r = seq_reader_open_fd(input_fd(s->first),
		    input_name(s->first), head, len, err);
		if (r == NULL) {
			train_source_close(s);
			return -1;
		}
	}
	rc = seq_load_all_from(out, r, s->paths, s->n, 0, err);
	train_source_close(s);
	return rc;
}
