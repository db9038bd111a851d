/* test_safetensors: round trip, dtype conversion, and every kind of
 * malformed file refused with a message saying what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nn/params.h"
#include "core/safetensors.h"
#include "core/readall.h"

static char dir[] = "/tmp/test_st.XXXXXX";

static const char *
path_of(const char *name)
{
	static char p[256];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* Write a raw file: header text (padded to 8) and data bytes. */
static const char *
raw_file(const char *name, const char *header, const void *data,
	size_t ndata, long long fake_len)
{
	const char *p = path_of(name);
	FILE *fp = fopen(p, "wb");
	unsigned long long n = fake_len >= 0 ? (unsigned long long)fake_len :
	    strlen(header);
	unsigned char len8[8];

	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)(n >> (8 * i));
	fwrite(len8, 1, 8, fp);
	fputs(header, fp);
	fwrite(data, 1, ndata, fp);
	fclose(fp);
	return p;
}

static void
expect_refused(const char *what, const char *path, const char *pattern)
{
	kv_err err = { "" };
	st_file *f = st_read(path, &err);

	CHECK(f == NULL && strstr(err.msg, pattern) != NULL,
	    "refuses %s: \"%s\" (want \"%s\")", what, err.msg, pattern);
	st_free(f);
}

static void
test_round_trip(void)
{
	float a[6] = { 1, -2.5f, 3e-20f, 4, 5, 6 };
	double b[3] = { 0.1, -1e300, 7 };
	float c[1] = { 42 };
	uint64_t sa[2] = { 2, 3 }, sb[1] = { 3 };
	st_writer *w;
	st_file *f;
	kv_err err;
	float ga[6];
	double gb[3], gad[6];

	w = st_writer_new(&err);
	st_writer_add(w, "layer.weight", ST_F32, 2, sa, a, &err);
	st_writer_add(w, "layer.bias", ST_F64, 1, sb, b, &err);
	st_writer_add(w, "scalar", ST_F32, 0, NULL, c, &err);
	st_writer_meta(w, "kvae", "{\"latent_dim\": 2}", &err);
	CHECK(st_writer_add(w, "scalar", ST_F32, 0, NULL, c, &err) != 0,
	    "writer refuses a duplicate name: %s", err.msg);
	CHECK(st_writer_save(w, path_of("rt.safetensors"), &err) == 0,
	    "writes a file");
	st_writer_free(w);
	f = st_read(path_of("rt.safetensors"), &err);
	CHECK(f != NULL, "reads it back (%s)", f ? "ok" : err.msg);
	if (f == NULL)
		return;
	CHECK(f->ntensors == 3 && st_find(f, "layer.weight") &&
	    st_find(f, "layer.weight")->ndim == 2 &&
	    st_find(f, "layer.weight")->shape[1] == 3 &&
	    st_find(f, "scalar")->ndim == 0, "names and shapes survive");
	CHECK(st_find(f, "layer.bias")->begin % 8 == 0,
	    "F64 data is 8-byte aligned in the buffer");
	st_get_f32(f, st_find(f, "layer.weight"), ga, 6, &err);
	st_get_f64(f, st_find(f, "layer.bias"), gb, 3, &err);
	st_get_f64(f, st_find(f, "layer.weight"), gad, 6, &err);
	CHECK(memcmp(ga, a, sizeof a) == 0 && memcmp(gb, b, sizeof b) == 0,
	    "F32 and F64 values are bit-exact");
	CHECK(gad[2] == (double)a[2], "F32 widens to F64 exactly");
	CHECK(st_meta(f, "kvae") && strcmp(st_meta(f, "kvae"),
	    "{\"latent_dim\": 2}") == 0, "metadata string survives");
	CHECK(st_get_f32(f, st_find(f, "layer.weight"), ga, 5, &err) != 0,
	    "element-count mismatch refused: %s", err.msg);
	st_free(f);
}

static void
test_half_types(void)
{
	/* F16: 1.0 = 0x3c00, -2 = 0xc000, 2^-24 = 0x0001; BF16: 1.5 = 0x3fc0 */
	uint16_t h[4] = { 0x3c00, 0xc000, 0x0001, 0x3fc0 };
	const char *p = raw_file("half.st",
	    "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
	    "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[6,8]}}",
	    h, sizeof h, -1);
	kv_err err;
	st_file *f = st_read(p, &err);
	float v[3], bv;

	CHECK(f != NULL, "reads F16/BF16 (%s)", f ? "ok" : err.msg);
	if (f == NULL)
		return;
	st_get_f32(f, st_find(f, "h"), v, 3, &err);
	st_get_f32(f, st_find(f, "b"), &bv, 1, &err);
	CHECK(v[0] == 1.0f && v[1] == -2.0f && v[2] == ldexpf(1, -24) &&
	    bv == 1.5f, "F16 1, -2, 2^-24 and BF16 1.5 convert exactly");
	st_free(f);
}

static void
test_refusals(void)
{
	unsigned char d[16] = { 0 };
	const char *p;
	kv_err err;
	st_file *f;

	expect_refused("an empty header", raw_file("empty", "", d, 3, 0),
	    "header does not start");
	p = path_of("tiny");
	{
		FILE *fp = fopen(p, "wb");
		fwrite(d, 1, 5, fp);
		fclose(fp);
	}
	expect_refused("a 5-byte file", p, "too short");
	static const struct {
		const char *what, *name, *header;
		size_t ndata;
		long long fake_len;	/* header length to claim; -1: true */
		const char *pattern;
	} bad[] = {
		{ "a huge header length", "huge", "{}", 0,
		    (long long)ST_MAX_HEADER + 1, "exceeds the limit" },
		{ "a header longer than the file", "trunc",
		    "{}",
		    0, 1000, "truncated" },
		{ "bad JSON", "json",
		    "{\"a\":",
		    0, -1, "JSON error" },
		{ "a duplicate tensor name", "dup",
		    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
		    8, -1, "JSON error" },
		{ "an unknown dtype", "dtype",
		    "{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,4]}}",
		    4, -1, "unknown dtype \"F128\"" },
		{ "size != shape x dtype", "size",
		    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
		    4, -1, "is 8 bytes but data_offsets span 4" },
		{ "an overflowing shape", "ovf",
		    "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
		    "\"data_offsets\":[0,0]}}",
		    0, -1, "overflows" },
		{ "a gap between tensors", "gap",
		    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		    "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
		    12, -1, "contiguous" },
		{ "overlapping tensors", "overlap",
		    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
		    "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
		    8, -1, "contiguous" },
		{ "trailing bytes", "trail",
		    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
		    8, -1, "cover 4 bytes but the data buffer holds 8" },
		{ "a truncated buffer", "short2",
		    "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}",
		    8, -1, "cover 12 bytes but the data buffer holds 8" },
		{ "non-string metadata", "meta",
		    "{\"__metadata__\":{\"k\":1}}",
		    0, -1, "is not a string" },
		{ "a negative shape", "neg",
		    "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}",
		    0, -1, "non-negative" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_refused(bad[i].what, raw_file(bad[i].name, bad[i].header, d,
		    bad[i].ndata, bad[i].fake_len), bad[i].pattern);
	expect_refused("a missing file", path_of("nonexistent"),
	    "No such file");
	/* Integer tensors are read but refused as floats. */
	p = raw_file("int", "{\"n\":{\"dtype\":\"I64\",\"shape\":[],"
	    "\"data_offsets\":[0,8]}}", d, 8, -1);
	f = st_read(p, &err);
	{
		float v;
		CHECK(f != NULL && st_get_f32(f, st_find(f, "n"), &v, 1, &err) != 0 &&
		    strstr(err.msg, "I64 is not a floating-point type"),
		    "I64 read as float refused: %s", err.msg);
	}
	st_free(f);
}

static void
test_params(void)
{
	nnparams p = { 0 }, q = { 0 }, r = { 0 };
	st_writer *w;
	st_file *f;
	kv_err err;
	int iw, ib, irm, k;

	iw = nnparams_add(&p, "fc.weight", 1, &err, 2, (size_t)3, (size_t)2);
	irm = nnparams_add(&p, "bn.running_mean", 0, &err, 1, (size_t)3);
	ib = nnparams_add(&p, "fc.bias", 1, &err, 1, (size_t)3);
	CHECK(nnparams_add(&p, "fc.bias", 1, &err, 1, (size_t)3) < 0,
	    "duplicate parameter refused: %s", err.msg);
	nnparams_alloc(&p, &err);
	CHECK(p.n_trainable == 9 && p.total == 12 &&
	    p.t[irm].offset == 9 && p.t[ib].offset == 6,
	    "trainable tensors first, buffers after (prefix of %zu of %zu)",
	    p.n_trainable, p.total);
	for (size_t i = 0; i < p.total; i++)
		p.data[i] = (float)i * 0.5f;
	w = st_writer_new(&err);
	nnparams_write(&p, w, &err);
	st_writer_save(w, path_of("params.st"), &err);
	st_writer_free(w);
	f = st_read(path_of("params.st"), &err);
	nnparams_add(&q, "fc.bias", 1, &err, 1, (size_t)3);
	nnparams_add(&q, "fc.weight", 1, &err, 2, (size_t)3, (size_t)2);
	nnparams_add(&q, "bn.running_mean", 0, &err, 1, (size_t)3);
	nnparams_alloc(&q, &err);
	CHECK(nnparams_read(&q, f, NULL, &err) == 0, "parameters read back");
	k = 0;
	for (size_t i = 0; i < 3; i++)
		k += nnparams_data(&q, nnparams_find(&q, "fc.bias"))[i] !=
		    nnparams_data(&p, ib)[i];
	for (size_t i = 0; i < 6; i++)
		k += nnparams_data(&q, nnparams_find(&q, "fc.weight"))[i] !=
		    nnparams_data(&p, iw)[i];
	CHECK(k == 0, "values land in the views by name, whatever the order");
	nnparams_add(&r, "fc.weight", 1, &err, 2, (size_t)2, (size_t)3);
	nnparams_add(&r, "fc.bias", 1, &err, 1, (size_t)3);
	nnparams_add(&r, "bn.running_mean", 0, &err, 1, (size_t)3);
	nnparams_alloc(&r, &err);
	CHECK(nnparams_read(&r, f, NULL, &err) != 0 &&
	    strstr(err.msg, "\"fc.weight\" is 3x2, expected 2x3"),
	    "wrong shape refused: %s", err.msg);
	nnparams_free(&r);
	nnparams_add(&r, "fc.weight", 1, &err, 2, (size_t)3, (size_t)2);
	nnparams_alloc(&r, &err);
	CHECK(nnparams_read(&r, f, "fc.", &err) != 0 &&
	    strstr(err.msg, "unexpected tensor \"fc.bias\""),
	    "extra tensor under the prefix refused: %s", err.msg);
	st_free(f);
	nnparams_free(&p);
	nnparams_free(&q);
	nnparams_free(&r);
}

/* A 0-dim tensor (batch norm's num_batches_tracked): one element,
 * saved with shape [] and read back as a scalar. */
static void
test_scalar_param(void)
{
	nnparams p = { 0 }, q = { 0 };
	st_writer *w;
	st_file *f;
	const st_tensor *t;
	kv_err err;
	int i;

	i = nnparams_add(&p, "bn.num_batches_tracked", 0, &err, 0);
	CHECK(i >= 0 && nnparams_alloc(&p, &err) == 0 && p.t[i].size == 1 &&
	    p.total == 1, "a 0-dim parameter has one element");
	nnparams_data(&p, i)[0] = 7.0f;
	w = st_writer_new(&err);
	nnparams_write(&p, w, &err);
	st_writer_save(w, path_of("scalar.st"), &err);
	st_writer_free(w);
	f = st_read(path_of("scalar.st"), &err);
	t = f ? st_find(f, "bn.num_batches_tracked") : NULL;
	CHECK(t != NULL && t->ndim == 0 && t->nelem == 1,
	    "saved with shape [] (%d dims)", t ? t->ndim : -1);
	nnparams_add(&q, "bn.num_batches_tracked", 0, &err, 0);
	nnparams_alloc(&q, &err);
	i = f != NULL ? nnparams_read(&q, f, NULL, &err) : -1;
	CHECK(i == 0 && nnparams_data(&q, 0)[0] == 7.0f, "read back: %g",
	    (double)nnparams_data(&q, 0)[0]);
	st_free(f);
	nnparams_free(&p);
	nnparams_free(&q);
}

/* st_parse on the bytes of a file gives what st_read gives; the
 * metadata-before-allocation check works on an unallocated table. */
static void
test_parse_buffer(void)
{
	static const unsigned char huge[] = {
		0x00, 0xe8, 0x76, 0x48, 0x17, 0, 0, 0, '{', '}' };
	st_file *f, *g;
	uint8_t *buf;
	size_t len;
	nnparams p = { 0 };
	kv_err err;

	if (readall_path(path_of("rt.safetensors"), 1 << 20, &buf, &len, &err))
		return;
	f = st_read(path_of("rt.safetensors"), &err);
	g = st_parse(buf, len, "mem", &err);
	CHECK(f && g && f->ntensors == g->ntensors && f->n_meta == g->n_meta &&
	    f->data_len == g->data_len &&
	    memcmp(f->data, g->data, f->data_len) == 0 &&
	    strcmp(g->path, "mem") == 0,
	    "st_parse of a file's bytes equals st_read of the file");
	st_free(g);
	g = st_parse(huge, sizeof huge, "mem", &err);
	CHECK(g == NULL && strstr(err.msg, "mem: header length 100000000000 "
	    "exceeds the limit"), "a 100 GB header length is refused: %s",
	    err.msg);
	nnparams_add(&p, "layer.weight", 1, &err, 2, (size_t)1 << 24,
	    (size_t)1 << 24);
	nnparams_add(&p, "layer.bias", 1, &err, 1, (size_t)3);
	CHECK(nnparams_match(&p, f, "layer.", &err) != 0 && p.data == NULL &&
	    strstr(err.msg, "\"layer.weight\" is 2x3, expected 16777216x16777216"),
	    "2^48 declared parameters meet a 2x3 tensor before allocation: %s",
	    err.msg);
	nnparams_free(&p);
	st_free(f);
	free(buf);
}

int
main(void)
{
	char cmd[64];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_round_trip();
	test_parse_buffer();
	test_half_types();
	test_refusals();
	test_params();
	test_scalar_param();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
