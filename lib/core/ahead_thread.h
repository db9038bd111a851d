/* ahead_thread.h: items computed ahead, in order, on a second thread, and
 * taken in the same order on the first, through a ring of a few slots:
 * a two-stage pipeline for a loop whose steps split into a part that
 * does not depend on the previous step (computed ahead) and a part
 * that does. With spinning before sleeping, a hand-over costs well under
 * a microsecond while both threads keep pace. */
#ifndef KVAE_AHEAD_H
#define KVAE_AHEAD_H

#include <stddef.h>

#include "core/err.h"

/* Compute item k (0-based) into buf (item_size bytes); 0, or non-zero to
 * stop there (the taker sees that value at item k). */
typedef int (*ahead_fn)(void *ctx, size_t k, void *buf);

typedef struct ahead ahead;

/* Start computing items 0 .. count-1 with fn(ctx, k, buf) on a new
 * thread, at most `depth` ahead of the taker. NULL with a message when
 * out of memory or a thread cannot be started. */
ahead *ahead_start(size_t count, size_t depth, size_t item_size,
	ahead_fn fn, void *ctx, kv_err *err);

/* Wait for item k (k = 0, 1, ... in turn; each after the previous was
 * released) and return it; *rc gets fn's value for it. */
void *ahead_take(ahead *a, size_t k, int *rc);

/* Done with item k: its slot may be reused. */
void ahead_release(ahead *a, size_t k);

/* Stop (whether or not all items were taken), join the thread, free a.
 * NULL is fine. */
void ahead_stop(ahead *a);

#endif
