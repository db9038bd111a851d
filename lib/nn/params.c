/* params.c: the parameter table: declaration, layout, initialisation,
 * safetensors glue. */
#include "nn/params.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int
nnparams_add(nnparams *p, const char *name, int trainable, kv_err *err,
	int ndim, ...)
{
	nnp_tensor *t;
	va_list ap;

	if (p->data != NULL)
		return kv_errf(err, "parameter \"%s\": table already allocated",
		    name);
	if (ndim < 0 || ndim > NNP_MAX_DIMS || strlen(name) >= NNP_MAX_NAME)
		return kv_errf(err, "parameter \"%s\": bad rank or name", name);
	if (nnparams_find(p, name) >= 0)
		return kv_errf(err, "parameter \"%s\" declared twice", name);
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		nnp_tensor *nt = realloc(p->t, cap * sizeof *nt);
		if (nt == NULL)
			return kv_errf(err, "out of memory");
		p->t = nt;
		p->cap = cap;
	}
	t = &p->t[p->n];
	memset(t, 0, sizeof *t);
	strcpy(t->name, name);
	t->ndim = ndim;
	t->trainable = trainable;
	t->size = 1;
	va_start(ap, ndim);
	for (int i = 0; i < ndim; i++) {
		t->shape[i] = va_arg(ap, size_t);
		t->size *= t->shape[i];
	}
	va_end(ap);
	return (int)p->n++;
}

int
nnparams_alloc(nnparams *p, kv_err *err)
{
	size_t pos = 0;

	for (int pass = 1; pass >= 0; pass--) {
		for (size_t i = 0; i < p->n; i++)
			if (p->t[i].trainable == pass) {
				p->t[i].offset = pos;
				pos += p->t[i].size;
			}
		if (pass == 1)
			p->n_trainable = pos;
	}
	p->total = pos;
	p->data = calloc(pos + 1, sizeof(float));
	p->grad = calloc(pos + 1, sizeof(float));
	if (p->data == NULL || p->grad == NULL) {
		free(p->data);
		free(p->grad);
		p->data = p->grad = NULL;
		return kv_errf(err, "out of memory for %zu parameters", pos);
	}
	return 0;
}

float *
nnparams_data(const nnparams *p, int i)
{
	return p->data + p->t[i].offset;
}

float *
nnparams_grad(const nnparams *p, int i)
{
	return p->grad + p->t[i].offset;
}

int
nnparams_find(const nnparams *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->t[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
nnparams_zero_grad(nnparams *p)
{
	memset(p->grad, 0, p->total * sizeof(float));
}

void
nnparams_uniform(nnparams *p, int i, double bound, gsl_rng *rng)
{
	float *d = nnparams_data(p, i);

	for (size_t k = 0; k < p->t[i].size; k++)
		d[k] = (float)((2 * gsl_rng_uniform(rng) - 1) * bound);
}

void
nnparams_fill(nnparams *p, int i, float value)
{
	float *d = nnparams_data(p, i);

	for (size_t k = 0; k < p->t[i].size; k++)
		d[k] = value;
}

int
nnparams_write(const nnparams *p, st_writer *w, kv_err *err)
{
	for (size_t i = 0; i < p->n; i++)
		if (st_writer_add(w, p->t[i].name, ST_F32, p->t[i].ndim,
		    p->t[i].shape, nnparams_data(p, (int)i), err))
			return -1;
	return 0;
}

static void
shape_str(char *buf, size_t size, int ndim, const uint64_t *shape)
{
	size_t k = 0;

	buf[0] = '\0';
	for (int i = 0; i < ndim && k < size; i++)
		k += (size_t)snprintf(buf + k, size - k, "%s%llu", i ? "x" : "",
		    (unsigned long long)shape[i]);
}

int
nnparams_match(const nnparams *p, const st_file *f, const char *prefix,
	kv_err *err)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	char want[64], got[64];

	for (size_t i = 0; i < f->ntensors; i++)
		if (strncmp(f->tensors[i].name, prefix ? prefix : "", plen) == 0 &&
		    nnparams_find(p, f->tensors[i].name) < 0)
			return kv_errf(err, "%s: unexpected tensor \"%s\" (a model "
			    "of another architecture?)", f->path,
			    f->tensors[i].name);
	for (size_t i = 0; i < p->n; i++) {
		const nnp_tensor *t = &p->t[i];
		const st_tensor *s = st_find(f, t->name);
		int same = s != NULL && s->ndim == t->ndim;
		for (int d = 0; same && d < t->ndim; d++)
			same = s->shape[d] == t->shape[d];
		if (s == NULL)
			return kv_errf(err, "%s: tensor \"%s\" is missing", f->path,
			    t->name);
		if (!same) {
			shape_str(want, sizeof want, t->ndim, t->shape);
			shape_str(got, sizeof got, s->ndim, s->shape);
			return kv_errf(err, "%s: tensor \"%s\" is %s, expected %s",
			    f->path, t->name, got[0] ? got : "a scalar",
			    want[0] ? want : "a scalar");
		}
	}
	return 0;
}

int
nnparams_read(nnparams *p, const st_file *f, const char *prefix,
	kv_err *err)
{
	if (nnparams_match(p, f, prefix, err))
		return -1;
	for (size_t i = 0; i < p->n; i++)
		if (st_get_f32(f, st_find(f, p->t[i].name),
		    nnparams_data(p, (int)i), p->t[i].size, err))
			return -1;
	return 0;
}

void
nnparams_free(nnparams *p)
{
	free(p->t);
	free(p->data);
	free(p->grad);
	memset(p, 0, sizeof *p);
}
