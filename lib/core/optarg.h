/* optarg.h: option arguments (numbers, record ranges, column lists)
 * parsed into values. Nothing here prints or exits: a failure returns -1
 * with a message in err, which the caller reports. */
#ifndef KVAE_OPTARG_H
#define KVAE_OPTARG_H

#include <stddef.h>

#include "core/err.h"

/* Each parses the whole of `arg` (leading/trailing blanks refused) and
 * checks the bounds; 0, or -1 with a message naming the option:
 * "--head: 'x' is not a whole number". */
int optarg_int(const char *opt, const char *arg, long long min,
	long long max, long long *out, kv_err *err);
int optarg_double(const char *opt, const char *arg, double min,
	double max, double *out, kv_err *err);

/* A half-open record range "A:B" (either end may be empty: "10:", ":60",
 * negative ends count from the end of the sequence, as in Python). */
typedef struct optarg_range {
	long long start;	/* as given; valid when has_start */
	long long stop;		/* as given; valid when has_stop */
	int has_start, has_stop;
} optarg_range;

int optarg_range_parse(const char *opt, const char *arg, optarg_range *out,
	kv_err *err);

/* A comma-separated list of ranges, each "A:B" as above or one record
 * "N" (N:N+1; "-1" the last): "12,40:45,-3:". *out gets *n ranges
 * (malloc'd, caller frees). 0, or -1 with a message quoting the item. */
int optarg_range_list_parse(const char *opt, const char *arg,
	optarg_range **out, size_t *n, kv_err *err);

/* Resolve a range against a sequence length: [*lo, *hi) within [0, n). */
void optarg_range_resolve(const optarg_range *r, size_t n, size_t *lo,
	size_t *hi);

/* A column list "1,3-5" (1-based, as cut(1)). On success *cols holds
 * *ncols 0-based indices in the order given (malloc'd, caller frees).
 * At most `max_index` (1-based) is accepted. */
int optarg_columns(const char *opt, const char *arg, size_t max_index,
	size_t **cols, size_t *ncols, kv_err *err);

#endif
