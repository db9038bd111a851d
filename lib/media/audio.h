/* audio.h: sound files in and out through libsndfile, as doubles.
 *
 * Samples are libsndfile's doubles (-1..1 for integer formats), frames
 * interleaved: channel c of frame t is x[t * channels + c], so one
 * channel is a signal of `frames` samples `channels` apart. */
#ifndef KVAE_AUDIO_H
#define KVAE_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/input.h"

/* The most samples (frames times channels) read. */
#define AUDIO_MAX_SAMPLES ((size_t)1 << 28)

typedef struct audio_signal {
	size_t frames, channels;
	int samplerate;
	int format;		/* libsndfile's SF_FORMAT_*: container and
				   sample encoding of the file read */
	double *x;		/* (frames, channels), malloc'd, owned */
} audio_signal;

/* Read a whole sound file named by path. Fails, naming the path, when
 * libsndfile cannot open or read it, or it holds no frames or more than
 * AUDIO_MAX_SAMPLES samples. */
int audio_read_path(audio_signal *a, const char *path, kv_err *err);

/* The same from a sound file held in memory (len bytes); name is for
 * messages. */
int audio_read_mem(audio_signal *a, const uint8_t *buf, size_t len,
	const char *name, kv_err *err);

/* The same from an input: by its path when it is a regular file, else
 * read into memory first (at most `max` bytes), peeked bytes included,
 * so a pipe or FIFO works. */
int audio_read_input(audio_signal *a, kv_input *in, size_t max, kv_err *err);

/* The libsndfile format for writing a file named `path` when the input
 * was `in_format`: the input's own when there is no suffix or the
 * suffix names its container; else the container the suffix names
 * (.wav, .flac, .ogg/.oga Vorbis, .opus, .aiff/.aif, .au, .caf, .w64,
 * .mp3 when this libsndfile writes MPEG layer III) with the input's
 * sample encoding when it can hold it, or its usual one (16-bit PCM;
 * Vorbis, Opus, MPEG layer III for those). 0 for any other suffix. */
int audio_format_for(const char *path, int in_format);

/* 0 when audio_format_for has a format for path and path is a regular
 * file or not there yet; else -1 and a message naming the path (a pipe
 * or device: the containers are finished by seeking back), or its
 * suffix and the suffixes this build writes. */
int audio_check_output(const char *path, kv_err *err);

/* Write a to `path` atomically (core/outfile.h), in the format
 * audio_format_for chooses, samples outside -1..1 clipped. The path
 * must name a file: the containers are finished by seeking back. Fails
 * naming the path; nothing is left there on failure. */
int audio_write(const char *path, const audio_signal *a, kv_err *err);

/* Free the samples; safe on a zeroed signal. */
void audio_free(audio_signal *a);

#endif
