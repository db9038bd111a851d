/* pipeline.h: SSIM of two videos (or images), frame pair by frame pair.
 *
 * The settings are resolved first (a preset with overrides), then a plan
 * says which planes of the two inputs are scored and how, then the
 * pipeline decodes, scores and hands each pair's scores to the caller in
 * frame order. Decoding and scoring overlap: the calling thread decodes
 * the reference while a thread of its own decodes the distorted input,
 * both a frame or more ahead, kept by reference (media_keep); worker
 * threads at nice +5 each score a whole pair. A single pair (two images)
 * is scored on the calling thread instead, its rows split among the
 * OpenMP threads. With one thread (core/threads.h) everything runs on
 * the calling thread, pair after pair. The scores do not depend on the
 * number of threads.
 *
 * Nothing here prints or exits: every failure fills kv_err. */
#ifndef KVAE_SSIM_PIPELINE_H
#define KVAE_SSIM_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "media/video.h"
#include "ssim/ssim.h"

#define SSIM_MAX_CH 3

/* Parts of a preset a user may override; 0 or NaN: keep the preset's. */
typedef struct ssim_overrides {
	enum ssim_preset preset;
	enum ssim_window window;	/* 0 or SSIM_GAUSSIAN, SSIM_UNIFORM */
	int win_size;			/* 0 or odd >= 3 */
	double sigma, k1, k2;		/* NaN: the preset's */
	int downsample_set;		/* downsample was given */
	int downsample;			/* factor, or SSIM_DOWNSAMPLE_AUTO */
	int ms_ssim;
} ssim_overrides;

/* The preset's settings with the overrides applied, into *p. Returns 0,
 * or -1 with a message naming the option that does not fit the preset
 * ("--window: the ffmpeg preset has its own 8x8 blocks"; the ffmpeg
 * preset takes no --ms-ssim or --downsample). */
int ssim_params_resolve(ssim_params *p, const ssim_overrides *o,
	kv_err *err);

/* Which planes are scored. */
enum ssim_channels {
	SSIM_CH_Y = 1,	/* luma: plane 0, or computed from RGB */
	SSIM_CH_RGB,	/* every plane of RGB input */
	SSIM_CH_YUV,	/* every plane of YUV input */
	SSIM_CH_ALL	/* every plane as stored */
};

/* What is scored in each frame pair. */
typedef struct ssim_plan {
	int nch;
	char name[SSIM_MAX_CH];		/* 'Y', 'U', 'V', 'R', 'G', 'B' */
	int plane[SSIM_MAX_CH];		/* plane index, or -1: computed luma */
	double weight[SSIM_MAX_CH];	/* for All: share of the samples */
	double L;			/* dynamic range */
	enum ssim_type type;		/* of the stored samples */
	/* Computed luma (plane -1), per side (reference, distorted): the
	 * side's format; for an RGB side, Kr R + Kg G + Kb B by `matrix`,
	 * times gain plus offset (the other side's luma representation:
	 * 16..235 scaled to its depth for limited-range YUV); a YUV or
	 * grey side gives its plane 0. */
	media_format side[2];
	enum media_matrix matrix;
	double gain[2], offset[2];
} ssim_plan;

/* Decide the plan for readers ra (reference) and rb (distorted): both
 * must have the same size and plane layout, except that with SSIM_CH_Y
 * an RGB side is compared with a YUV or grey one through its luma in
 * the other's representation (BT.709 weights when the YUV side says
 * so, else BT.601; limited or full range as it is); `channels` picks the planes;
 * `data_range` is L, or NaN for the pixel format's largest sample.
 * Checks that every scored plane is large enough for p. Returns 0, or -1
 * with a message naming the input ("sizes differ: a.y4m is 64x48, b.y4m
 * is 32x24", "a.png: plane Y: 8x8 is smaller than ..."). */
int ssim_plan_make(ssim_plan *pl, const ssim_params *p,
	enum ssim_channels channels, double data_range,
	const media_reader *ra, const media_reader *rb, kv_err *err);

/* The decoder threads to give each of the two readers (media_open) when
 * `threads` score: half of them, at least 1 (0: threads_count()). */
int ssim_decoder_threads(int threads);

/* The SSIM map of the first scored plane as an 8-bit grey video or
 * image (white 1, black <= 0), one frame per pair. */
typedef struct ssim_map_out ssim_map_out;

/* Open `path` for the maps of plan pl on frames of format f (as
 * media_writer_open; the frame rate is f's). NULL with a message naming
 * the path. p must not be MS-SSIM (it has no single map). */
ssim_map_out *ssim_map_open(const char *path, const ssim_params *p,
	const ssim_plan *pl, const media_format *f, kv_err *err);

/* Finish the map file and move it into place; frees m. Returns 0, or -1
 * with a message (then nothing is left at the path). */
int ssim_map_close(ssim_map_out *m, kv_err *err);

/* Throw the map file away and free m; safe with NULL. */
void ssim_map_abort(ssim_map_out *m);

/* Called with the scores of frame pair n (1, 2, ... in order), on the
 * thread that runs the pipeline: score[c] for each planned plane c, then
 * All, weighted by plane size, at score[pl->nch] (with one plane,
 * score[1] = score[0]). Returns 0, or non-zero with a message in err to
 * stop the run. */
typedef int (*ssim_frame_fn)(void *ctx, int64_t n, const double *score,
	kv_err *err);

/* What a run does besides scoring. */
typedef struct ssim_run_opts {
	int threads;		/* scoring threads; 0: threads_count(); 1:
				   all on the calling thread */
	int shortest;		/* stop at the end of the shorter input */
	ssim_map_out *map;	/* maps written here, in order; NULL: none */
	ssim_frame_fn on_frame;	/* NULL: none */
	void *ctx;		/* on_frame's */
} ssim_run_opts;

/* The scores over a run. */
typedef struct ssim_totals {
	size_t frames;			/* pairs scored */
	double sum[SSIM_MAX_CH + 1];	/* per plane, then All */
	double min_all;			/* lowest All; +inf with no frames */
	size_t min_frame;		/* its pair, from 1 */
} ssim_totals;

/* Score every pair of ra and rb (from where each reader stands) with p
 * and plan pl (ssim_plan_make), writing maps and calling on_frame in
 * frame order; the totals into *t. The readers stay the caller's; the
 * frames are let go before the return. Returns 0, or -1 with the first
 * error in frame order: a decoding error, a frame that cannot be scored
 * ("frame 3: plane Y: ..."), the map writer's or on_frame's error, or
 * unless `shortest`, one input ending before the other ("frame counts
 * differ: c.y4m has 2 frames, a.y4m has more ..."). The pairs before it
 * have been handed to on_frame. */
int ssim_pipeline_run(const ssim_params *p, const ssim_plan *pl,
	media_reader *ra, media_reader *rb, const ssim_run_opts *o,
	ssim_totals *t, kv_err *err);

#endif
