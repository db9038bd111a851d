/* ssim.h: structural similarity of two image planes.
 *
 * Three definitions users meet, each reproducible here:
 *   wang     Wang, Bovik, Sheikh, Simoncelli 2004 (ssim_index.m): 11x11
 *            Gaussian window, sigma 1.5, population (co)variances, mean
 *            over the windows that fit inside the image;
 *   skimage  scikit-image's default: 7x7 uniform window, sample
 *            (co)variances (N/(N-1)), mean over the same valid region;
 *   ffmpeg   ffmpeg's ssim filter (after x264): sums over 4x4 blocks,
 *            8x8 windows at stride 4, integer sums with its own constants.
 * On top: ssim.m's box-filter downsampling before scoring, and
 * multi-scale SSIM (Wang, Simoncelli, Bovik 2003).
 *
 * A plane is any of uint8, uint16, float or double samples, read in
 * place. The work runs in parallel over rows (OpenMP); the result does
 * not depend on the number of threads. */
#ifndef KVAE_SSIM_H
#define KVAE_SSIM_H

#include <stddef.h>

#include "core/err.h"

enum ssim_type { SSIM_U8 = 1, SSIM_U16, SSIM_F32, SSIM_F64 };

/* One plane, not owned. */
typedef struct ssim_image {
	const void *data;	/* first row */
	ptrdiff_t stride;	/* bytes from one row to the next */
	int width, height;
	enum ssim_type type;
} ssim_image;

enum ssim_window {
	SSIM_GAUSSIAN = 1,	/* sampled Gaussian, normalised to sum 1 */
	SSIM_UNIFORM,		/* all weights equal */
	SSIM_BLOCK8		/* ffmpeg's 8x8 windows at stride 4 */
};

enum ssim_preset { SSIM_WANG = 1, SSIM_SKIMAGE, SSIM_FFMPEG };

#define SSIM_DOWNSAMPLE_AUTO 0	/* ssim.m: max(1, round(min(H,W)/256)) */
#define SSIM_MS_SCALES 5

typedef struct ssim_params {
	enum ssim_window window;
	int win_size;		/* odd, >= 3 (gaussian, uniform) */
	double sigma;		/* gaussian */
	double k1, k2;		/* C1 = (k1 L)^2, C2 = (k2 L)^2 */
	int sample_cov;		/* scale (co)variances by N/(N-1) */
	int downsample;		/* factor >= 1, or SSIM_DOWNSAMPLE_AUTO */
	int ms_ssim;		/* multi-scale, 5 scales */
} ssim_params;

/* The settings of a preset (downsample 1, single scale). */
void ssim_preset(ssim_params *p, enum ssim_preset preset);

/* Check the settings and that an image of width x height is large
 * enough for them (after downsampling; at every scale for MS-SSIM).
 * Returns 0, or -1 with a message such as "64x48 is too small for
 * MS-SSIM: 5 scales of an 11x11 window need at least 161x161". */
int ssim_check(const ssim_params *p, int width, int height, kv_err *err);

/* The downsampling factor used for an image of width x height. */
int ssim_downsample_factor(const ssim_params *p, int width, int height);

/* The size of the SSIM map for an image of width x height: one value per
 * window position (after downsampling). 0 for MS-SSIM, which has none. */
void ssim_map_size(const ssim_params *p, int width, int height, int *mw,
	int *mh);

/* The mean SSIM of planes x and y (same size) with dynamic range L
 * (the largest sample value: 255 for 8 bits, 1 for float). For MS-SSIM,
 * the product over scales. If `map` is not NULL it receives the SSIM of
 * every window, row by row (ssim_map_size; unused for MS-SSIM).
 * Returns 0, or -1 with a message (sizes differ, too small, no memory). */
int ssim_compute(const ssim_params *p, const ssim_image *x,
	const ssim_image *y, double L, double *score, double *map,
	kv_err *err);

/* The slow, obviously correct version of ssim_compute: every window
 * summed on its own, one thread, no downsampling, single scale. For the
 * tests. Same returns. */
int ssim_compute_ref(const ssim_params *p, const ssim_image *x,
	const ssim_image *y, double L, double *score, double *map,
	kv_err *err);

/* ssim.m's downsampling of a plane by `f`: f x f box filter with
 * symmetric borders, anchored as MATLAB's imfilter 'same', then every
 * f-th row and column from the first. `out` holds ceil(h/f) x ceil(w/f)
 * doubles; the result describes it. */
ssim_image ssim_downsample(const ssim_image *x, int f, double *out);

/* 10 log10(1 / (1 - s)), +inf for s = 1. */
double ssim_db(double s);

#endif
