/* em.h: maximum-likelihood LGSSM parameters by EM over many
 * sequences with missing values (Shumway & Stoffer; Ghahramani &
 * Hinton). The E-step is lgssm_stats (missing components latent), the
 * M-step the closed-form maximiser of the expected complete-data
 * log-likelihood, parameter by parameter in the order A, Q, C, R, mu0,
 * P0 so that each uses the others' newest values. Each iteration cannot
 * lower the log-likelihood. */
#ifndef KVAE_LGSSM_EM_H
#define KVAE_LGSSM_EM_H

#include <stddef.h>

#include "core/err.h"
#include "lgssm/lgssm.h"
#include "lgssm/stats.h"

typedef struct lgssm_em_opts {
	unsigned fixed;		/* bit (1 << LGSSM_A) etc.: keep as given */
	unsigned diagonal;	/* bits of Q, R, P0: keep diagonal */
} lgssm_em_opts;

/* Parse a comma list of parameter names ("A,C,R") into bits; `allowed`
 * limits which. 0, or -1 naming the unknown word. */
int lgssm_em_parse_params(const char *list, unsigned allowed,
	unsigned *bits, kv_err *err);

/* The M-step: replace the free parameters of m by the maximisers given
 * statistics s (from the E-step under m). 0 or -1 (too little data, or
 * a singular statistic). */
int lgssm_em_mstep(lgssm *m, const lgssm_stats *s, const lgssm_em_opts *o,
	kv_err *err);

#endif
