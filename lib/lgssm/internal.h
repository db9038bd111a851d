/* internal.h: what the files of lib/lgssm share and the public header
 * does not promise: the filter's workspace, the kernels of the
 * recursions, and the functions one file of the Kalman filter and
 * smoother calls in another. Not a contract; included by lib/lgssm's
 * own files only. */
#ifndef KVAE_LGSSM_INTERNAL_H
#define KVAE_LGSSM_INTERNAL_H

#include <stddef.h>

#include "lgssm/lgssm.h"

#define LOG_2PI 1.8378770664093454835606594728112

/* Every product of the recursions is arranged as A B, never A B^T:
 * OpenBLAS's kernel for the transposed operand is about half as fast at
 * these sizes (build/release/tests/dmat-bench), so transposes are kept
 * alongside (C_o^T, K^T, A^T). */
struct lgssm_work {
	size_t n, p;
	size_t *obs;		/* (p) indices of observed components */
	double *Cp;		/* (k, n) observed rows of C */
	double *CpT;		/* (n, k) their transpose */
	double *Rp;		/* (k, k) observed block of R */
	double *e;		/* (k) innovation */
	double *v;		/* (k) */
	double *CP;		/* (k, n) C_o P_pred */
	double *S;		/* (k, k) innovation covariance, then its factor */
	double *Kt;		/* (k, n) K^T = S^{-1} C_o P_pred */
	double *K;		/* (n, k) gain */
	double *D;		/* (n, k) */
	double *tmp;		/* (n, n) */
	double *At;		/* (n, n) A^T, see lgssm_work_model */
	double logdet_S;
	size_t k;		/* observed components of the last update */
	int gathered;		/* Cp, CpT, Rp hold obs's rows of m's C, R */
	double *block;
};

#endif
