/* load.c: every sequence of a set of streams in memory, see load.h. */
#include "stream/load.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "stream/seq.h"

/* Room for one more record and, when a new sequence starts, one more
 * sequence. 0 or -1. */
static int
grow(seq_set *s, int keep_var, size_t *rcap, size_t *scap, int new_seq,
	kv_err *err)
{
	if (s->N == *rcap) {
		size_t cap = *rcap ? 2 * *rcap : 256;
		double *x = realloc(s->x, cap * s->dim * sizeof *x);
		if (x == NULL)
			return kv_errf(err, "out of memory (%zu records)", cap);
		s->x = x;
		if (keep_var) {
			double *v = realloc(s->var, cap * s->dim * sizeof *v);
			if (v == NULL)
				return kv_errf(err, "out of memory (%zu records)",
				    cap);
			s->var = v;
		}
		*rcap = cap;
	}
	if (new_seq && s->nseq == *scap) {
		size_t cap = *scap ? 2 * *scap : 16;
		size_t *T = realloc(s->T, cap * sizeof *T);
		if (T == NULL)
			return kv_errf(err, "out of memory (%zu sequences)", cap);
		s->T = T;
		size_t *off = realloc(s->off, cap * sizeof *off);
		if (off == NULL)
			return kv_errf(err, "out of memory (%zu sequences)", cap);
		s->off = off;
		*scap = cap;
	}
	return 0;
}

/* Append every sequence of the open stream r to s; rec (2 dim) is
 * scratch. 0 or -1. */
static int
load_stream(seq_set *s, seq_reader *r, int keep_var, double *rec,
	size_t *rcap, size_t *scap, kv_err *err)
{
	size_t dim = s->dim;
	int in_seq = 0, rc;
	double *x = rec, *var = rec + dim;

	while ((rc = seq_read(r, x, var, err)) != SEQ_EOF) {
		if (rc < 0)
			return -1;
		if (rc == SEQ_BREAK) {
			in_seq = 0;
			continue;
		}
		if (grow(s, keep_var, rcap, scap, !in_seq, err) != 0)
			return -1;
		if (!in_seq) {
			s->off[s->nseq] = s->N;
			s->T[s->nseq++] = 0;
			in_seq = 1;
		}
		memcpy(s->x + s->N * dim, x, dim * sizeof *x);
		if (keep_var)
			memcpy(s->var + s->N * dim, var, dim * sizeof *var);
		s->T[s->nseq - 1]++;
		s->N++;
	}
	return 0;
}

int
seq_load_all(seq_set *s, const char *const *paths, size_t npaths,
	int flags, kv_err *err)
{
	return seq_load_all_from(s, NULL, paths, npaths, flags, err);
}

int
seq_load_all_from(seq_set *s, seq_reader *first, const char *const *paths,
	size_t npaths, int flags, kv_err *err)
{
	static const char *const std_in[] = { "-" };
	int keep_var = (flags & SEQ_LOAD_VARIANCES) != 0;
	size_t rcap = 0, scap = 0;
	double *rec = NULL;
	int rc = 0;

	memset(s, 0, sizeof *s);
	if (npaths == 0) {
		paths = std_in;
		npaths = 1;
	}
	for (size_t i = 0; i < npaths && rc == 0; i++) {
		seq_reader *r = i == 0 && first != NULL ? first :
		    seq_reader_open(paths[i], err);
		size_t dim;
		if (r == NULL) {
			rc = -1;
			break;
		}
		dim = seq_reader_layout(r)->dim;
		if (i == 0) {
			s->dim = dim;
			if ((rec = malloc(2 * dim * sizeof *rec)) == NULL)
				rc = kv_errf(err, "%s: out of memory",
				    infile_name(paths[i]));
		} else if (dim != s->dim) {
			rc = kv_errf(err, "%s: records have %zu values, %s had %zu",
			    infile_name(paths[i]), dim, infile_name(paths[0]),
			    s->dim);
		}
		if (rc == 0)
			rc = load_stream(s, r, keep_var, rec, &rcap, &scap, err);
		seq_reader_close(r);
	}
	free(rec);
	if (rc != 0)
		seq_set_free(s);
	return rc;
}

void
seq_set_free(seq_set *s)
{
	free(s->T);
	free(s->off);
	free(s->x);
	free(s->var);
	memset(s, 0, sizeof *s);
}
