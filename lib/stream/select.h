/* select.h: choosing records of a sequence and masking them as missing,
 * for imputation and extrapolation experiments (kvae-cat, and any tool
 * that offers --keep-every and friends).
 *
 * Order of operations on each sequence, as kvae-cat(1) documents it:
 * --range, then --head, then --tail choose records; --keep-every,
 * --drop-last, --drop and --drop-random then mark chosen records
 * missing, counting positions within the chosen records. */
#ifndef KVAE_SEQSEL_H
#define KVAE_SEQSEL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "core/err.h"
#include "core/optarg.h"

#define SEQSEL_UNKNOWN ((size_t)-1)	/* sequence length not known yet */

enum { SEQSEL_SKIP = 0, SEQSEL_KEEP = 1, SEQSEL_MASK = 2 };

typedef struct seqsel {
	optarg_range range;	/* all zero: every record */
	size_t head, tail;	/* 0: no limit */
	size_t keep_every;	/* 0 or 1: keep all */
	size_t drop_last;
	const optarg_range *drop;	/* ranges of chosen records to mask */
	size_t ndrop;
	double drop_random;	/* probability of masking a record */
	gsl_rng *rng;		/* needed when drop_random > 0; not owned */
} seqsel;

/* Whether decisions need the sequence's length in advance (a negative
 * range end, also of --drop, --tail or --drop-last); otherwise records
 * can stream. */
int seqsel_needs_length(const seqsel *s);

/* Decide record i (0-based) of a sequence of T records (SEQSEL_UNKNOWN
 * allowed when !seqsel_needs_length): SEQSEL_SKIP, SEQSEL_KEEP or
 * SEQSEL_MASK. Call for i = 0, 1, ... in order: the random draws happen
 * in that order, which makes --seed reproducible. */
int seqsel_decide(const seqsel *s, size_t i, size_t T);

/* Whether no record at or after i can be chosen (a reader may stop). */
int seqsel_done(const seqsel *s, size_t i, size_t T);

/* A choice of columns, as --columns takes it: a comma-separated list of
 * items, each a column name or 1-based positions: N, N-M, N- (to the
 * last), -M (from the first). An item is positions when it has that form
 * unquoted; anything else, or anything in double quotes (a CSV field:
 * "a,b", "" for a quote), is a name. Positions count columns of values:
 * a column's variance goes with it. */
typedef struct seqcols_item {
	char *name;		/* a name, or NULL for positions lo..hi */
	size_t lo, hi;		/* 1-based; hi 0: to the last column */
} seqcols_item;

typedef struct seqcols {
	seqcols_item *item;
	size_t n;
} seqcols;

/* Parse `spec` into c (allocated; free with seqcols_free). 0, or -1 with
 * a message quoting the spec when its syntax is wrong. */
int seqcols_parse(seqcols *c, const char *spec, kv_err *err);

/* Whether any item is a name. */
int seqcols_has_names(const seqcols *c);

/* Resolve c against a stream of `dim` columns named `names` (NULL: no
 * header): *idx gets *n 0-based column indices in the order given
 * (malloc'd). -1 with a message beginning with `where` when a position is
 * past the last column, a name is not among the names, or there are no
 * names to look it up in. */
int seqcols_resolve(const seqcols *c, char *const *names, size_t dim,
	const char *where, size_t **idx, size_t *n, kv_err *err);

void seqcols_free(seqcols *c);

#endif
