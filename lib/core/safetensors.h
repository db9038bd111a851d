/* safetensors.h: the safetensors container (model files, kvae-model(5)).
 *
 * A file is: 8 bytes little-endian header length N, N bytes of JSON
 * header (an object: tensor name -> {"dtype", "shape", "data_offsets":
 * [begin, end]}, plus an optional "__metadata__" object of string ->
 * string), then the byte buffer the offsets index, little-endian.
 *
 * The reader validates everything before anyone sees a tensor: header
 * size limit, JSON well-formed with no duplicate names, known dtypes,
 * shapes whose byte size (shape x dtype, overflow-checked) equals the
 * offsets' span, offsets contiguous from 0 and covering the whole buffer
 * exactly. The writer lays tensors out widest dtype first (so F64 data
 * stays 8-byte aligned), pads the header with spaces to 8 bytes as
 * PyTorch's safetensors does, and writes atomically (outfile.h). */
#ifndef KVAE_SAFETENSORS_H
#define KVAE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define ST_MAX_HEADER ((uint64_t)100 << 20)	/* as the Rust crate */
#define ST_MAX_DIMS 8

enum st_dtype {
	ST_BOOL, ST_U8, ST_I8, ST_U16, ST_I16, ST_F16, ST_BF16, ST_U32,
	ST_I32, ST_F32, ST_U64, ST_I64, ST_F64, ST_NDTYPES
};

typedef struct st_tensor {
	char *name;
	int dtype;			/* enum st_dtype */
	int ndim;
	uint64_t shape[ST_MAX_DIMS];
	uint64_t nelem;			/* product of shape */
	uint64_t begin, end;		/* byte offsets into the data buffer */
} st_tensor;

typedef struct st_file {
	char *path;
	st_tensor *tensors;		/* in header order */
	size_t ntensors;
	char **meta_keys, **meta_vals;	/* __metadata__, n_meta pairs */
	size_t n_meta;
	unsigned char *data;		/* the byte buffer */
	uint64_t data_len;
} st_file;

/* "F32", "BF16", ... */
const char *st_dtype_name(int dtype);
/* Bytes per element. */
size_t st_dtype_size(int dtype);

/* Read and validate the whole file. Returns NULL with a message
 * "PATH: what is wrong" on failure. The caller frees with st_free. */
st_file *st_read(const char *path, kv_err *err);
/* The same from a file already in memory (len bytes at buf, copied);
 * name is for messages and becomes f->path. */
st_file *st_parse(const void *buf, size_t len, const char *name,
	kv_err *err);
void st_free(st_file *f);

/* The tensor named `name`, or NULL. */
const st_tensor *st_find(const st_file *f, const char *name);

/* The __metadata__ value for key, or NULL. */
const char *st_meta(const st_file *f, const char *key);

/* Convert a floating-point tensor (F32, F64, F16, BF16) into dst of n
 * elements; n must equal the tensor's element count. Integer and bool
 * tensors are refused with a message naming the tensor and dtype.
 * 0 or -1. */
int st_get_f32(const st_file *f, const st_tensor *t, float *dst, size_t n,
	kv_err *err);
int st_get_f64(const st_file *f, const st_tensor *t, double *dst, size_t n,
	kv_err *err);

/* The raw little-endian bytes of tensor t (t->end - t->begin of them),
 * owned by f. */
const void *st_data(const st_file *f, const st_tensor *t);

typedef struct st_writer st_writer;

/* An empty writer; NULL when out of memory. */
st_writer *st_writer_new(kv_err *err);

/* Add a tensor; `data` (nelem x dtype size bytes, native = little-endian)
 * is referenced, not copied, until st_writer_save. Names must be unique
 * and not "__metadata__". 0 or -1. */
int st_writer_add(st_writer *w, const char *name, int dtype, int ndim,
	const uint64_t *shape, const void *data, kv_err *err);

/* As st_writer_add, but the data is copied now (for scalars and other
 * values that do not live until the save). 0 or -1. */
int st_writer_add_copy(st_writer *w, const char *name, int dtype, int ndim,
	const uint64_t *shape, const void *data, kv_err *err);

/* Set a __metadata__ entry (copied). 0 or -1. */
int st_writer_meta(st_writer *w, const char *key, const char *value,
	kv_err *err);

/* Write the file atomically to path ("-": stdout). 0 or -1. */
int st_writer_save(st_writer *w, const char *path, kv_err *err);

void st_writer_free(st_writer *w);

#endif
