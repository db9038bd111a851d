/* run.h: the ME filter (denoise.h) over a whole input, as me-kalman runs
 * it: a kvae-seq(5) stream (each column of each sequence on its own), a
 * sound file (each channel), a PGM/PPM image (each channel, samples
 * rounded and clamped to 0..maxval) or any image or video libavformat
 * reads (each plane of each frame, written in the same layout).
 *
 * The input is one already opened and sniffed (core/input.h,
 * media/sniff.h): the routes read it from its first byte, peeked bytes
 * included, so pipes and FIFOs work for every kind. Outputs are written
 * atomically (core/outfile.h). */
#ifndef KVAE_MEKF_RUN_H
#define KVAE_MEKF_RUN_H

#include <stddef.h>

#include "core/err.h"
#include "core/input.h"
#include "mefilter/denoise.h"

/* The most bytes of an input held in memory (a sound file or image on a
 * pipe, which libsndfile and the PGM/PPM parser read whole). */
#define MEKF_RUN_MAX_BYTES ((size_t)1 << 32)

/* Which signal a model belongs to. */
typedef struct mekf_where {
	const char *name;	/* the input, for messages: path or "stdin" */
	const char *unit;	/* "column" (streams) or "channel" */
	const char *outer;	/* "sequence" (streams), "frame" (video), or
				   NULL (audio, PGM/PPM) */
	size_t outer_index;	/* 1-based; 0 when outer is NULL */
	size_t index;		/* 1-based column, channel or plane */
} mekf_where;

/* Told about every model fitted, as mekf_report_fn, with the place. */
typedef void mekf_run_report_fn(const mekf_where *where, const mekf_model *m,
	const char *pass, size_t block, size_t first, size_t count,
	void *user);

typedef struct mekf_job {
	mekf_opts f;		/* the filter */
	const char *output;	/* "-" or NULL: stdout */
	int write;		/* 0: fit and report only, write nothing */
	int format;		/* streams: SEQ_CSV, SEQ_BIN, or 0: the input's */
	int quiet;		/* video: no progress on stderr */
	mekf_run_report_fn *report;	/* may be NULL */
	void *user;		/* for report and warn */
	int strict;		/* video: a damaged or cut input fails */
	/* Video: told, once, that the input was damaged or ended before its
	 * announced end (media_reader_damage's message), when not strict.
	 * May be NULL. */
	void (*warn)(void *user, const char *msg);
} mekf_job;

/* Denoise `in` as a stream of `kind` (a sniff.h SNIFF_* kind): streams
 * (SNIFF_SEQ_TEXT, SNIFF_SEQ_BIN) to a stream of the job's format;
 * SNIFF_AUDIO to a sound file in the format the output's suffix names
 * (media/audio.h; the output must be a file); SNIFF_PNM to PGM/PPM when
 * the output is stdout or a .pgm/.ppm/.pnm name, else like SNIFF_Y4M and
 * SNIFF_MEDIA to the image or video format the output's suffix names
 * (media/video.h). Nothing is written when the job says so; the models
 * are reported all the same. Fails, naming the input and the place
 * (sequence and column, channel, frame and plane), on unreadable input
 * or a model that cannot be built, and on SNIFF_MEK; nothing is left at
 * the output path then. */
int mekf_run_input(kv_input *in, int kind, const mekf_job *job, kv_err *err);

#endif
