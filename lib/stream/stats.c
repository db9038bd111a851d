/* stats.c: counts, missing values and column ranges of a stream. */
#include "stream/stats.h"

#include <math.h>
#include <stdlib.h>

int
seqstat_init(seqstat *s, size_t dim, kv_err *err)
{
	*s = (seqstat){ .dim = dim };
	s->col = calloc(dim, sizeof *s->col);
	if (s->col == NULL)
		return kv_errf(err, "out of memory");
	for (size_t i = 0; i < dim; i++) {
		s->col[i].min = INFINITY;
		s->col[i].max = -INFINITY;
	}
	return 0;
}

void
seqstat_record(seqstat *s, const double *x)
{
	for (size_t i = 0; i < s->dim; i++) {
		seqstat_column *c = &s->col[i];
		if (isnan(x[i])) {
			c->missing++;
			s->cur_missing++;
			continue;
		}
		c->present++;
		c->sum += x[i];
		if (x[i] < c->min)
			c->min = x[i];
		if (x[i] > c->max)
			c->max = x[i];
	}
	s->cur_len++;
}

int
seqstat_break(seqstat *s, kv_err *err)
{
	if (s->cur_len == 0)
		return 0;
	if (s->nseq == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		size_t *len = realloc(s->len, cap * sizeof *len);
		size_t *mis;
		if (len == NULL)
			return kv_errf(err, "out of memory");
		s->len = len;
		if ((mis = realloc(s->missing, cap * sizeof *mis)) == NULL)
			return kv_errf(err, "out of memory");
		s->missing = mis;
		s->cap = cap;
	}
	s->len[s->nseq] = s->cur_len;
	s->missing[s->nseq] = s->cur_missing;
	s->nseq++;
	s->cur_len = s->cur_missing = 0;
	return 0;
}

void
seqstat_free(seqstat *s)
{
	free(s->col);
	free(s->len);
	free(s->missing);
	*s = (seqstat){ 0 };
}
