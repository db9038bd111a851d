/* spec.c: LGSSM from JSON specs and presets, see spec.h. */
#include "lgssm/spec.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/outfile.h"
#include "core/safetensors.h"
#include "core/readall.h"

/* Shape of a JSON value: number, array of numbers, array of arrays. */
static int
json_shape(void *ctx, const char *key, int *rank, size_t dims[2],
	kv_err *err)
{
	json_t *v = json_object_get(ctx, key), *row;
	size_t i;

	if (v == NULL)
		return 0;
	if (json_is_number(v)) {
		*rank = 0;
		return 1;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return kv_errf(err, "\"%s\" is not a number or a non-empty "
		    "array", key);
	dims[0] = json_array_size(v);
	if (json_is_number(json_array_get(v, 0)))
		*rank = 1;
	else {
		*rank = 2;
		dims[1] = json_array_size(json_array_get(v, 0));
	}
	json_array_foreach(v, i, row) {
		if (*rank == 1 && !json_is_number(row))
			return kv_errf(err, "\"%s\"[%zu] is not a number", key, i);
		if (*rank == 2 && (!json_is_array(row) ||
		    json_array_size(row) != dims[1] || dims[1] == 0))
			return kv_errf(err, "\"%s\" row %zu: expected %zu numbers",
			    key, i, dims[1]);
		for (size_t j = 0; *rank == 2 && j < dims[1]; j++)
			if (!json_is_number(json_array_get(row, j)))
				return kv_errf(err, "\"%s\"[%zu][%zu] is not a "
				    "number", key, i, j);
	}
	return 1;
}

static int
json_read(void *ctx, const char *key, double *dst, kv_err *err)
{
	json_t *v = json_object_get(ctx, key), *row, *e;
	size_t i, j, k = 0;

	(void)err;
	if (json_is_number(v)) {
		dst[0] = json_number_value(v);
		return 0;
	}
	json_array_foreach(v, i, row) {
		if (json_is_number(row))
			dst[k++] = json_number_value(row);
		else
			json_array_foreach(row, j, e)
				dst[k++] = json_number_value(e);
	}
	return 0;
}

static void
shape_text(char *buf, size_t size, int rank, const size_t dims[2])
{
	if (rank == 0)
		snprintf(buf, size, "a number");
	else if (rank == 1)
		snprintf(buf, size, "a vector of %zu", dims[0]);
	else
		snprintf(buf, size, "%zux%zu", dims[0], dims[1]);
}

/* A matrix key: must be present with rank 2; fills dims. */
static int
matrix_shape(const lgssm_source *src, const char *key, size_t dims[2],
	kv_err *err)
{
	int rank = 0, rc = src->shape(src->ctx, key, &rank, dims, err);
	char got[64];

	if (rc < 0)
		return -1;
	if (rc == 0)
		return kv_errf(err, "missing key \"%s\"", key);
	if (rank != 2) {
		shape_text(got, sizeof got, rank, dims);
		return kv_errf(err, "\"%s\" is %s, expected a matrix", key, got);
	}
	return 0;
}

/* Read `key` into the (d, d) matrix dst (cov) or the d-vector dst,
 * widening a number or (for cov) a diagonal vector. */
static int
read_widened(const lgssm_source *src, const char *key, double *dst,
	size_t d, int cov, kv_err *err)
{
	size_t dims[2] = { 0, 0 };
	int rank = 0, rc = src->shape(src->ctx, key, &rank, dims, err);
	double *tmp;
	char got[64];

	if (rc < 0)
		return -1;
	if (rc == 0)
		return kv_errf(err, "missing key \"%s\"", key);
	if ((rank == 1 && dims[0] != d) || (rank == 2 && (!cov ||
	    dims[0] != d || dims[1] != d))) {
		shape_text(got, sizeof got, rank, dims);
		if (cov)
			return kv_errf(err, "\"%s\" is %s, expected %zux%zu (or "
			    "a number, or a vector of %zu)", key, got, d, d, d);
		return kv_errf(err, "\"%s\" is %s, expected a vector of %zu",
		    key, got, d);
	}
	if (rank == 2)
		return src->read(src->ctx, key, dst, err);
	if ((tmp = calloc(d, sizeof *tmp)) == NULL)
		return kv_errf(err, "out of memory");
	if (src->read(src->ctx, key, tmp, err) != 0) {
		free(tmp);
		return -1;
	}
	if (cov) {
		memset(dst, 0, d * d * sizeof *dst);
		for (size_t i = 0; i < d; i++)
			dst[i * d + i] = tmp[rank == 0 ? 0 : i];
	} else
		for (size_t i = 0; i < d; i++)
			dst[i] = tmp[rank == 0 ? 0 : i];
	free(tmp);
	return 0;
}

/* The source's diffuse states into m. 0 or -1. */
static int
take_diffuse(lgssm *m, const lgssm_source *src, kv_err *err)
{
	if (src->all_diffuse) {
		for (size_t i = 0; i < m->n; i++)
			lgssm_set_diffuse(m, &i, 1);
		return 0;
	}
	for (size_t k = 0; k < src->ndiffuse; k++)
		if (src->diffuse[k] >= m->n)
			return kv_errf(err, "\"diffuse\"[%zu] is %zu: the state "
			    "has %zu components (0 to %zu)", k, src->diffuse[k],
			    m->n, m->n - 1);
	lgssm_set_diffuse(m, src->diffuse, src->ndiffuse);
	return 0;
}

int
lgssm_load(lgssm *m, const lgssm_source *src, kv_err *err)
{
	size_t a[2] = { 0, 0 }, c[2] = { 0, 0 };

	memset(m, 0, sizeof *m);
	if (matrix_shape(src, "A", a, err) != 0 ||
	    matrix_shape(src, "C", c, err) != 0)
		return -1;
	if (a[0] != a[1])
		return kv_errf(err, "\"A\" is %zux%zu, expected square", a[0],
		    a[1]);
	if (c[1] != a[0])
		return kv_errf(err, "\"C\" is %zux%zu, expected %zux%zu (A is "
		    "%zux%zu)", c[0], c[1], c[0], a[0], a[0], a[0]);
	/* Q, R and P0 may be one number each: refuse dimensions whose
	 * matrices the file does not pay for before allocating them. */
	if (a[0] > LGSSM_SPEC_MAX_DIM || c[0] > LGSSM_SPEC_MAX_DIM)
		return kv_errf(err, "\"C\" is %zux%zu: dimensions above %d are "
		    "not supported", c[0], c[1], LGSSM_SPEC_MAX_DIM);
	if (lgssm_alloc(m, a[0], c[0], err) != 0)
		return -1;
	if (src->read(src->ctx, "A", m->A, err) != 0 ||
	    src->read(src->ctx, "C", m->C, err) != 0 ||
	    read_widened(src, "Q", m->Q, m->n, 1, err) != 0 ||
	    read_widened(src, "R", m->R, m->p, 1, err) != 0 ||
	    read_widened(src, "mu0", m->mu0, m->n, 0, err) != 0 ||
	    (!src->all_diffuse && read_widened(src, "P0", m->P0, m->n, 1,
	    err) != 0) || take_diffuse(m, src, err) != 0 ||
	    lgssm_validate(m, err) != 0) {
		lgssm_free(m);
		return -1;
	}
	return 0;
}

/* A trained model file (safetensors): its "lgssm.KEY" tensors. */
static int
st_shape(void *ctx, const char *key, int *rank, size_t dims[2], kv_err *err)
{
	char name[64];
	const st_tensor *t;

	snprintf(name, sizeof name, "lgssm.%s", key);
	if ((t = st_find(ctx, name)) == NULL)
		return 0;
	if (t->ndim > 2)
		return kv_errf(err, "tensor \"%s\" has %d dimensions", name,
		    t->ndim);
	*rank = t->ndim;
	for (int i = 0; i < t->ndim; i++)
		dims[i] = (size_t)t->shape[i];
	return 1;
}

static int
st_read_tensor(void *ctx, const char *key, double *dst, kv_err *err)
{
	char name[64];
	const st_tensor *t;

	snprintf(name, sizeof name, "lgssm.%s", key);
	t = st_find(ctx, name);
	return st_get_f64(ctx, t, dst, (size_t)t->nelem, err);
}

/* Is buf a safetensors file? By content: an 8-byte little-endian
 * header length, then '{'. A JSON spec starts with '{' or white space
 * instead, and its first bytes read as such a length are far larger than
 * the file; a length too large that does not start like JSON is still a
 * safetensors file, for st_parse to name what is wrong with it. */
static int
is_safetensors(const uint8_t *b, size_t len)
{
	uint64_t hlen = 0;

	if (len < 9 || b[8] != '{')
		return 0;
	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | b[i];
	return hlen <= (uint64_t)len - 8 || memchr("{ \t\r\n", b[0], 5) == NULL;
}

static int
load_safetensors(lgssm *m, const uint8_t *buf, size_t len, const char *name,
	kv_err *err)
{
	st_file *f = st_parse(buf, len, name, err);
	lgssm_source src = { .shape = st_shape, .read = st_read_tensor };
	int rc;

	if (f == NULL)
		return -1;
	src.ctx = f;
	if (st_find(f, "lgssm.A") == NULL)
		rc = kv_errf(err, "no \"lgssm.A\" tensor (a model without "
		    "dynamics, not a KVAE)");
	else
		rc = lgssm_load(m, &src, err);
	st_free(f);
	return rc != 0 ? kv_err_prefix(err, "%s", name) : 0;
}

/* A JSON spec's "P0": "diffuse" and "diffuse": [...] into src (idx
 * allocated here, or NULL). 0 or -1. */
static int
json_diffuse(json_t *root, lgssm_source *src, size_t **idx, kv_err *err)
{
	json_t *p0 = json_object_get(root, "P0"), *list, *e;
	size_t k;

	*idx = NULL;
	if (json_is_string(p0)) {
		if (strcmp(json_string_value(p0), "diffuse") != 0)
			return kv_errf(err, "\"P0\" is \"%s\": expected a "
			    "matrix, a vector, a number or \"diffuse\"",
			    json_string_value(p0));
		if (json_object_get(root, "diffuse") != NULL)
			return kv_errf(err, "\"P0\" is \"diffuse\": leave out "
			    "\"diffuse\" (every state is)");
		src->all_diffuse = 1;
		return 0;
	}
	if ((list = json_object_get(root, "diffuse")) == NULL)
		return 0;
	if (!json_is_array(list))
		return kv_errf(err, "\"diffuse\" is not an array of state "
		    "indices");
	if ((*idx = malloc((json_array_size(list) + 1) * sizeof **idx)) == NULL)
		return kv_errf(err, "out of memory");
	json_array_foreach(list, k, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0)
			return kv_errf(err, "\"diffuse\"[%zu] is not a state "
			    "index (an integer from 0)", k);
		(*idx)[k] = (size_t)json_integer_value(e);
		for (size_t j = 0; j < k; j++)
			if ((*idx)[j] == (*idx)[k])
				return kv_errf(err, "\"diffuse\" lists state "
				    "%zu twice", (*idx)[k]);
	}
	src->diffuse = *idx;
	src->ndiffuse = json_array_size(list);
	return 0;
}

int
lgssm_load_buffer(lgssm *m, const void *buf, size_t len, const char *name,
	kv_err *err)
{
	json_error_t jerr;
	json_t *root;
	lgssm_source src = { .shape = json_shape, .read = json_read };
	size_t *idx = NULL;
	int rc;

	memset(m, 0, sizeof *m);
	if (is_safetensors(buf, len))
		return load_safetensors(m, buf, len, name, err);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (jerr.line < 1)
			return kv_errf(err, "%s: %s", name, jerr.text);
		return kv_errf(err, "%s:%d: %s", name, jerr.line, jerr.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return kv_errf(err, "%s: not a JSON object", name);
	}
	src.ctx = root;
	rc = json_diffuse(root, &src, &idx, err);
	if (rc == 0)
		rc = lgssm_load(m, &src, err);
	free(idx);
	json_decref(root);
	if (rc != 0)
		return kv_err_prefix(err, "%s", name);
	return 0;
}

int
lgssm_load_file(lgssm *m, const char *path, kv_err *err)
{
	uint8_t *buf;
	size_t len;
	int rc;

	memset(m, 0, sizeof *m);
	if (readall_path(path, LGSSM_SPEC_MAX_FILE, &buf, &len, err) != 0)
		return -1;
	rc = lgssm_load_buffer(m, buf, len, infile_name(path), err);
	free(buf);
	return rc;
}

int
lgssm_preset_parse(const char *name)
{
	if (strcmp(name, "local-level") == 0 || strcmp(name, "random-walk") == 0)
		return LGSSM_LOCAL_LEVEL;
	if (strcmp(name, "constant-velocity") == 0)
		return LGSSM_CONST_VEL;
	if (strcmp(name, "constant-acceleration") == 0)
		return LGSSM_CONST_ACC;
	return 0;
}

static double
fact(int k)
{
	return k <= 1 ? 1 : k * fact(k - 1);
}

int
lgssm_preset(lgssm *m, int kind, size_t dim, double q, double r, double dt,
	double p0, kv_err *err)
{
	size_t o = (size_t)kind, n = o * dim;

	if (lgssm_alloc(m, n, dim, err) != 0)
		return -1;
	for (size_t d = 0; d < dim; d++) {
		size_t b = d * o;
		for (size_t i = 0; i < o; i++)
			for (size_t j = 0; j < o; j++) {
				/* A: Taylor terms dt^(j-i) / (j-i)! */
				if (j >= i)
					m->A[(b + i) * n + b + j] =
					    pow(dt, (double)(j - i)) / fact((int)(j - i));
				/* Q of white noise on the highest derivative:
				 * q dt^(k) / (k (o-1-i)! (o-1-j)!), k = 2o-1-i-j */
				int k = 2 * (int)o - 1 - (int)i - (int)j;
				m->Q[(b + i) * n + b + j] = q * pow(dt, k) /
				    (k * fact((int)o - 1 - (int)i) *
				    fact((int)o - 1 - (int)j));
			}
		m->C[d * n + b] = 1;
		m->R[d * dim + d] = r;
	}
	for (size_t i = 0; i < n; i++) {
		m->P0[i * n + i] = p0;
		m->Pinf[i * n + i] = p0 == 0;
	}
	return lgssm_validate(m, err);
}

static json_t *
json_matrix(const double *v, size_t rows, size_t cols, int vector)
{
	json_t *a = json_array();

	for (size_t i = 0; i < rows; i++) {
		json_t *row = vector ? NULL : json_array();
		for (size_t j = 0; j < cols; j++)
			json_array_append_new(vector ? a : row,
			    json_real(v[i * cols + j]));
		if (!vector)
			json_array_append_new(a, row);
	}
	return a;
}

int
lgssm_write_json(const lgssm *m, FILE *fp, kv_err *err)
{
	json_t *root = json_object();
	size_t rows, cols;
	int rc;

	for (int k = 0; k < LGSSM_NPARAM; k++) {
		const double *v = lgssm_param(m, k, &rows, &cols);
		json_object_set_new(root, lgssm_param_name[k],
		    json_matrix(v, rows, cols, k == LGSSM_MU0));
	}
	if (lgssm_is_diffuse(m)) {
		json_t *list = json_array();
		for (size_t i = 0; i < m->n; i++)
			if (m->Pinf[i * m->n + i] != 0)
				json_array_append_new(list, json_integer(
				    (json_int_t)i));
		json_object_set_new(root, "diffuse", list);
	}
	errno = 0;
	rc = json_dumpf(root, fp, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(17));
	json_decref(root);
	if (rc != 0 || fputc('\n', fp) == EOF)
		return kv_errf(err, "%s", errno ? strerror(errno) :
		    "write error");
	return 0;
}
