/* prefault.c: see prefault.h. */
#include "core/prefault.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct prefault {
	void *start;
	size_t len;
	pthread_t thread;
};

static void
populate(void *start, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	if (len > 0)
		(void)madvise(start, len, MADV_POPULATE_WRITE);
#else
	(void)start;
	(void)len;
#endif
}

static void *
worker(void *arg)
{
	prefault *pf = arg;

	populate(pf->start, pf->len);
	return NULL;
}

prefault *
prefault_start(void *p, size_t bytes, int background)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t b = ((uintptr_t)p + bytes) & ~(page - 1);
	prefault *pf;

	if (p == NULL || b <= a)
		return NULL;
	if (!background) {
		populate((void *)a, b - a);
		return NULL;
	}
	if ((pf = malloc(sizeof *pf)) == NULL)
		return NULL;
	pf->start = (void *)a;
	pf->len = b - a;
	if (pthread_create(&pf->thread, NULL, worker, pf) != 0) {
		free(pf);
		return NULL;
	}
	return pf;
}

void
prefault_finish(prefault *pf)
{
	if (pf == NULL)
		return;
	pthread_join(pf->thread, NULL);
	free(pf);
}
