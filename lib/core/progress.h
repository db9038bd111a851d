/* progress.h: progress of long work on stderr.
 *
 * On a terminal: one line redrawn in place (label, count, percentage when
 * the total is known, rate). Otherwise (a log file, CI): a plain line at
 * most every `interval` seconds (10 by default). Nothing when quiet. */
#ifndef KVAE_PROGRESS_H
#define KVAE_PROGRESS_H

#include <stddef.h>

typedef struct progress {
	const char *label;	/* e.g. "epoch 3" or "frames" */
	size_t total;		/* 0 when unknown */
	size_t done;
	int quiet;
	int tty;		/* stderr is a terminal */
	double interval;	/* seconds between non-terminal lines */
	double t_start, t_last;
	char extra[128];	/* free text after the count, e.g. "loss 1.23" */
} progress;

/* Start reporting; `total` may be 0 (unknown). */
void progress_start(progress *p, const char *label, size_t total, int quiet);

/* Record that `done` units are finished; prints when it is time. */
void progress_update(progress *p, size_t done);

/* Set the free text shown after the count (printf-style). */
void progress_note(progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print the final line (terminal: end the redrawn line). */
void progress_end(progress *p);

#endif
