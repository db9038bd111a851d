/* adam.c: Adam with bias correction, clipping and step decay. */
#include "nn/adam.h"

#include <math.h>
#include <stdlib.h>

int
adam_init(adam *a, size_t n, kv_err *err)
{
	*a = (adam){ .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
	    .decay = 1.0, .n = n };
	a->m = calloc(n + 1, sizeof *a->m);
	a->v = calloc(n + 1, sizeof *a->v);
	if (a->m == NULL || a->v == NULL) {
		adam_free(a);
		return kv_errf(err, "out of memory for the optimiser");
	}
	return 0;
}

void
adam_free(adam *a)
{
	free(a->m);
	free(a->v);
	a->m = a->v = NULL;
}

double
adam_lr(const adam *a, int epoch)
{
	if (a->decay_every <= 0)
		return a->lr;
	return a->lr * pow(a->decay, epoch / a->decay_every);
}

double
adam_clip(float *grad, size_t n, double max_norm)
{
	double ss = 0, norm;

	for (size_t i = 0; i < n; i++)
		ss += (double)grad[i] * grad[i];
	norm = sqrt(ss);
	if (max_norm > 0 && norm > max_norm) {
		float s = (float)(max_norm / norm);
		for (size_t i = 0; i < n; i++)
			grad[i] *= s;
	}
	return norm;
}

double
adam_step(adam *a, float *param, float *grad, double lr)
{
	double norm = adam_clip(grad, a->n, a->clip);
	double c1, c2;

	a->step++;
	c1 = 1 - pow(a->beta1, (double)a->step);
	c2 = 1 - pow(a->beta2, (double)a->step);
	for (size_t i = 0; i < a->n; i++) {
		double g = grad[i];
		a->m[i] = a->beta1 * a->m[i] + (1 - a->beta1) * g;
		a->v[i] = a->beta2 * a->v[i] + (1 - a->beta2) * g * g;
		param[i] -= (float)(lr * (a->m[i] / c1) /
		    (sqrt(a->v[i] / c2) + a->eps));
	}
	return norm;
}
