/* checkpoint.c: optimiser and generator state in checkpoint files. */
#include "nn/checkpoint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int
ckpt_write_adam(st_writer *w, const adam *a, kv_err *err)
{
	uint64_t n = a->n;
	double step = (double)a->step;

	return st_writer_add(w, "optim.m", ST_F64, 1, &n, a->m, err) ||
	    st_writer_add(w, "optim.v", ST_F64, 1, &n, a->v, err) ||
	    st_writer_add_copy(w, "optim.step", ST_F64, 0, NULL, &step, err) ?
	    -1 : 0;
}

int
ckpt_read_adam(adam *a, const st_file *f, kv_err *err)
{
	const st_tensor *m = st_find(f, "optim.m"), *v = st_find(f, "optim.v");
	const st_tensor *s = st_find(f, "optim.step");
	double step;

	if (m == NULL || v == NULL || s == NULL)
		return kv_errf(err, "%s: no optimiser state (optim.m, optim.v, "
		    "optim.step): not a checkpoint", f->path);
	if (st_get_f64(f, m, a->m, a->n, err) || st_get_f64(f, v, a->v, a->n,
	    err) || st_get_f64(f, s, &step, 1, err))
		return -1;
	if (!(step >= 0 && step <= 9007199254740992.0) || step != floor(step))
		return kv_errf(err, "%s: optim.step %g is not a step count",
		    f->path, step);
	a->step = (long)step;
	return 0;
}

int
ckpt_write_rng(st_writer *w, const char *name, const gsl_rng *r,
	kv_err *err)
{
	uint64_t n = gsl_rng_size(r);
	char key[128];

	snprintf(key, sizeof key, "%s.type", name);
	return st_writer_add_copy(w, name, ST_U8, 1, &n, gsl_rng_state(r), err) ||
	    st_writer_meta(w, key, gsl_rng_name(r), err) ? -1 : 0;
}

/* GSL trusts its state: mt19937's position index (after the 624 words,
 * GSL's mt_state_t) indexes the words unchecked, so a corrupt one would
 * read out of bounds at the next draw. */
static int
rng_state_ok(const gsl_rng *r, const void *state)
{
	int mti;

	if (strcmp(gsl_rng_name(r), "mt19937") != 0 ||
	    gsl_rng_size(r) < 624 * sizeof(unsigned long) + sizeof mti)
		return 1;
	memcpy(&mti, (const char *)state + 624 * sizeof(unsigned long),
	    sizeof mti);
	return mti >= 0 && mti <= 624;
}

int
ckpt_read_rng(gsl_rng *r, const st_file *f, const char *name, kv_err *err)
{
	const st_tensor *t = st_find(f, name);
	char key[128];
	const char *type;

	snprintf(key, sizeof key, "%s.type", name);
	type = st_meta(f, key);
	if (t == NULL || type == NULL)
		return kv_errf(err, "%s: no random generator state \"%s\"",
		    f->path, name);
	if (strcmp(type, gsl_rng_name(r)) != 0 || t->dtype != ST_U8 ||
	    t->nelem != gsl_rng_size(r))
		return kv_errf(err, "%s: \"%s\" holds a %s generator state of %llu "
		    "bytes, expected %s (%zu bytes)", f->path, name, type,
		    (unsigned long long)t->nelem, gsl_rng_name(r), gsl_rng_size(r));
	if (!rng_state_ok(r, st_data(f, t)))
		return kv_errf(err, "%s: \"%s\": corrupt %s generator state",
		    f->path, name, type);
	memcpy(gsl_rng_state(r), st_data(f, t), gsl_rng_size(r));
	return 0;
}
