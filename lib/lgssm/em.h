/* em.h: maximum-likelihood LGSSM parameters by EM over many
 * sequences with missing values (Shumway & Stoffer; Ghahramani &
 * Hinton). The E-step is lgssm_stats (missing components latent), the
 * M-step the closed-form maximiser of the expected complete-data
 * log-likelihood, parameter by parameter in the order A, Q, C, R, mu0,
 * P0 so that each uses the others' newest values. Each iteration cannot
 * lower the log-likelihood. A starting point: em_init.h. */
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

/* The EM loop's settings. */
typedef struct lgssm_em_fit_opts {
	lgssm_em_opts mstep;	/* what the M-steps keep */
	size_t iterations;	/* at most this many M-steps */
	double tol;		/* stop when the log-likelihood gains no more
				   than tol times its size */
	/* Called after each E-step (NULL: none) with the number of M-steps
	 * done so far (0 for the starting point) and the log-likelihood of
	 * the current parameters. Non-zero stops the fit, which returns
	 * that value with m as reported. */
	int (*report)(void *ctx, size_t iteration, double loglik);
	void *ctx;
} lgssm_em_fit_opts;

/* How a fit ended. */
typedef struct lgssm_em_result {
	double loglik;		/* of the parameters left in m */
	size_t iterations;	/* M-steps done */
	int converged;		/* 1: the gain fell to tol; 0: the iteration
				   cap (or the report) ended it first */
} lgssm_em_result;

/* EM from the parameters in m until the log-likelihood gains no more
 * than o->tol times its size, or after o->iterations M-steps; m holds
 * the result, whose log-likelihood was the last one reported, and *res
 * (may be NULL) says how it ended. x (sum T, m->p) holds nseq sequences
 * laid end to end, sequence i having T[i] records (NaN = missing). 0,
 * the report's non-zero value, or -1 with a message naming the
 * iteration (and the sequence, counted from 1) where it failed. */
int lgssm_em_fit(lgssm *m, const double *x, const size_t *T, size_t nseq,
	const lgssm_em_fit_opts *o, lgssm_em_result *res, kv_err *err);

#endif
