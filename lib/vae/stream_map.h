/* stream_map.h: a VAE applied to a kvae-seq(5) stream record by record
 * (vae-encode, vae-decode).
 *
 * Encoding maps each record (the model's input_dim values, data units)
 * to its latent mean, optionally followed by the encoder's variances;
 * decoding maps each latent record to the decoder's mean in data units,
 * optionally followed by the decoder's variances. A record with every
 * value missing (encoding) or any value missing (decoding) becomes a
 * missing record, so gaps survive the round trip for kf-smooth to fill.
 * Sequence boundaries are kept; output is flushed whenever input would
 * block, so the tools work behind `tail -f`. */
#ifndef KVAE_VAESTREAM_H
#define KVAE_VAESTREAM_H

#include <stdio.h>

#include "core/err.h"
#include "vae/vae.h"

enum { VAE_ENCODE, VAE_DECODE };

typedef struct vae_stream_opts {
	int direction;		/* VAE_ENCODE or VAE_DECODE */
	int variances;		/* append variances to each output record */
	int format;		/* SEQ_CSV/SEQ_BIN, 0: the input's */
	int scalar;		/* SEQ_F32/SEQ_F64, 0: the input's */
	int out_width, out_height;	/* image models' frames: scale up */
	int fps_num, fps_den;	/* image models' frames: rate (0: the
				   model's) */
	int channel;		/* audio models: 1-based, 0 the mono mix */
	const char *phase_from;	/* audio decode: reference sound */
	int mask;		/* audio decode: gain on the reference */
	int griffin_lim;	/* audio decode: iterations (-1: default) */
	const char *gaps;	/* audio decode: the gappy latent stream */
	const char *model_name;	/* for messages */
} vae_stream_opts;

/* Read the stream at inpath ("-": stdin), map every record, write to out
 * (named outname in messages). 0, or -1 with a message naming the file
 * and record. */
int vae_stream_map(vae *v, const char *inpath, FILE *out,
	const char *outname, const vae_stream_opts *o, kv_err *err);

/* The whole tool: load the model file, map inpath to outpath ("-":
 * stdout; a file is written atomically and left untouched on failure).
 * An image model (vae.h) encodes pictures (frame_map.h; detected by
 * content, else records of input_dim values) and decodes to pictures
 * named by outpath (NULL: Y4M on stdout), or to records when o->format
 * is set; an audio model (vae/audio_map.h) likewise encodes a sound
 * file and decodes to one. Sets o->model_name. 0 or -1. */
int vae_stream_run(const char *model, const char *inpath,
	const char *outpath, vae_stream_opts *o, kv_err *err);

#endif
