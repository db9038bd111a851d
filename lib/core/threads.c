/* threads.c: see threads.h. */
#include "core/threads.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int count;	/* threads_set's; 0: not set */

void
threads_set(int n)
{
	count = n < 1 ? 1 : n;
#ifdef _OPENMP
	omp_set_num_threads(count);
#endif
}

/* OMP_NUM_THREADS as libgomp reads it: a list of whole numbers, one per
 * nesting level, the first for the outermost. Anything else is ignored
 * (libgomp warns and keeps its default): 0. */
static int
env_count(void)
{
	const char *s = getenv("OMP_NUM_THREADS");
	char *end;
	long v;

	if (s == NULL)
		return 0;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || v < 1 || v > INT_MAX || (*end != '\0' && *end != ','))
		return 0;
	return (int)v;
}

int
threads_limit(void)
{
	return count > 0 ? count : env_count();
}

int
threads_count(void)
{
	int n = threads_limit();

	if (n > 0)
		return n;
#ifdef _OPENMP
	n = omp_get_num_procs();
#else
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
#endif
	return n < 1 ? 1 : n;
}
