/* select.c: record choice and masking for one sequence. */
#include "stream/select.h"

#include <gsl/gsl_rng.h>

int
seqsel_needs_length(const seqsel *s)
{
	return (s->range.has_start && s->range.start < 0) ||
	    (s->range.has_stop && s->range.stop < 0) || s->tail > 0 ||
	    s->drop_last > 0;
}

/* The chosen window [lo, hi) of a sequence of T records. */
static void
window(const seqsel *s, size_t T, size_t *lo, size_t *hi)
{
	optarg_range_resolve(&s->range, T, lo, hi);
	if (s->head > 0 && *hi - *lo > s->head)
		*hi = *lo + s->head;
	if (s->tail > 0 && *hi - *lo > s->tail)
		*lo = *hi - s->tail;
}

int
seqsel_decide(const seqsel *s, size_t i, size_t T)
{
	size_t lo, hi, j;

	window(s, T, &lo, &hi);
	if (i < lo || i >= hi)
		return SEQSEL_SKIP;
	j = i - lo;
	/* Draw for every chosen record so the pattern for a given seed does
	 * not depend on the other options. */
	if (s->drop_random > 0 && gsl_rng_uniform(s->rng) < s->drop_random)
		return SEQSEL_MASK;
	if (s->keep_every > 1 && j % s->keep_every != 0)
		return SEQSEL_MASK;
	if (s->drop_last > 0 && T != SEQSEL_UNKNOWN && hi - i <= s->drop_last)
		return SEQSEL_MASK;
	return SEQSEL_KEEP;
}

int
seqsel_done(const seqsel *s, size_t i, size_t T)
{
	size_t lo, hi;

	window(s, T, &lo, &hi);
	return i >= hi;
}
