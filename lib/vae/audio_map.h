/* audio_map.h: a vector VAE on a sound's spectrogram frames (an audio
 * model, vae.h's vae_audio): sound files to latent streams (vae-encode)
 * and back to sound (vae-decode), and the frames kvae-train learns from.
 *
 * A frame is one STFT column (media/stft.h: librosa's conventions) of
 * the sound's channel or mono mix, as features log(|X| + floor) per bin;
 * the VAE normalises them per bin as any vector model does. Decoding
 * gives magnitudes max(exp(f) - floor, 0); the phase comes from a
 * reference recording, as a Wiener-style gain on it, or from
 * Griffin-Lim (media/phase.h). Sounds are read whole (libsndfile). */
#ifndef KVAE_AUDIO_MAP_H
#define KVAE_AUDIO_MAP_H

#include <stdio.h>

#include "core/err.h"
#include "core/input.h"
#include "vae/vae.h"

/* Griffin-Lim's iterations when there is no reference (librosa's). */
#define AUDIO_GRIFFIN_LIM_DEFAULT 32

typedef struct vae_audio_opts {
	int channel;		/* 1-based; 0: the mono mix */
	int variances;		/* encode: append the encoder's variances */
	int format, scalar;	/* encode: SEQ_CSV/SEQ_BIN (0: CSV) */
	const char *phase_from;	/* decode: reference sound, or NULL */
	int mask;		/* decode: gain on the reference */
	int griffin_lim;	/* decode: iterations (-1: the default) */
	const char *gaps;	/* decode: a latent stream whose missing
				   records mark the frames to fill in */
	const char *model_name;	/* for messages */
} vae_audio_opts;

/* One channel of a sound file, or the mean of its channels (channel 0).
 * path names the file; in, when not NULL, is its opened input (taken
 * over). */
typedef struct audio_mono {
	double *x;
	size_t n;
	int rate;
	int format;		/* libsndfile's, of the file read */
} audio_mono;

int audio_mono_read(audio_mono *m, const char *path, kv_input *in,
	int channel, kv_err *err);
void audio_mono_free(audio_mono *m);

/* The features of a signal under a: *frames x (window/2 + 1) doubles,
 * malloc'd into *feat; with spec not NULL, the complex STFT too
 * (malloc'd, stft.h's layout). 0 or -1. */
int audio_features(const vae_audio *a, const double *x, size_t n,
	double **feat, double **spec, size_t *frames, kv_err *err);

/* Encode the sound at path (in: its peeked input, taken over; may be
 * NULL) to a latent stream on out: one record per STFT frame, one
 * sequence. The sound's rate must be the model's. 0, or -1 with a
 * message naming the file. */
int vae_audio_encode(vae *v, const char *path, kv_input *in, FILE *out,
	const char *outname, const vae_audio_opts *o, kv_err *err);

/* Decode the latent stream at inpath (every sequence, one after
 * another; a missing record is an error: kf-smooth fills gaps) to a
 * sound file at outpath (its suffix picks the format, media/audio.h),
 * written atomically: of the reference's length, rate and encoding
 * with o->phase_from, else (frames - 1) hop samples of 16-bit PCM at
 * the model's rate. With o->gaps (and a reference), the frames whose
 * records are missing there take the decoder's magnitudes with phases
 * from their neighbours and Griffin-Lim (media/phase.h's
 * phase_fill_gaps), the others the reference's phase or gain. 0 or -1;
 * nothing is left at outpath on failure. */
int vae_audio_decode(vae *v, const char *inpath, const char *outpath,
	const vae_audio_opts *o, kv_err *err);

#endif
