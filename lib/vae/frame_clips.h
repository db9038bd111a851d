/* frame_clips.h: the frames of training videos held in memory, one clip
 * per input, at a model's size and channels (media/frame_source.h), for
 * kvae_data_windows (train.h).
 *
 * Frames are held as float32, C S S values each: 16 kB a frame at
 * 64 x 64 grey, 4 kB at 32 x 32. Loading stops with a clear message
 * before the frames would pass `max_bytes`, so a long video cannot
 * quietly take the machine's memory. */
#ifndef KVAE_FRAME_CLIPS_H
#define KVAE_FRAME_CLIPS_H

#include <stddef.h>

#include "core/err.h"
#include "core/input.h"
#include "vae/train.h"

typedef struct frame_clips {
	size_t n;		/* clips, one per input */
	kvae_clip *clip;	/* (n) views of the buffers below */
	float **buf;		/* (n) owned frames */
	size_t bytes;		/* held in all */
	int fps_num, fps_den;	/* the first input's frame rate */
} frame_clips;

/* Read every frame of paths[0 .. n) at size x size, `channels`. `first`
 * (may be NULL) is the peeked input of paths[0], taken over. 0, or -1
 * with a message naming the input (unreadable, damaged, no frames, or
 * "the training frames would take more than N MiB ..."). */
int frame_clips_load(frame_clips *c, const char *const *paths, size_t n,
	kv_input *first, int size, int channels, size_t max_bytes,
	kv_err *err);

void frame_clips_free(frame_clips *c);

#endif
