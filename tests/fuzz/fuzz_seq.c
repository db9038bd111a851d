/* fuzz_seq: libFuzzer harness for the kvae-seq(5) reader (CSV with its
 * quoting and headers, binary, detection). Any input must give records or
 * a clean error, never a crash; what was read must survive a write and a
 * second read in both encodings unchanged (NaN for NaN); and a column
 * choice (one of a few, picked by the input's size) must give a clean
 * error or, where the whole stream reads and the choice is positions
 * that fit, exactly the chosen columns of the whole read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stream/seq.h"

/* The input as a file the reader can open by name. */
static int
as_file(const uint8_t *data, size_t size, char *path, size_t pathsize)
{
	int fd = memfd_create("fuzz", 0);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, pathsize, "/proc/self/fd/%d", fd);
	return fd;
}

/* A stream read into memory: records' values (and variances) in order,
 * and for each event whether it was a record or a sequence break. */
struct events {
	double *val;		/* 2 dim per record */
	char *kind;		/* 'r' record, 'b' break */
	size_t nval, nev, dim;
	int has_var;
};

static void
push(struct events *e, char kind, const double *x, const double *var)
{
	e->kind = realloc(e->kind, e->nev + 1);
	e->kind[e->nev++] = kind;
	if (kind != 'r')
		return;
	e->val = realloc(e->val, (e->nval + 2 * e->dim) * sizeof *e->val);
	memcpy(e->val + e->nval, x, e->dim * sizeof *x);
	memcpy(e->val + e->nval + e->dim, var, e->dim * sizeof *var);
	e->nval += 2 * e->dim;
}

/* Read a whole stream, keeping the columns `cols` chooses (NULL: all);
 * 0 on success, -1 when the reader refused it. */
static int
slurp_columns(const char *path, const seqcols *cols, struct events *e)
{
	kv_err err;
	seq_reader *r = seq_reader_open_columns(path, cols, &err);
	double *x;
	int rc;

	*e = (struct events){ 0 };
	if (r == NULL)
		return -1;
	e->dim = seq_reader_layout(r)->dim;
	e->has_var = seq_reader_layout(r)->has_var;
	x = malloc(2 * e->dim * sizeof *x);
	while ((rc = seq_read(r, x, x + e->dim, &err)) > 0)
		push(e, rc == SEQ_BREAK ? 'b' : 'r', x, x + e->dim);
	free(x);
	seq_reader_close(r);
	return rc == 0 ? 0 : -1;
}

static int
slurp(const char *path, struct events *e)
{
	return slurp_columns(path, NULL, e);
}

static void
events_free(struct events *e)
{
	free(e->val);
	free(e->kind);
}

/* Write the events back in `format` into a new memory file. */
static int
rewrite(const struct events *e, int format, char *path, size_t pathsize)
{
	int fd = memfd_create("fuzz-out", 0);
	FILE *fp = fdopen(dup(fd), "wb");
	seq_layout l = { .dim = e->dim, .has_var = e->has_var,
	    .format = format, .scalar = SEQ_F64 };
	seq_writer *w = seq_writer_open(fp, "out", &l, NULL);
	const double *v = e->val;

	for (size_t i = 0; i < e->nev; i++) {
		if (e->kind[i] == 'b') {
			seq_write_break(w, NULL);
			continue;
		}
		seq_write(w, v, v + e->dim, NULL);
		v += 2 * e->dim;
	}
	if (seq_writer_close(w, NULL) != 0)
		abort();
	fclose(fp);
	snprintf(path, pathsize, "/proc/self/fd/%d", fd);
	return fd;
}

static int
same_events(const struct events *a, const struct events *b)
{
	if (a->dim != b->dim || a->has_var != b->has_var ||
	    a->nev != b->nev || a->nval != b->nval ||
	    memcmp(a->kind, b->kind, a->nev) != 0)
		return 0;
	for (size_t i = 0; i < a->nval; i++)
		if (!(a->val[i] == b->val[i] ||
		    (isnan(a->val[i]) && isnan(b->val[i]))))
			return 0;
	return 1;
}

/* Column choices: positions (checked against the whole read) and names
 * (checked only for a clean result). */
static const char *const choices[] = {
	"1", "2-", "-2,1", "2,2", "a", "\"a,b\",x1", "var_x,1", "\"\"",
};

/* The column choice picked by the input's size, read and checked against
 * the whole read `all` (ok: it succeeded). */
static void
check_columns(const char *path, const struct events *all, int ok,
	size_t size)
{
	const char *spec = choices[size % (sizeof choices / sizeof *choices)];
	seqcols cols;
	struct events got;
	size_t *idx = NULL, n = 0;
	kv_err err;
	int got_ok, fits;

	if (seqcols_parse(&cols, spec, &err) != 0)
		abort();
	got_ok = slurp_columns(path, &cols, &got) == 0;
	fits = ok && !seqcols_has_names(&cols) && seqcols_resolve(&cols,
	    NULL, all->dim, "x", &idx, &n, &err) == 0;
	if (fits) {
		const double *a = all->val, *g = got.val;
		if (!got_ok || got.dim != n || got.has_var != all->has_var ||
		    got.nev != all->nev || memcmp(got.kind, all->kind,
		    all->nev) != 0)
			abort();
		for (size_t k = 0; k < all->nev; k++) {
			if (all->kind[k] != 'r')
				continue;
			for (size_t i = 0; i < n; i++) {
				double ax = a[idx[i]], gx = g[i];
				double av = a[all->dim + idx[i]], gv = g[n + i];
				if (!(ax == gx || (isnan(ax) && isnan(gx))) ||
				    !(av == gv || (isnan(av) && isnan(gv))))
					abort();
			}
			a += 2 * all->dim;
			g += 2 * n;
		}
	}
	free(idx);
	events_free(&got);
	seqcols_free(&cols);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct events in, again;
	int fd = as_file(data, size, path, sizeof path);
	int ok = slurp(path, &in) == 0;

	check_columns(path, &in, ok, size);
	close(fd);
	for (int format = SEQ_CSV; ok && format <= SEQ_BIN; format++) {
		int fd2 = rewrite(&in, format, path, sizeof path);
		if (slurp(path, &again) != 0 || !same_events(&in, &again))
			abort();
		close(fd2);
		events_free(&again);
	}
	events_free(&in);
	return 0;
}
