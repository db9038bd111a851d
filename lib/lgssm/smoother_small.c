/* smoother_small.c: Algorithm 2's step for small models, size constant. */
#include "lgssm/lgssm.h"

#include "core/clones.h"
#include "lgssm/internal.h"
#include "lgssm/smoother_core.h"

/* For small models (lgssm_small in internal.h), smoother_core.h's step
 * with the size constant and the kernels' loops inlined: the same
 * arithmetic as smoother.c's, so the same bits, faster. */

#define SMOOTHER_SMALL(N) case N: \
	lgssm_smoother_core(m, s, mu_f, cross, N, 1); break

KV_CLONES void
lgssm_smoother_small(const lgssm *m, struct lgssm_smoother *s,
	const double *mu_f, int cross)
{
	switch (m->n) {
	SMOOTHER_SMALL(1);
	SMOOTHER_SMALL(2);
	SMOOTHER_SMALL(3);
	SMOOTHER_SMALL(4);
	}
}
