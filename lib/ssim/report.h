/* report.h: the scores of a run as text: one line per frame pair (CSV,
 * or the lines of ffmpeg's ssim stats_file), progress, and the summary.
 * Writes only to the streams it is given (and progress to stderr). */
#ifndef KVAE_SSIM_REPORT_H
#define KVAE_SSIM_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/progress.h"
#include "ssim/pipeline.h"

/* How the per-frame lines look. */
enum ssim_format {
	SSIM_FORMAT_CSV = 1,	/* frame,Y[,U,V,All], 8 decimals (dB: 6) */
	SSIM_FORMAT_FFMPEG	/* n:1 Y:... U:... V:... All:... (dB) */
};

/* Where and how the per-frame lines go. */
typedef struct ssim_report {
	FILE *fp;		/* the lines; not owned */
	const ssim_plan *pl;	/* not owned */
	enum ssim_format format;
	int db;			/* CSV: 10 log10(1 / (1 - SSIM)) instead */
	int lines;		/* 0: neither header nor lines */
	progress prog;		/* frames done */
} ssim_report;

/* Set r up and write the CSV header line to fp when `lines`; start the
 * progress of frames on stderr unless `quiet` or not `lines`. */
void ssim_report_start(ssim_report *r, FILE *fp, const ssim_plan *pl,
	enum ssim_format format, int db, int lines, int quiet);

/* An ssim_frame_fn (ctx: the ssim_report): the line of pair n when
 * lines are on, and the progress. Returns 0 (write errors show when the
 * stream is flushed and checked by its owner). */
int ssim_report_frame(void *ctx, int64_t n, const double *score,
	kv_err *err);

/* End the progress line (on a terminal). */
void ssim_report_end(ssim_report *r);

/* The mean of All over the run on fp, one line ("%.8f", or "%.6f" dB
 * when `db`). t->frames must be > 0. */
void ssim_report_mean(FILE *fp, const ssim_plan *pl, const ssim_totals *t,
	int db);

/* The summary line, without newline, into buf (size bytes, truncated to
 * fit): "4 frames, mean Y 0.912345 (10.592 dB), min 0.901234 (frame 2)",
 * with every plane and All when there are several. t->frames must be
 * > 0. */
void ssim_report_summary(char *buf, size_t size, const ssim_plan *pl,
	const ssim_totals *t);

#endif
