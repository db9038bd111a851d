/* lgssm_form.c: the ME model through lgssm.h; see lgssm_form.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mefilter/lgssm_form.h"

int
mekf_lgssm_build(lgssm *out, const mekf_model *m, kv_err *err)
{
	size_t p = m->p;

	if (lgssm_alloc(out, p, 1, err) != 0)
		return -1;
	mekf_companion(out->A, m->a, p);
	out->C[p - 1] = 1;
	out->Q[p * p - 1] = m->err_var;
	/* R = 0 would make the filtered variance of an observed sample 0,
	 * which lgssm.h refuses as not positive definite */
	out->R[0] = fmax(m->noise_var, MEKF_LGSSM_MIN_NOISE * m->r[0]);
	for (size_t i = 0; i < p; i++)
		for (size_t j = 0; j < p; j++)
			out->P0[i * p + j] = m->r[i > j ? i - j : j - i];
	return 0;
}

/* The smoother's visitor: write E[s_t | y] back, sum its variance. */
struct sink {
	double *x;
	size_t stride, p;
	double mean, var_sum;
};

static int
take_smoothed(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct sink *s = ctx;
	(void)P_cross;
	s->x[t * s->stride] = mu[s->p - 1] + s->mean;
	s->var_sum += P[s->p * s->p - 1];
	return 0;
}

int
mekf_lgssm_run(const mekf_model *m, int mode, double *x, size_t n,
	size_t stride, double *var_out, kv_err *err)
{
	size_t p = m->p;
	lgssm model = { 0 };
	lgssm_filter f;
	lgssm_trace tr = { 0 };
	struct sink s = { x, stride, p, m->mean, 0 };
	double *y = NULL;
	int rc = -1;

	if (m->err_var == 0) {	/* no signal above the noise */
		for (size_t t = 0; t < n; t++)
			x[t * stride] = m->mean;
		if (var_out)
			*var_out = 0;
		return 0;
	}
	if (n == 0)
		return 0;
	if (mekf_lgssm_build(&model, m, err) != 0)
		return -1;
	if (!(y = malloc(n * sizeof *y))) {
		lgssm_free(&model);
		return kv_errf(err, "out of memory");
	}
	for (size_t t = 0; t < n; t++)
		y[t] = x[t * stride] - m->mean;		/* NaN stays NaN */
	if (lgssm_filter_init(&f, &model, 1, err) != 0)
		goto out_model;
	if (mode == MEKF_SMOOTH) {
		if (lgssm_filter_trace(&f, y, NULL, n, &tr, err) == 0 &&
		    lgssm_smooth(&model, &tr, take_smoothed, &s, 0, err) == 0)
			rc = 0;
	} else {
		lgssm_filter_reset(&f);
		rc = 0;
		for (size_t t = 0; t < n && rc == 0; t++) {
			if (lgssm_filter_step(&f, y + t, NULL, err) != 0) {
				rc = kv_err_prefix(err, "sample %zu", t + 1);
				break;
			}
			x[t * stride] = f.mu_filt[p - 1] + m->mean;
			s.var_sum += f.P_filt[p * p - 1];
		}
	}
	if (rc == 0 && var_out)
		*var_out = s.var_sum / (double)n;
	lgssm_trace_free(&tr);
	lgssm_filter_free(&f);
out_model:
	lgssm_free(&model);
	free(y);
	return rc;
}
