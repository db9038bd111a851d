/* model.c: the model's memory, parameter table and checks; the workspace. */
#include "lgssm/lgssm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/dmat.h"
#include "lgssm/internal.h"

const char *const lgssm_param_name[LGSSM_NPARAM] = {
	"A", "C", "Q", "R", "mu0", "P0"
};

double *
lgssm_param(const lgssm *m, int k, size_t *rows, size_t *cols)
{
	size_t r[] = { m->n, m->p, m->n, m->p, m->n, m->n };
	size_t c[] = { m->n, m->n, m->n, m->p, 1, m->n };
	double *v[] = { m->A, m->C, m->Q, m->R, m->mu0, m->P0 };

	*rows = r[k];
	*cols = c[k];
	return v[k];
}

int
lgssm_alloc(lgssm *m, size_t n, size_t p, kv_err *err)
{
	size_t total = 4 * n * n + p * n + p * p + n;
	double *b;

	memset(m, 0, sizeof *m);
	if (n == 0 || p == 0)
		return kv_errf(err, "model dimensions must be positive "
		    "(state %zu, observation %zu)", n, p);
	if ((b = calloc(total, sizeof *b)) == NULL)
		return kv_errf(err, "out of memory");
	m->n = n;
	m->p = p;
	m->block = b;
	m->A = b;
	m->C = m->A + n * n;
	m->Q = m->C + p * n;
	m->R = m->Q + n * n;
	m->mu0 = m->R + p * p;
	m->P0 = m->mu0 + n;
	m->Pinf = m->P0 + n * n;
	return 0;
}

void
lgssm_free(lgssm *m)
{
	free(m->block);
	memset(m, 0, sizeof *m);
}

int
lgssm_copy(lgssm *dst, const lgssm *src, kv_err *err)
{
	if (lgssm_alloc(dst, src->n, src->p, err) != 0)
		return -1;
	memcpy(dst->block, src->block, (4 * src->n * src->n + src->p *
	    src->n + src->p * src->p + src->n) * sizeof *dst->block);
	return 0;
}

int
lgssm_is_diffuse(const lgssm *m)
{
	for (size_t i = 0; i < m->n * m->n; i++)
		if (m->Pinf[i] != 0)
			return 1;
	return 0;
}

void
lgssm_set_diffuse(lgssm *m, const size_t *idx, size_t count)
{
	size_t n = m->n;

	for (size_t k = 0; k < count; k++) {
		size_t i = idx[k];
		for (size_t j = 0; j < n; j++)
			m->P0[i * n + j] = m->P0[j * n + i] = 0;
		m->Pinf[i * n + i] = 1;
	}
}

/* Symmetric to 1e-9 relative and positive definite, or with `semi`
 * positive semi-definite. */
static int
check_cov(const char *name, const double *S, size_t n, int semi,
	double *scratch, kv_err *err)
{
	size_t bad;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			double a = S[i * n + j], b = S[j * n + i];
			if (fabs(a - b) > 1e-9 * fmax(fabs(a), fabs(b)))
				return kv_errf(err, "%s is not symmetric: "
				    "[%zu][%zu] = %.17g, [%zu][%zu] = %.17g",
				    name, i, j, a, j, i, b);
		}
	if (semi)
		return lgssm_psd_check(name, S, n, err);
	memcpy(scratch, S, n * n * sizeof *S);
	if ((bad = dmat_chol(scratch, n)) != 0)
		return kv_errf(err, "%s is not positive definite (pivot %zu)",
		    name, bad);
	return 0;
}

int
lgssm_validate(const lgssm *m, kv_err *err)
{
	size_t big = m->n > m->p ? m->n : m->p, rows, cols;
	double *scratch;
	int rc = 0;

	for (int k = 0; k < LGSSM_NPARAM; k++) {
		const double *v = lgssm_param(m, k, &rows, &cols);
		for (size_t i = 0; i < rows * cols; i++)
			if (!isfinite(v[i]))
				return kv_errf(err, "%s[%zu][%zu] is not a finite "
				    "number", lgssm_param_name[k], i / cols,
				    i % cols);
	}
	if ((scratch = malloc(big * big * sizeof *scratch)) == NULL)
		return kv_errf(err, "out of memory");
	if (check_cov("Q", m->Q, m->n, 1, scratch, err) != 0 ||
	    check_cov("R", m->R, m->p, 1, scratch, err) != 0 ||
	    check_cov("P0", m->P0, m->n, lgssm_is_diffuse(m), scratch,
	    err) != 0)
		rc = -1;
	free(scratch);
	return rc;
}

lgssm_work *
lgssm_work_alloc(size_t n, size_t p, kv_err *err)
{
	lgssm_work *w = calloc(1, sizeof *w);
	size_t total = 3 * p * n + 2 * p * p + 2 * p + 3 * n * p + 2 * n * n;
	double *b;

	if (w == NULL || (w->obs = malloc(p * sizeof *w->obs)) == NULL ||
	    (b = w->block = calloc(total, sizeof *b)) == NULL) {
		lgssm_work_free(w);
		kv_errf(err, "out of memory");
		return NULL;
	}
	w->n = n;
	w->p = p;
	w->Cp = b;	b += p * n;
	w->CpT = b;	b += n * p;
	w->Rp = b;	b += p * p;
	w->e = b;	b += p;
	w->v = b;	b += p;
	w->CP = b;	b += p * n;
	w->S = b;	b += p * p;
	w->Kt = b;	b += p * n;
	w->K = b;	b += n * p;
	w->D = b;	b += n * p;
	w->tmp = b;	b += n * n;
	w->At = b;
	return w;
}

void
lgssm_work_model(lgssm_work *w, const lgssm *m)
{
	size_t n = m->n;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			w->At[j * n + i] = m->A[i * n + j];
	w->gathered = 0;
}

void
lgssm_work_free(lgssm_work *w)
{
	if (w == NULL)
		return;
	free(w->obs);
	free(w->block);
	free(w);
}
