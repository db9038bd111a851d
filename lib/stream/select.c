/* select.c: record choice and masking for one sequence. */
#include "stream/select.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

static int
counts_from_end(const optarg_range *r)
{
	return (r->has_start && r->start < 0) || (r->has_stop && r->stop < 0);
}

int
seqsel_needs_length(const seqsel *s)
{
	for (size_t k = 0; k < s->ndrop; k++)
		if (counts_from_end(&s->drop[k]))
			return 1;
	return counts_from_end(&s->range) || s->tail > 0 || s->drop_last > 0;
}

/* Whether chosen record j of the n chosen is in a --drop range. */
static int
in_drop(const seqsel *s, size_t j, size_t n)
{
	for (size_t k = 0; k < s->ndrop; k++) {
		size_t a, b;
		optarg_range_resolve(&s->drop[k], n, &a, &b);
		if (j >= a && j < b)
			return 1;
	}
	return 0;
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
	if (in_drop(s, j, hi - lo))
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

/* ---- column choice ---- */

/* Read a decimal at *p into *v (at most SEQ_MAX_DIM-ish, here 2^31),
 * advancing p; 0 when there is none or it is 0 or too large. */
static int
read_position(const char **p, size_t *v)
{
	*v = 0;
	if (!isdigit((unsigned char)**p))
		return 0;
	while (isdigit((unsigned char)**p)) {
		*v = *v * 10 + (size_t)(**p - '0');
		if (*v > ((size_t)1 << 31))
			return 0;
		(*p)++;
	}
	return *v > 0;
}

/* Positions "N", "N-M", "N-", "-M" in [s, end); 1 when it has that
 * form (lo, hi set), 0 otherwise. */
static int
parse_positions(const char *s, const char *end, size_t *lo, size_t *hi)
{
	const char *p = s;

	*lo = 1;
	*hi = 0;
	if (p == end)
		return 0;
	if (*p != '-' && !read_position(&p, lo))
		return 0;
	if (p == end) {
		*hi = *lo;
		return 1;
	}
	if (*p++ != '-')
		return 0;
	if (p == end)
		return p - s > 1;	/* "N-"; a lone "-" is not positions */
	return read_position(&p, hi) && p == end;
}

static int
all_digits_or_dash(const char *s, const char *end)
{
	for (; s < end; s++)
		if (!isdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int
push_item(seqcols *c, size_t *cap, char *name, size_t lo, size_t hi,
	kv_err *err)
{
	if (c->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 8;
		seqcols_item *grown = realloc(c->item, ncap * sizeof *grown);
		if (grown == NULL) {
			free(name);
			return kv_errf(err, "out of memory");
		}
		c->item = grown;
		*cap = ncap;
	}
	c->item[c->n++] = (seqcols_item){ name, lo, hi };
	return 0;
}

int
seqcols_parse(seqcols *c, const char *spec, kv_err *err)
{
	char q[KV_QUOTE_SIZE(60)];
	const char *p = spec;
	size_t cap = 0;

	*c = (seqcols){ 0 };
	kv_quote(q, sizeof q, spec, 60);
	for (;;) {
		const char *start, *end;
		char *name = NULL;
		size_t lo = 0, hi = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			size_t len = 0;
			name = malloc(strlen(p) + 1);
			if (name == NULL)
				goto oom;
			for (p++;; p++) {
				if (*p == '\0') {
					free(name);
					seqcols_free(c);
					return kv_errf(err, "'%s': a quoted name "
					    "has no closing quote", q);
				}
				if (*p == '"' && p[1] != '"')
					break;
				if (*p == '"')
					p++;
				name[len++] = *p;
			}
			name[len] = '\0';
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ',' && *p != '\0') {
				free(name);
				seqcols_free(c);
				return kv_errf(err, "'%s': text after a quoted "
				    "name's closing quote", q);
			}
		} else {
			start = p;
			p += strcspn(p, ",\"");
			if (*p == '"') {
				seqcols_free(c);
				return kv_errf(err, "'%s': a quote inside a name "
				    "(quote the whole name: \"a,b\")", q);
			}
			end = p;
			while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			if (end == start) {
				seqcols_free(c);
				return kv_errf(err, "'%s': an empty item; expected "
				    "names or positions like 1,3-5 or 2-", q);
			}
			if (!parse_positions(start, end, &lo, &hi)) {
				if (all_digits_or_dash(start, end)) {
					seqcols_free(c);
					return kv_errf(err, "'%s': '%.*s' is not a "
					    "column position or range like 1, "
					    "3-5, 2- or -4 (from 1)", q,
					    (int)(end - start), start);
				}
				if ((name = strndup(start, (size_t)(end -
				    start))) == NULL)
					goto oom;
			} else if (hi != 0 && hi < lo) {
				seqcols_free(c);
				return kv_errf(err, "'%s': range %zu-%zu ends "
				    "before it starts", q, lo, hi);
			}
		}
		if (push_item(c, &cap, name, lo, hi, err) != 0) {
			seqcols_free(c);
			return -1;
		}
		if (*p == '\0')
			return 0;
		p++;
	}
oom:
	seqcols_free(c);
	return kv_errf(err, "out of memory");
}

int
seqcols_has_names(const seqcols *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->item[i].name != NULL)
			return 1;
	return 0;
}

int
seqcols_resolve(const seqcols *c, char *const *names, size_t dim,
	const char *where, size_t **idx, size_t *n, kv_err *err)
{
	size_t *list = NULL, cnt = 0, cap = 0;

	for (size_t k = 0; k < c->n; k++) {
		const seqcols_item *it = &c->item[k];
		size_t lo, hi;

		if (it->name != NULL) {
			char q[KV_QUOTE_SIZE(60)];
			kv_quote(q, sizeof q, it->name, 60);
			if (names == NULL) {
				free(list);
				return kv_errf(err, "%s: column '%s' chosen by "
				    "name, but the stream has no header of "
				    "names", where, q);
			}
			for (lo = 0; lo < dim; lo++)
				if (strcmp(names[lo], it->name) == 0)
					break;
			if (lo == dim) {
				free(list);
				return kv_errf(err, "%s: no column '%s' in the "
				    "header", where, q);
			}
			hi = ++lo;
		} else {
			lo = it->lo;
			hi = it->hi ? it->hi : dim;
			if (hi > dim || lo > dim) {
				free(list);
				return kv_errf(err, "%s: column %zu, the stream "
				    "has %zu", where, lo > dim ? lo : hi, dim);
			}
		}
		for (size_t i = lo; i <= hi; i++) {
			if (cnt == cap) {
				size_t *grown;
				cap = cap ? 2 * cap : 16;
				grown = realloc(list, cap * sizeof *grown);
				if (grown == NULL) {
					free(list);
					return kv_errf(err, "%s: out of memory",
					    where);
				}
				list = grown;
			}
			list[cnt++] = i - 1;
		}
	}
	*idx = list;
	*n = cnt;
	return 0;
}

void
seqcols_free(seqcols *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->item[i].name);
	free(c->item);
	*c = (seqcols){ 0 };
}
