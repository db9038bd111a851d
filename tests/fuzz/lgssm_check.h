/* lgssm_check.h: the invariants every LGSSM a loader accepts must meet,
 * checked independently of lgssm_validate (a plain Cholesky here), and a
 * JSON round trip; shared by fuzz_lgssm and fuzz_safetensors. A broken
 * invariant aborts, which libFuzzer reports with the input. */
#ifndef FUZZ_LGSSM_CHECK_H
#define FUZZ_LGSSM_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgssm/lgssm.h"
#include "lgssm/spec.h"

/* S (d, d) symmetric to 1e-9 relative and positive definite by an
 * unpivoted Cholesky factorisation of a copy; with `semi`, positive
 * semi-definite: S + 1e-9 d max_i S_ii I is positive definite (or S is
 * 0), a margin far wider than lgssm_validate's 1e-12 of the largest
 * eigenvalue. */
static void
check_cov(const double *S, size_t d, int semi)
{
	double *L = malloc(d * d * sizeof *L), shift = 0;

	memcpy(L, S, d * d * sizeof *L);
	for (size_t i = 0; i < d; i++) {
		shift = fmax(shift, S[i * d + i]);
		for (size_t j = 0; j < i; j++)
			if (fabs(S[i * d + j] - S[j * d + i]) > 1e-9 *
			    fmax(fabs(S[i * d + j]), fabs(S[j * d + i])))
				abort();
	}
	if (semi && shift == 0) {	/* then only 0 is semi-definite */
		for (size_t i = 0; i < d * d; i++)
			if (S[i] != 0)
				abort();
		free(L);
		return;
	}
	shift = semi ? 1e-9 * (double)d * shift : 0;
	for (size_t j = 0; j < d; j++) {
		double s = L[j * d + j] + shift;
		for (size_t k = 0; k < j; k++)
			s -= L[j * d + k] * L[j * d + k];
		if (!(s > 0))
			abort();
		L[j * d + j] = sqrt(s);
		for (size_t i = j + 1; i < d; i++) {
			double t = L[i * d + j];
			for (size_t k = 0; k < j; k++)
				t -= L[i * d + k] * L[j * d + k];
			L[i * d + j] = t / L[j * d + j];
		}
	}
	free(L);
}

/* m as loaded: positive dimensions within the limit, finite numbers,
 * Q and R positive semi-definite, P0 positive definite (semi-definite,
 * with zero rows and columns for the diffuse states, when some are:
 * Pinf then a diagonal of 0 and 1), and its JSON spec reads back bit
 * for bit. */
static void
check_lgssm(const lgssm *m)
{
	char *text = NULL;
	size_t len = 0, rows, cols;
	FILE *fp;
	lgssm back;
	kv_err err;

	if (m->n == 0 || m->p == 0 || m->n > LGSSM_SPEC_MAX_DIM ||
	    m->p > LGSSM_SPEC_MAX_DIM)
		abort();
	for (int k = 0; k < LGSSM_NPARAM; k++) {
		const double *v = lgssm_param(m, k, &rows, &cols);
		for (size_t i = 0; i < rows * cols; i++)
			if (!isfinite(v[i]))
				abort();
	}
	check_cov(m->Q, m->n, 1);
	check_cov(m->R, m->p, 1);
	check_cov(m->P0, m->n, lgssm_is_diffuse(m));
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = 0; j < m->n; j++) {
			double d = m->Pinf[i * m->n + j];
			if (i != j ? d != 0 : d != 0 && d != 1)
				abort();
			if (i == j && d == 1)
				for (size_t k = 0; k < m->n; k++)
					if (m->P0[i * m->n + k] != 0 ||
					    m->P0[k * m->n + i] != 0)
						abort();
		}
	if ((fp = open_memstream(&text, &len)) == NULL ||
	    lgssm_write_json(m, fp, &err) != 0 || fclose(fp) != 0)
		abort();
	if (lgssm_load_buffer(&back, text, len, "round-trip", &err) != 0) {
		fprintf(stderr, "round trip refused: %s\n", err.msg);
		abort();
	}
	if (back.n != m->n || back.p != m->p)
		abort();
	for (int k = 0; k < LGSSM_NPARAM; k++) {
		const double *a = lgssm_param(m, k, &rows, &cols);
		const double *b = lgssm_param(&back, k, &rows, &cols);
		if (memcmp(a, b, rows * cols * sizeof *a) != 0)
			abort();	/* bitwise: -0.0 must stay -0.0 */
	}
	if (memcmp(m->Pinf, back.Pinf, m->n * m->n * sizeof *m->Pinf) != 0)
		abort();
	lgssm_free(&back);
	free(text);
}

#endif
