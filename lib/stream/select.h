/* select.h: choosing records of a sequence and masking them as missing,
 * for imputation and extrapolation experiments (kvae-cat, and any tool
 * that offers --keep-every and friends).
 *
 * Order of operations on each sequence, as kvae-cat(1) documents it:
 * --range, then --head, then --tail choose records; --keep-every,
 * --drop-last and --drop-random then mark chosen records missing,
 * counting positions within the chosen records. */
#ifndef KVAE_SEQSEL_H
#define KVAE_SEQSEL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "core/optarg.h"

#define SEQSEL_UNKNOWN ((size_t)-1)	/* sequence length not known yet */

enum { SEQSEL_SKIP = 0, SEQSEL_KEEP = 1, SEQSEL_MASK = 2 };

typedef struct seqsel {
	optarg_range range;	/* all zero: every record */
	size_t head, tail;	/* 0: no limit */
	size_t keep_every;	/* 0 or 1: keep all */
	size_t drop_last;
	double drop_random;	/* probability of masking a record */
	gsl_rng *rng;		/* needed when drop_random > 0; not owned */
} seqsel;

/* Whether decisions need the sequence's length in advance (a negative
 * range end, --tail or --drop-last); otherwise records can stream. */
int seqsel_needs_length(const seqsel *s);

/* Decide record i (0-based) of a sequence of T records (SEQSEL_UNKNOWN
 * allowed when !seqsel_needs_length): SEQSEL_SKIP, SEQSEL_KEEP or
 * SEQSEL_MASK. Call for i = 0, 1, ... in order: the random draws happen
 * in that order, which makes --seed reproducible. */
int seqsel_decide(const seqsel *s, size_t i, size_t T);

/* Whether no record at or after i can be chosen (a reader may stop). */
int seqsel_done(const seqsel *s, size_t i, size_t T);

#endif
