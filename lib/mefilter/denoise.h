/* denoise.h: applying the ME filter (ar_model.h) to whole signals and image
 * planes: one model per signal or per block, the noise variance given or
 * estimated, rows and/or columns.
 *
 * Units are those of the samples as handed in (audio as libsndfile reads
 * it, -1..1; images 0..maxval; streams as written). */
#ifndef KVAE_MEKFRUN_H
#define KVAE_MEKFRUN_H

#include <stddef.h>

#include "core/err.h"
#include "mefilter/ar_model.h"
#include "mefilter/lgssm_form.h"

enum { MEKF_ROWS = 1, MEKF_COLS = 2, MEKF_BOTH = 3 };

typedef struct mekf_opts {
	size_t order;		/* AR order p, 1..MEKF_MAX_ORDER (else the
				   calls below fail) */
	double noise_var;	/* < 0: estimate it (the MAD of first
				   differences). Given or estimated, each
				   block caps it at 0.95 times the smallest
				   eigenvalue of its (p+1)-lag
				   autocorrelation matrix; the models
				   reported carry the value used */
	size_t block;		/* samples (signals) or rows/columns (planes)
				   per model; 0: one model for all */
	int direction;		/* planes: MEKF_ROWS, MEKF_COLS or MEKF_BOTH */
	int mode;		/* MEKF_STEADY: the steady-state gain;
				   MEKF_EXACT: the time-varying filter from
				   the stationary prior; MEKF_SMOOTH: the RTS
				   smoother (both through lgssm.h; each block
				   and each line a sequence of its own) */
} mekf_opts;

/* Told about every model fitted: `pass` is "signal", "rows" or "cols";
 * the model covers lines/samples [first, first + count) of the block. */
typedef void mekf_report_fn(const mekf_model *m, const char *pass,
	size_t block, size_t first, size_t count, void *user);

/* Denoise one signal in place (n samples, stride apart; NaN samples are
 * filled with the prediction). The noise variance is estimated once over
 * the whole signal; each block gets its own model, the filter state runs
 * on across block boundaries. A block whose variance does not exceed the
 * noise variance carries no signal the model can see: its output is its
 * mean. Fails (naming the block) when a model cannot be built. */
int mekf_denoise_signal(double *x, size_t n, size_t stride,
	const mekf_opts *o, mekf_report_fn *report, void *user, kv_err *err);

/* Denoise one image plane (h rows of w samples) in place: rows (each row
 * filtered on its own with the model of its band of o->block rows),
 * columns likewise, or rows then columns; for the second pass of BOTH
 * the noise variance is the first pass's steady-state error variance,
 * capped as an estimate is (see mekf_opts). */
int mekf_denoise_plane(double *x, size_t w, size_t h, const mekf_opts *o,
	mekf_report_fn *report, void *user, kv_err *err);

#endif
