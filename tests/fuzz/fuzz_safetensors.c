/* fuzz_safetensors: libFuzzer harness for the safetensors reader
 * (st_parse: header length, JSON header, dtypes, shapes, offsets,
 * __metadata__) and for the model loaders behind it: the LGSSM
 * (lgssm.* tensors), the VAE and the KVAE (metadata JSON, tensor
 * names and shapes) and a training checkpoint's Adam and RNG state.
 * Any input must load or be refused with a message. A file that parses
 * must meet the format's invariants (tensors contiguous, covering the
 * buffer, sizes matching shapes, unique names) and survive being
 * written by st_writer and read back: same tensors, same bytes, same
 * metadata. A model that loads must meet the LGSSM invariants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "nn/adam.h"
#include "nn/checkpoint.h"
#include "vae/kvae.h"
#include "lgssm_check.h"
#include "core/safetensors.h"
#include "vae/vae.h"

static char tmpdir[] = "/dev/shm/fuzz_safetensors.XXXXXX";
static char tmppath[sizeof tmpdir + 32];

static void
check_layout(const st_file *f)
{
	uint64_t covered = 0;

	for (size_t i = 0; i < f->ntensors; i++) {
		const st_tensor *t = &f->tensors[i];
		uint64_t n = 1;
		for (int d = 0; d < t->ndim; d++)
			n *= t->shape[d];
		if (n != t->nelem || t->end < t->begin || t->end > f->data_len ||
		    t->end - t->begin != n * st_dtype_size(t->dtype) ||
		    st_find(f, t->name) != t)
			abort();
		covered += t->end - t->begin;
	}
	if (covered != f->data_len)	/* contiguous: no gaps, no overlaps */
		abort();
	for (size_t i = 0; i < f->n_meta; i++)
		if (st_meta(f, f->meta_keys[i]) != f->meta_vals[i])
			abort();
}

/* Every floating tensor converts (both widths) without reading past its
 * bytes; the rest are refused with a message. */
static void
check_convert(const st_file *f)
{
	kv_err err;

	for (size_t i = 0; i < f->ntensors; i++) {
		const st_tensor *t = &f->tensors[i];
		size_t n = (size_t)t->nelem;
		double *d = malloc(n * sizeof *d + 1);
		float *s = malloc(n * sizeof *s + 1);
		int fl = t->dtype == ST_F16 || t->dtype == ST_BF16 ||
		    t->dtype == ST_F32 || t->dtype == ST_F64;
		if ((st_get_f64(f, t, d, n, &err) == 0) != fl ||
		    (st_get_f32(f, t, s, n, &err) == 0) != fl)
			abort();
		free(d);
		free(s);
	}
}

/* Written back by st_writer and read again: the same file. */
static void
check_round_trip(const st_file *f)
{
	st_writer *w = st_writer_new(NULL);
	st_file *g;
	kv_err err;

	for (size_t i = 0; i < f->ntensors; i++) {
		const st_tensor *t = &f->tensors[i];
		if (st_writer_add(w, t->name, t->dtype, t->ndim, t->shape,
		    st_data(f, t), &err) != 0)
			abort();
	}
	for (size_t i = 0; i < f->n_meta; i++)
		if (st_writer_meta(w, f->meta_keys[i], f->meta_vals[i], &err))
			abort();
	if (st_writer_save(w, tmppath, &err) != 0 ||
	    (g = st_read(tmppath, &err)) == NULL) {
		fprintf(stderr, "round trip failed: %s\n", err.msg);
		abort();
	}
	if (g->ntensors != f->ntensors || g->n_meta != f->n_meta ||
	    g->data_len != f->data_len)
		abort();
	for (size_t i = 0; i < f->ntensors; i++) {
		const st_tensor *a = &f->tensors[i], *b = st_find(g, a->name);
		if (b == NULL || b->dtype != a->dtype || b->ndim != a->ndim ||
		    memcmp(b->shape, a->shape, sizeof a->shape) != 0 ||
		    memcmp(st_data(g, b), st_data(f, a), a->end - a->begin))
			abort();
	}
	for (size_t i = 0; i < f->n_meta; i++) {
		const char *v = st_meta(g, f->meta_keys[i]);
		if (v == NULL || strcmp(v, f->meta_vals[i]) != 0)
			abort();
	}
	st_free(g);
	st_writer_free(w);
}

/* The model loaders on a parsed file. */
static void
check_models(const st_file *f, const uint8_t *data, size_t size)
{
	lgssm m;
	vae v;
	kvae k;
	adam a;
	kv_err err;

	if (lgssm_load_buffer(&m, data, size, "fuzz", &err) == 0) {
		check_lgssm(&m);
		lgssm_free(&m);
	}
	if (vae_from_file(&v, f, &err) == 0)
		vae_free(&v);
	if (kvae_from_file(&k, f, &err) == 0) {
		check_lgssm(&k.m);
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		if (adam_init(&a, k.ntrain, &err) == 0) {
			ckpt_read_adam(&a, f, &err);
			adam_free(&a);
		}
		if (ckpt_read_rng(r, f, "rng", &err) == 0)
			for (int i = 0; i < 700; i++)	/* past a regeneration */
				gsl_rng_get(r);
		gsl_rng_free(r);
		kvae_free(&k);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gsl_set_error_handler_off();
	if (mkdtemp(tmpdir) == NULL)
		abort();
	snprintf(tmppath, sizeof tmppath, "%s/m.safetensors", tmpdir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kv_err err;
	st_file *f;

	err.msg[0] = 0;
	if ((f = st_parse(data, size, "fuzz", &err)) == NULL) {
		if (err.msg[0] == 0)
			abort();	/* refused without saying why */
		return 0;
	}
	check_layout(f);
	check_convert(f);
	check_round_trip(f);
	check_models(f, data, size);
	st_free(f);
	return 0;
}
