/* stats.h: summary statistics of a stream (kvae-cat --info). */
#ifndef KVAE_SEQSTAT_H
#define KVAE_SEQSTAT_H

#include <stddef.h>

#include "core/err.h"

typedef struct seqstat_column {
	size_t present;		/* non-missing values */
	size_t missing;
	double sum, min, max;
} seqstat_column;

typedef struct seqstat {
	size_t dim;
	seqstat_column *col;	/* dim */
	size_t nseq;		/* sequences finished */
	size_t *len;		/* record count per sequence (nseq) */
	size_t *missing;	/* missing values per sequence (nseq) */
	size_t cap;
	size_t cur_len, cur_missing;	/* the sequence being counted */
} seqstat;

/* Start counting records of `dim` values. 0 or -1 (out of memory). */
int seqstat_init(seqstat *s, size_t dim, kv_err *err);

/* Count one record. */
void seqstat_record(seqstat *s, const double *x);

/* End the current sequence (ignored when it has no records). 0 or -1. */
int seqstat_break(seqstat *s, kv_err *err);

void seqstat_free(seqstat *s);

#endif
