/* train_set.h: kvae-train's training data from its operands. The
 * first operand's content says what all of them are: pictures (video
 * files, images, patterns, directories; the convolutional VAE) or
 * kvae-seq(5) streams of vector records (the dense VAE). It is looked
 * at once, through the input it will be read from, so that stdin, a
 * pipe or a FIFO can be either. The sets are cut as train.h says:
 * kvae_data_windows for frames, kvae_data_split for records. */
#ifndef KVAE_TRAIN_SET_H
#define KVAE_TRAIN_SET_H

#include <stddef.h>

#include "core/err.h"
#include "core/input.h"
#include "stream/load.h"
#include "vae/train.h"
#include "vae/vae.h"

typedef struct train_source {
	const char *const *paths;
	size_t n;
	kv_input *first;	/* paths[0], when it can be opened only once */
	int input;		/* enum vae_input, by paths[0]'s content */
	int audio;		/* paths[0] is a sound file (input VAE_VECTOR) */
} train_source;

/* Look at paths[0] and set s->input. 0, or -1 with a message naming
 * the path (missing, unreadable). */
int train_source_open(train_source *s, const char *const *paths, size_t n,
	kv_err *err);

/* Closes what train_source_open opened and the loaders did not take. */
void train_source_close(train_source *s);

/* How to cut clips into sequences, and what memory they may hold. */
typedef struct train_windows {
	size_t length, period;	/* frames per window, every period-th */
	size_t max_bytes;	/* of frames held (frame_clips.h) */
	double val_fraction;
	unsigned long seed;
} train_windows;

/* What the frames were: for the caller's report. */
typedef struct train_frames_info {
	size_t frames, clips, bytes;
	int fps_num, fps_den;	/* the first input's rate */
} train_frames_info;

/* Pictures: every frame at the image model v's size and channels,
 * cut into windows; the frames themselves are freed once copied.
 * 0, or -1 with a message naming the input. */
int train_source_frames(train_source *s, const vae *v,
	const train_windows *w, kvae_data *train, kvae_data *val,
	train_frames_info *info, kv_err *err);

/* How sound files become training sequences (vae/audio_map.h). */
typedef struct train_audio {
	int channel;		/* 1-based; 0: the mono mix */
	double window, hop;	/* STFT size and hop: samples, or ms when */
	int window_ms, hop_ms;	/* these are set */
	int shape;		/* enum stft_window */
	double floor;		/* features log(|X| + floor) */
	const double *noise_snr;	/* a denoising model: for each SNR */
	size_t n_noise_snr;	/* (dB), a noisy copy of each file */
	unsigned long noise_seed;
} train_audio;

/* Sound files: each file's spectrogram frames (audio_map.h's features)
 * cut into consecutive sequences of `length` frames (the frames left
 * over are dropped; a file shorter than one sequence gives one shorter
 * sequence of at least two frames), into *out. Every file must have
 * the rate of the first, or a->sample_rate when that is set (a model
 * being resumed); *a gets the rate, the STFT in samples and the
 * features (kept as they are when a->window is set: a model being
 * resumed). With t->n_noise_snr SNRs, *out holds instead, for each
 * file and SNR in turn, the frames of the file plus white Gaussian
 * noise at that SNR (against the file's mean power; gsl mt19937 seeded
 * with t->noise_seed, drawn in file order), and *target (laid out
 * alike) the clean file's frames, for a model that learns to denoise
 * (target may be NULL without SNRs). 0, or -1 with a message naming the
 * file. */
int train_source_audio(train_source *s, const train_audio *t,
	size_t length, vae_audio *a, seq_set *out, seq_set *target,
	kv_err *err);

/* Vector records: every sequence of every operand into *out (free with
 * seq_set_free), for the caller to build or check the model by their
 * dimension and cut with kvae_data_split. 0, or -1 with a message
 * naming the input and the place. */
int train_source_vectors(train_source *s, seq_set *out, kv_err *err);

#endif
