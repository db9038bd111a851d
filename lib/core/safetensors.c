/* safetensors.c: validating reader and atomic writer for safetensors
 * files. */
#include "core/safetensors.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outfile.h"
#include "core/readall.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[ST_NDTYPES] = {
	[ST_BOOL] = { "BOOL", 1 }, [ST_U8] = { "U8", 1 }, [ST_I8] = { "I8", 1 },
	[ST_U16] = { "U16", 2 }, [ST_I16] = { "I16", 2 },
	[ST_F16] = { "F16", 2 }, [ST_BF16] = { "BF16", 2 },
	[ST_U32] = { "U32", 4 }, [ST_I32] = { "I32", 4 },
	[ST_F32] = { "F32", 4 }, [ST_U64] = { "U64", 8 },
	[ST_I64] = { "I64", 8 }, [ST_F64] = { "F64", 8 },
};

const char *
st_dtype_name(int dtype)
{
	return dtype >= 0 && dtype < ST_NDTYPES ? dtypes[dtype].name : "?";
}

size_t
st_dtype_size(int dtype)
{
	return dtype >= 0 && dtype < ST_NDTYPES ? dtypes[dtype].size : 0;
}

static int
dtype_from_name(const char *s)
{
	for (int i = 0; i < ST_NDTYPES; i++)
		if (strcmp(s, dtypes[i].name) == 0)
			return i;
	return -1;
}

void
st_free(st_file *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->ntensors; i++)
		free(f->tensors[i].name);
	for (size_t i = 0; i < f->n_meta; i++) {
		free(f->meta_keys[i]);
		free(f->meta_vals[i]);
	}
	free(f->tensors);
	free(f->meta_keys);
	free(f->meta_vals);
	free(f->data);
	free(f->path);
	free(f);
}

static int
parse_meta(st_file *f, json_t *meta, kv_err *err)
{
	const char *key;
	json_t *val;
	size_t n = json_object_size(meta), i = 0;

	if (!json_is_object(meta))
		return kv_errf(err, "__metadata__ is not an object");
	f->meta_keys = calloc(n + 1, sizeof(char *));
	f->meta_vals = calloc(n + 1, sizeof(char *));
	if (f->meta_keys == NULL || f->meta_vals == NULL)
		return kv_errf(err, "out of memory");
	json_object_foreach(meta, key, val) {
		if (!json_is_string(val))
			return kv_errf(err, "__metadata__ \"%s\" is not a string",
			    key);
		f->meta_keys[i] = strdup(key);
		f->meta_vals[i] = strdup(json_string_value(val));
		f->n_meta = ++i;
		if (f->meta_keys[i - 1] == NULL || f->meta_vals[i - 1] == NULL)
			return kv_errf(err, "out of memory");
	}
	return 0;
}

/* A non-negative JSON integer into *v. */
static int
get_u64(json_t *j, uint64_t *v)
{
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

static int
parse_tensor(st_tensor *t, const char *name, json_t *o, kv_err *err)
{
	json_t *dt = json_object_get(o, "dtype"), *sh = json_object_get(o, "shape");
	json_t *off = json_object_get(o, "data_offsets");
	uint64_t bytes;
	size_t esize;

	t->name = strdup(name);
	if (t->name == NULL)
		return kv_errf(err, "out of memory");
	if (!json_is_object(o) || !json_is_string(dt) || !json_is_array(sh) ||
	    !json_is_array(off))
		return kv_errf(err, "tensor \"%s\": needs \"dtype\", \"shape\" and "
		    "\"data_offsets\"", name);
	t->dtype = dtype_from_name(json_string_value(dt));
	esize = st_dtype_size(t->dtype);	/* 0 for an unknown dtype */
	if (esize == 0)
		return kv_errf(err, "tensor \"%s\": unknown dtype \"%s\"", name,
		    json_string_value(dt));
	if (json_array_size(sh) > ST_MAX_DIMS)
		return kv_errf(err, "tensor \"%s\": %zu dimensions, at most %d",
		    name, json_array_size(sh), ST_MAX_DIMS);
	t->ndim = (int)json_array_size(sh);
	t->nelem = 1;
	for (int i = 0; i < t->ndim; i++) {
		if (get_u64(json_array_get(sh, i), &t->shape[i]))
			return kv_errf(err, "tensor \"%s\": shape entry %d is not a "
			    "non-negative integer", name, i);
		if (t->shape[i] != 0 && t->nelem > UINT64_MAX / t->shape[i])
			return kv_errf(err, "tensor \"%s\": shape overflows", name);
		t->nelem *= t->shape[i];
	}
	if (t->nelem > UINT64_MAX / esize)
		return kv_errf(err, "tensor \"%s\": byte size overflows", name);
	bytes = t->nelem * esize;
	if (json_array_size(off) != 2 || get_u64(json_array_get(off, 0),
	    &t->begin) || get_u64(json_array_get(off, 1), &t->end) ||
	    t->end < t->begin)
		return kv_errf(err, "tensor \"%s\": data_offsets must be [begin, "
		    "end] with 0 <= begin <= end", name);
	if (t->end - t->begin != bytes)
		return kv_errf(err, "tensor \"%s\": shape x %s is %llu bytes but "
		    "data_offsets span %llu", name, st_dtype_name(t->dtype),
		    (unsigned long long)bytes,
		    (unsigned long long)(t->end - t->begin));
	return 0;
}

static int
by_begin(const void *a, const void *b)
{
	const st_tensor *x = *(const st_tensor *const *)a;
	const st_tensor *y = *(const st_tensor *const *)b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Offsets contiguous from 0, covering the buffer exactly. */
static int
check_layout(st_file *f, kv_err *err)
{
	const st_tensor **order = malloc((f->ntensors + 1) * sizeof *order);
	uint64_t pos = 0;
	int rc = 0;

	if (order == NULL)
		return kv_errf(err, "out of memory");
	for (size_t i = 0; i < f->ntensors; i++)
		order[i] = &f->tensors[i];
	qsort(order, f->ntensors, sizeof *order, by_begin);
	for (size_t i = 0; i < f->ntensors && rc == 0; i++) {
		if (order[i]->begin != pos)
			rc = kv_errf(err, "tensor \"%s\": data starts at byte %llu, "
			    "expected %llu (tensors must be contiguous, without "
			    "gaps or overlaps)", order[i]->name,
			    (unsigned long long)order[i]->begin,
			    (unsigned long long)pos);
		pos = order[i]->end;
	}
	if (rc == 0 && pos != f->data_len)
		rc = kv_errf(err, "tensors cover %llu bytes but the data buffer "
		    "holds %llu (truncated or trailing bytes)",
		    (unsigned long long)pos, (unsigned long long)f->data_len);
	free(order);
	return rc;
}

static int
parse_header(st_file *f, const char *text, size_t len, kv_err *err)
{
	json_error_t je;
	json_t *root, *val;
	const char *key;
	size_t n = 0;
	int rc = -1;

	if (len == 0 || text[0] != '{')
		return kv_errf(err, "header does not start with '{'");
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return kv_errf(err, "header: JSON error at byte %d: %s",
		    je.position, je.text);
	if (!json_is_object(root)) {
		kv_errf(err, "header is not a JSON object");
		goto out;
	}
	f->tensors = calloc(json_object_size(root) + 1, sizeof *f->tensors);
	if (f->tensors == NULL) {
		kv_errf(err, "out of memory");
		goto out;
	}
	json_object_foreach(root, key, val) {
		if (strcmp(key, "__metadata__") == 0) {
			if (parse_meta(f, val, err))
				goto out;
			continue;
		}
		f->ntensors = n + 1;
		if (parse_tensor(&f->tensors[n++], key, val, err))
			goto out;
	}
	rc = check_layout(f, err);
out:
	json_decref(root);
	return rc;
}

/* The 8-byte little-endian header length at b. */
static uint64_t
header_length(const unsigned char *b)
{
	uint64_t hlen = 0;

	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | b[i];
	return hlen;
}

st_file *
st_parse(const void *buf, size_t len, const char *name, kv_err *err)
{
	const unsigned char *b = buf;
	st_file *f = calloc(1, sizeof *f);
	uint64_t hlen = 0;

	if (f == NULL || (f->path = strdup(name)) == NULL) {
		free(f);
		kv_errf(err, "%s: out of memory", name);
		return NULL;
	}
	if (len < 8) {
		kv_errf(err, "file of %zu bytes is too short for a safetensors "
		    "header", len);
		goto fail;
	}
	hlen = header_length(b);
	if (hlen > ST_MAX_HEADER) {
		kv_errf(err, "header length %llu exceeds the limit of %llu bytes "
		    "(not a safetensors file?)", (unsigned long long)hlen,
		    (unsigned long long)ST_MAX_HEADER);
		goto fail;
	}
	if (hlen > len - 8) {
		kv_errf(err, "header length %llu but only %zu bytes follow "
		    "(truncated?)", (unsigned long long)hlen, len - 8);
		goto fail;
	}
	f->data_len = len - 8 - hlen;
	f->data = malloc(f->data_len + 1);
	if (f->data == NULL) {
		kv_errf(err, "out of memory");
		goto fail;
	}
	memcpy(f->data, b + 8 + hlen, f->data_len);
	if (parse_header(f, (const char *)b + 8, hlen, err))
		goto fail;
	return f;
fail:
	kv_err_prefix(err, "%s", name);
	st_free(f);
	return NULL;
}

st_file *
st_read(const char *path, kv_err *err)
{
	FILE *fp = infile_open(path, err);
	const char *name = infile_name(path);
	uint8_t head[8], *rest = NULL, *buf = NULL;
	size_t got, len = 0;
	st_file *f = NULL;

	if (fp == NULL)
		return NULL;
	/* refuse an absurd header length before reading what follows it:
	 * a video given as a model is not read into memory */
	got = fread(head, 1, sizeof head, fp);
	if (got == sizeof head && header_length(head) > ST_MAX_HEADER)
		kv_errf(err, "%s: header length %llu exceeds the limit of %llu "
		    "bytes (not a safetensors file?)", name,
		    (unsigned long long)header_length(head),
		    (unsigned long long)ST_MAX_HEADER);
	else if (readall_stream(fp, name, SIZE_MAX / 2, &rest, &len, err) == 0) {
		if ((buf = malloc(got + len + 1)) == NULL)
			kv_errf(err, "%s: out of memory", name);
		else {
			memcpy(buf, head, got);
			memcpy(buf + got, rest, len);
			f = st_parse(buf, got + len, name, err);
		}
	}
	if (fp != stdin)
		fclose(fp);
	free(rest);
	free(buf);
	return f;
}

const st_tensor *
st_find(const st_file *f, const char *name)
{
	for (size_t i = 0; i < f->ntensors; i++)
		if (strcmp(f->tensors[i].name, name) == 0)
			return &f->tensors[i];
	return NULL;
}

const char *
st_meta(const st_file *f, const char *key)
{
	for (size_t i = 0; i < f->n_meta; i++)
		if (strcmp(f->meta_keys[i], key) == 0)
			return f->meta_vals[i];
	return NULL;
}

/* IEEE half to float, including subnormals, infinities and NaN. */
static float
half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f;
	uint32_t m = h & 0x3ff, bits;
	float v;

	if (e == 0) {
		v = ldexpf((float)m, -24);
		return sign ? -v : v;
	}
	if (e == 31)
		bits = sign | 0x7f800000u | (m << 13);
	else
		bits = sign | ((e + 112) << 23) | (m << 13);
	memcpy(&v, &bits, sizeof v);
	return v;
}

/* Element i of a floating-point tensor as double. */
static double
element(const unsigned char *p, int dtype, size_t i)
{
	float f;
	double d;
	uint16_t h;
	uint32_t bits;

	switch (dtype) {
	case ST_F32:
		memcpy(&f, p + 4 * i, 4);
		return f;
	case ST_F64:
		memcpy(&d, p + 8 * i, 8);
		return d;
	case ST_F16:
		memcpy(&h, p + 2 * i, 2);
		return half_to_float(h);
	default: /* ST_BF16: the top half of a float */
		memcpy(&h, p + 2 * i, 2);
		bits = (uint32_t)h << 16;
		memcpy(&f, &bits, 4);
		return f;
	}
}

static int
check_float(const st_file *f, const st_tensor *t, size_t n, kv_err *err)
{
	if (t->dtype != ST_F32 && t->dtype != ST_F64 && t->dtype != ST_F16 &&
	    t->dtype != ST_BF16)
		return kv_errf(err, "%s: tensor \"%s\": dtype %s is not a "
		    "floating-point type (F32, F64, F16 or BF16)", f->path,
		    t->name, st_dtype_name(t->dtype));
	if (n != t->nelem)
		return kv_errf(err, "%s: tensor \"%s\": has %llu elements, "
		    "expected %zu", f->path, t->name,
		    (unsigned long long)t->nelem, n);
	return 0;
}

int
st_get_f32(const st_file *f, const st_tensor *t, float *dst, size_t n,
	kv_err *err)
{
	const unsigned char *p = f->data + t->begin;

	if (check_float(f, t, n, err))
		return -1;
	if (t->dtype == ST_F32)
		memcpy(dst, p, n * sizeof *dst);
	else
		for (size_t i = 0; i < n; i++)
			dst[i] = (float)element(p, t->dtype, i);
	return 0;
}

int
st_get_f64(const st_file *f, const st_tensor *t, double *dst, size_t n,
	kv_err *err)
{
	const unsigned char *p = f->data + t->begin;

	if (check_float(f, t, n, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		dst[i] = element(p, t->dtype, i);
	return 0;
}

const void *
st_data(const st_file *f, const st_tensor *t)
{
	return f->data + t->begin;
}

/* ---- writer ----------------------------------------------------------------- */

struct st_writer {
	st_tensor *t;
	const void **data;
	size_t n, cap;
	json_t *meta;
	void **owned;		/* copies made by st_writer_add_copy */
	size_t nowned;
};

st_writer *
st_writer_new(kv_err *err)
{
	st_writer *w = calloc(1, sizeof *w);

	if (w != NULL)
		w->meta = json_object();
	if (w == NULL || w->meta == NULL) {
		free(w);
		kv_errf(err, "out of memory");
		return NULL;
	}
	return w;
}

void
st_writer_free(st_writer *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->t[i].name);
	for (size_t i = 0; i < w->nowned; i++)
		free(w->owned[i]);
	free(w->owned);
	free(w->t);
	free(w->data);
	json_decref(w->meta);
	free(w);
}

int
st_writer_add(st_writer *w, const char *name, int dtype, int ndim,
	const uint64_t *shape, const void *data, kv_err *err)
{
	st_tensor *t;

	if (strcmp(name, "__metadata__") == 0 || ndim < 0 || ndim > ST_MAX_DIMS ||
	    st_dtype_size(dtype) == 0)
		return kv_errf(err, "tensor \"%s\": invalid name, rank or dtype",
		    name);
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->t[i].name, name) == 0)
			return kv_errf(err, "tensor \"%s\" added twice", name);
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		st_tensor *nt = realloc(w->t, cap * sizeof *nt);
		const void **nd;
		if (nt == NULL)
			return kv_errf(err, "out of memory");
		w->t = nt;
		nd = realloc(w->data, cap * sizeof *nd);
		if (nd == NULL)
			return kv_errf(err, "out of memory");
		w->data = nd;
		w->cap = cap;
	}
	t = &w->t[w->n];
	memset(t, 0, sizeof *t);
	t->name = strdup(name);
	if (t->name == NULL)
		return kv_errf(err, "out of memory");
	t->dtype = dtype;
	t->ndim = ndim;
	t->nelem = 1;
	for (int i = 0; i < ndim; i++) {
		t->shape[i] = shape[i];
		t->nelem *= shape[i];
	}
	w->data[w->n++] = data;
	return 0;
}

int
st_writer_add_copy(st_writer *w, const char *name, int dtype, int ndim,
	const uint64_t *shape, const void *data, kv_err *err)
{
	size_t bytes = st_dtype_size(dtype);
	void **no, *copy;

	for (int i = 0; i < ndim && ndim <= ST_MAX_DIMS; i++)
		bytes *= shape[i];
	no = realloc(w->owned, (w->nowned + 1) * sizeof *no);
	if (no == NULL)
		return kv_errf(err, "out of memory");
	w->owned = no;
	copy = malloc(bytes + 1);
	if (copy == NULL)
		return kv_errf(err, "out of memory");
	memcpy(copy, data, bytes);
	w->owned[w->nowned++] = copy;
	return st_writer_add(w, name, dtype, ndim, shape, copy, err);
}

int
st_writer_meta(st_writer *w, const char *key, const char *value,
	kv_err *err)
{
	if (json_object_set_new(w->meta, key, json_string(value)) != 0)
		return kv_errf(err, "metadata \"%s\": not valid UTF-8", key);
	return 0;
}

/* Widest dtype first, then the order of adding. */
static size_t *
layout_order(const st_writer *w)
{
	size_t *ord = malloc((w->n + 1) * sizeof *ord), k = 0;

	if (ord == NULL)
		return NULL;
	for (size_t sz = 8; sz >= 1; sz /= 2)
		for (size_t i = 0; i < w->n; i++)
			if (st_dtype_size(w->t[i].dtype) == sz)
				ord[k++] = i;
	return ord;
}

/* The header JSON, with offsets filled in. */
static char *
header_text(st_writer *w, const size_t *ord, kv_err *err)
{
	json_t *root = json_object();
	uint64_t pos = 0;
	char *text;

	if (root == NULL)
		goto nomem;
	if (json_object_size(w->meta) > 0)
		json_object_set(root, "__metadata__", w->meta);
	for (size_t k = 0; k < w->n; k++) {
		st_tensor *t = &w->t[ord[k]];
		json_t *shape = json_array();
		t->begin = pos;
		t->end = pos += t->nelem * st_dtype_size(t->dtype);
		for (int i = 0; i < t->ndim; i++)
			json_array_append_new(shape,
			    json_integer((json_int_t)t->shape[i]));
		if (json_object_set_new(root, t->name, json_pack("{s:s, s:o, "
		    "s:[I,I]}", "dtype", st_dtype_name(t->dtype), "shape", shape,
		    "data_offsets", (json_int_t)t->begin, (json_int_t)t->end)))
			goto nomem;
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		kv_errf(err, "out of memory");
	return text;
nomem:
	json_decref(root);
	kv_errf(err, "out of memory");
	return NULL;
}

int
st_writer_save(st_writer *w, const char *path, kv_err *err)
{
	size_t *ord = layout_order(w);
	char *text = ord ? header_text(w, ord, err) : NULL;
	unsigned char len8[8];
	outfile *out;
	FILE *fp;
	size_t hlen;

	if (ord == NULL || text == NULL) {
		free(ord);
		return ord == NULL ? kv_errf(err, "out of memory") : -1;
	}
	hlen = (strlen(text) + 7) / 8 * 8;
	out = outfile_open(path, err);
	if (out == NULL) {
		free(ord);
		free(text);
		return -1;
	}
	fp = outfile_stream(out);
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
	fwrite(len8, 1, 8, fp);
	fputs(text, fp);
	for (size_t i = strlen(text); i < hlen; i++)
		fputc(' ', fp);
	for (size_t k = 0; k < w->n; k++) {
		const st_tensor *t = &w->t[ord[k]];
		fwrite(w->data[ord[k]], 1, t->end - t->begin, fp);
	}
	free(ord);
	free(text);
	return outfile_commit(out, err);
}
