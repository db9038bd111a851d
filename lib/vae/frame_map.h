/* frame_map.h: an image VAE (vae.h, input "image") between pictures and
 * latent streams: vae-encode on a video, images or Y4M, vae-decode to a
 * video or images.
 *
 * Encoding reads the frames through media/frame_source.h (the model's
 * size and channels, [-1, 1]), runs the encoder in evaluation mode on
 * batches of frames and writes each frame's latent mean (and, with
 * variances, the encoder's variances) as one record of a kvae-seq(5)
 * stream: one input is one sequence. Decoding reads a latent stream and
 * writes the decoder's mean of each record through media/frame_sink.h.
 * Both stream: memory does not grow with the length of the video. */
#ifndef KVAE_FRAME_MAP_H
#define KVAE_FRAME_MAP_H

#include <stdio.h>

#include "core/err.h"
#include "core/input.h"
#include "vae/vae.h"

/* Frames given to the encoder at a time. */
#define VAE_FRAME_BATCH 32

typedef struct vae_frames_opts {
	int variances;		/* encode: append the encoder's variances */
	int format, scalar;	/* encode: SEQ_CSV/SEQ_BIN (0: CSV), SEQ_F32/
				   SEQ_F64 (0: F32 for binary) */
	int out_width, out_height;	/* decode: scale up to (0: no) */
	int fps_num, fps_den;	/* decode: frame rate (0: the model's, or
				   25/1 when it has none) */
	const char *model_name;	/* for messages */
} vae_frames_opts;

/* Encode the pictures at `path` (frame_source.h; `in`, may be NULL, is
 * its peeked input, taken over) to a latent stream on out (named
 * outname). 0, or -1 with a message naming the input and frame. */
int vae_frames_encode(vae *v, const char *path, kv_input *in, FILE *out,
	const char *outname, const vae_frames_opts *o, kv_err *err);

/* Decode the latent stream at inpath ("-": stdin) to pictures at
 * outpath (frame_sink.h's names; "-": Y4M on stdout). A stream of
 * several sequences gives one output per sequence when outpath is a
 * video name holding a printf pattern for an integer ("out-%02d.mkv":
 * sequences numbered from 1), and otherwise one output holding the
 * frames of every sequence in turn (an image pattern "f%04d.png"
 * numbers all frames on). A missing latent record is an error (fill
 * gaps with kf-smooth first). 0, or -1 with a message; on failure no
 * output is left behind. */
int vae_frames_decode(vae *v, const char *inpath, const char *outpath,
	const vae_frames_opts *o, kv_err *err);

/* Whether a name is a video name holding an integer pattern (one file
 * per sequence), as vae_frames_decode reads it. */
int vae_frames_per_sequence(const char *outpath);

#endif
