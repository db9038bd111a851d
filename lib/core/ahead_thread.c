/* ahead_thread.c: see ahead_thread.h. The producer and the taker each publish a
 * counter (items done, items released); a side that finds nothing to do
 * spins a while on the other's counter, then sleeps on a condition
 * variable, and a side that moves its counter wakes the other only if
 * it sleeps. */
#include "core/ahead_thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SPINS 500	/* polls (some tens of microseconds) before sleeping */

struct ahead {
	size_t count, depth, item_size;
	ahead_fn fn;
	void *ctx;
	unsigned char *ring;	/* depth items */
	int *rcs;		/* fn's values, per ring slot */
	atomic_size_t done;	/* items computed */
	atomic_size_t freed;	/* items released */
	atomic_int stop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_int sleepers;	/* threads in (or entering) cond_wait */
};

/* Wait until *counter > want or a->stop. */
static void
await_counter(ahead *a, atomic_size_t *counter, size_t want)
{
	for (int i = 0; i < SPINS; i++) {
		if (atomic_load_explicit(counter, memory_order_acquire) > want ||
		    atomic_load(&a->stop))
			return;
#if defined(__x86_64__)
		__builtin_ia32_pause();
#endif
	}
	pthread_mutex_lock(&a->lock);
	atomic_fetch_add(&a->sleepers, 1);
	while (atomic_load(counter) <= want && !atomic_load(&a->stop))
		pthread_cond_wait(&a->cond, &a->lock);
	atomic_fetch_sub(&a->sleepers, 1);
	pthread_mutex_unlock(&a->lock);
}

/* Move *counter to value and wake a sleeper, if any. Both accesses are
 * sequentially consistent: a sleeper counts itself before it looks at
 * the counter, so either it sees the new value or we see it. */
static void
publish(ahead *a, atomic_size_t *counter, size_t value)
{
	atomic_store(counter, value);
	if (atomic_load(&a->sleepers) > 0) {
		pthread_mutex_lock(&a->lock);
		pthread_cond_broadcast(&a->cond);
		pthread_mutex_unlock(&a->lock);
	}
}

static void *
producer(void *arg)
{
	ahead *a = arg;

	for (size_t k = 0; k < a->count; k++) {
		size_t slot = k % a->depth;
		int rc;

		if (k >= a->depth)	/* room: item k - depth released */
			await_counter(a, &a->freed, k - a->depth);
		if (atomic_load(&a->stop))
			break;
		rc = a->fn(a->ctx, k, a->ring + slot * a->item_size);
		a->rcs[slot] = rc;
		publish(a, &a->done, k + 1);
		if (rc != 0)
			break;
	}
	return NULL;
}

ahead *
ahead_start(size_t count, size_t depth, size_t item_size, ahead_fn fn,
	void *ctx, kv_err *err)
{
	ahead *a = calloc(1, sizeof *a);

	if (a == NULL || (a->ring = malloc(depth * item_size)) == NULL ||
	    (a->rcs = malloc(depth * sizeof *a->rcs)) == NULL) {
		if (a != NULL)
			free(a->ring);
		free(a);
		kv_errf(err, "out of memory");
		return NULL;
	}
	a->count = count;
	a->depth = depth;
	a->item_size = item_size;
	a->fn = fn;
	a->ctx = ctx;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	if (pthread_create(&a->thread, NULL, producer, a) != 0) {
		pthread_mutex_destroy(&a->lock);
		pthread_cond_destroy(&a->cond);
		free(a->rcs);
		free(a->ring);
		free(a);
		kv_errf(err, "cannot start a thread");
		return NULL;
	}
	return a;
}

void *
ahead_take(ahead *a, size_t k, int *rc)
{
	size_t slot = k % a->depth;

	await_counter(a, &a->done, k);
	*rc = a->rcs[slot];
	return a->ring + slot * a->item_size;
}

void
ahead_release(ahead *a, size_t k)
{
	publish(a, &a->freed, k + 1);
}

void
ahead_stop(ahead *a)
{
	if (a == NULL)
		return;
	atomic_store(&a->stop, 1);
	pthread_mutex_lock(&a->lock);
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a->rcs);
	free(a->ring);
	free(a);
}
