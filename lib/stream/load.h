/* load.h: every sequence of one or more kvae-seq(5) streams in memory,
 * for the programs that learn from all of them at once (kf-fit,
 * kvae-train).
 *
 * The streams are read in the order given, each sequence after the
 * other, and their records laid end to end: sequence i is the T[i]
 * records from record off[i] of x. All streams must have records of the
 * same dim; whether they carry variances may differ. */
#ifndef KVAE_SEQ_LOAD_H
#define KVAE_SEQ_LOAD_H

#include <stddef.h>

#include "core/err.h"

typedef struct seq_set {
	size_t dim;		/* values per record */
	size_t nseq;		/* sequences */
	size_t N;		/* records in all (sum of T) */
	size_t *T;		/* (nseq) records per sequence */
	size_t *off;		/* (nseq) first record of each sequence */
	double *x;		/* (N, dim) values, NaN = missing */
	double *var;		/* (N, dim) variances (NaN where a stream has
				   none), or NULL without SEQ_LOAD_VARIANCES */
} seq_set;

/* Flags of seq_load_all. */
enum { SEQ_LOAD_VARIANCES = 1 };	/* keep the variance columns */

/* Read every sequence of the streams paths[0 .. npaths) ("-" is stdin;
 * npaths 0 reads stdin alone) into s. Variance columns are dropped
 * unless flags has SEQ_LOAD_VARIANCES. An infinite value is an error
 * (NaN is missing). 0, or -1 with s empty and a message naming the
 * file and, where it applies, the line or record: "b.csv: records have
 * 4 values, a.csv had 5", "a.csv:7: field 2 is infinite", and the
 * reader's own (seq.h) for a stream that is empty or malformed. Free
 * with seq_set_free (safe on a zeroed struct). */
int seq_load_all(seq_set *s, const char *const *paths, size_t npaths,
	int flags, kv_err *err);

/* As seq_load_all, with `first` (taken over, closed here) the already
 * opened reader of paths[0]: a stream on stdin whose first bytes were
 * looked at (seq_reader_open_fd) to tell it from pictures. */
typedef struct seq_reader seq_reader;
int seq_load_all_from(seq_set *s, seq_reader *first,
	const char *const *paths, size_t npaths, int flags, kv_err *err);

void seq_set_free(seq_set *s);

#endif
