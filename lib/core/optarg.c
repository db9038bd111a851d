/* optarg.c: option arguments parsed into values, with errors returned,
 * never printed: the programs' exiting wrappers (cmd/common/cli.h) and
 * the fuzz harnesses share them. */
#include "core/optarg.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
optarg_int(const char *opt, const char *arg, long long min, long long max,
	long long *out, kv_err *err)
{
	char *end;
	long long v;

	if (arg == NULL || *arg == '\0' || isspace((unsigned char)*arg))
		return kv_errf(err, "%s: '%s' is not a whole number", opt,
		    arg ? arg : "");
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*end != '\0')
		return kv_errf(err, "%s: '%s' is not a whole number", opt, arg);
	if (errno == ERANGE || v < min || v > max)
		return kv_errf(err, "%s: %s is out of range [%lld, %lld]", opt,
		    arg, min, max);
	*out = v;
	return 0;
}

int
optarg_double(const char *opt, const char *arg, double min, double max,
	double *out, kv_err *err)
{
	char *end;
	double v;

	if (arg == NULL || *arg == '\0' || isspace((unsigned char)*arg))
		return kv_errf(err, "%s: '%s' is not a number", opt,
		    arg ? arg : "");
	errno = 0;
	v = strtod(arg, &end);
	if (*end != '\0' || isnan(v))
		return kv_errf(err, "%s: '%s' is not a number", opt, arg);
	if (isinf(v) && !isinf(max) && !isinf(min))
		return kv_errf(err, "%s: '%s' is not a finite number", opt, arg);
	if (errno == ERANGE || !(v >= min && v <= max))
		return kv_errf(err, "%s: %s is out of range [%g, %g]", opt, arg,
		    min, max);
	*out = v;
	return 0;
}

/* Parse one end of a range: empty means absent. */
static int
range_end(const char *opt, const char *s, size_t len, long long *v, int *has,
	kv_err *err)
{
	char buf[32];

	*has = 0;
	if (len == 0)
		return 0;
	if (len >= sizeof buf)
		return kv_errf(err, "%s: '%.*s' is not a whole number", opt,
		    (int)len, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (optarg_int(opt, buf, -(1LL << 62), 1LL << 62, v, err) != 0)
		return -1;
	*has = 1;
	return 0;
}

int
optarg_range_parse(const char *opt, const char *arg, optarg_range *out, kv_err *err)
{
	const char *colon = strchr(arg, ':');

	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		return kv_errf(err, "%s: '%s' is not a range START:STOP", opt,
		    arg);
	if (range_end(opt, arg, (size_t)(colon - arg), &out->start,
	    &out->has_start, err) != 0)
		return -1;
	return range_end(opt, colon + 1, strlen(colon + 1), &out->stop,
	    &out->has_stop, err);
}

/* One item of a range list: "A:B", or "N" for the one record N. */
static int
range_item(const char *opt, const char *item, optarg_range *r, kv_err *err)
{
	if (strchr(item, ':') != NULL)
		return optarg_range_parse(opt, item, r, err);
	if (range_end(opt, item, strlen(item), &r->start, &r->has_start,
	    err) != 0)
		return -1;
	if (!r->has_start)
		return kv_errf(err, "%s: an empty item", opt);
	r->stop = r->start + 1;
	r->has_stop = r->stop != 0;	/* "-1": to the end */
	return 0;
}

int
optarg_range_list_parse(const char *opt, const char *arg, optarg_range **out,
	size_t *n, kv_err *err)
{
	char *copy = strdup(arg), *item, *save = NULL;
	size_t cap = 1;

	*n = 0;
	for (const char *p = arg; *p; p++)
		cap += *p == ',';
	*out = calloc(cap, sizeof **out);
	if (copy == NULL || *out == NULL) {
		free(copy);
		free(*out);
		*out = NULL;
		return kv_errf(err, "out of memory");
	}
	if (*arg == '\0' || arg[strlen(arg) - 1] == ',' || *arg == ',' ||
	    strstr(arg, ",,") != NULL) {
		kv_errf(err, "%s: '%s' has an empty item", opt, arg);
		goto fail;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save))
		if (range_item(opt, item, &(*out)[(*n)++], err) != 0)
			goto fail;
	free(copy);
	return 0;
fail:
	free(copy);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

/* Python-style index clamp into [0, n]. */
static size_t
clamp_index(long long i, size_t n)
{
	if (i < 0)
		i += (long long)n;
	if (i < 0)
		return 0;
	if ((unsigned long long)i > n)
		return n;
	return (size_t)i;
}

void
optarg_range_resolve(const optarg_range *r, size_t n, size_t *lo, size_t *hi)
{
	*lo = r->has_start ? clamp_index(r->start, n) : 0;
	*hi = r->has_stop ? clamp_index(r->stop, n) : n;
	if (*hi < *lo)
		*hi = *lo;
}

/* Parse a positive decimal at *p, advancing it; 0 on failure. */
static size_t
column_number(const char **p, size_t max_index)
{
	size_t v = 0;

	if (!isdigit((unsigned char)**p))
		return 0;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (size_t)(**p - '0');
		if (v > max_index)
			return 0;
		(*p)++;
	}
	return v;
}

int
optarg_columns(const char *opt, const char *arg, size_t max_index,
	size_t **cols, size_t *ncols, kv_err *err)
{
	const char *p = arg;
	size_t *list = NULL, n = 0, cap = 0, a, b, c;

	for (;;) {
		a = column_number(&p, max_index);
		b = a;
		if (a != 0 && *p == '-') {
			p++;
			b = column_number(&p, max_index);
		}
		if (a == 0 || b == 0 || b < a || (*p != ',' && *p != '\0')) {
			free(list);
			return kv_errf(err, "%s: '%s' is not a column list like "
			    "1,3-5 with columns 1 to %zu", opt, arg, max_index);
		}
		for (c = a; c <= b; c++) {
			if (n == cap) {
				size_t *grown;
				cap = cap ? 2 * cap : 8;
				grown = realloc(list, cap * sizeof *list);
				if (grown == NULL) {
					free(list);
					return kv_errf(err, "%s: out of memory",
					    opt);
				}
				list = grown;
			}
			list[n++] = c - 1;
		}
		if (*p == '\0')
			break;
		p++;
	}
	*cols = list;
	*ncols = n;
	return 0;
}
