/* dist.h: the processes of a data-parallel run.
 *
 * Built with MPI (the Makefile defines KVAE_MPI when an MPI's pkg-config
 * file is found) and started by mpirun, srun or another MPI launcher, a
 * program is rank r of P processes that run the same code on their own
 * share of the data and meet in the collectives below. Otherwise it is
 * rank 0 of 1 and every collective returns at once, its buffer as it
 * was: single-process code pays nothing.
 *
 * MPI's default error handler stays: a failed collective ends the whole
 * job (MPI_ERRORS_ARE_FATAL), so none of these returns an error. */
#ifndef KVAE_DIST_H
#define KVAE_DIST_H

#include <stddef.h>

#include "core/err.h"

/* Join the run when a launcher started this process (its environment
 * says so: OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK or PMI_RANK);
 * else stay rank 0 of 1. 0, or -1 when launched as one of several
 * processes by a build without MPI (every process would train alone and
 * write the same files). Call once, before any other dist_ call. */
int dist_init(kv_err *err);

/* This process's rank, 0 .. dist_size() - 1, and the number of ranks. */
int dist_rank(void);
int dist_size(void);

/* 1 if built with MPI (whether or not launched by mpirun). */
int dist_has_mpi(void);

/* Sum buf (n values) over every rank, in place; each rank gets the sum.
 * All ranks must call, in the same order, with the same n. */
void dist_sum_floats(float *buf, size_t n);
void dist_sum_doubles(double *buf, size_t n);

/* Rank 0's buf (n values) to every rank (all call). */
void dist_broadcast_floats(float *buf, size_t n);

/* The largest v over every rank (all call). */
int dist_max_int(int v);

/* The ranks that hold data in the current step: 0 .. n - 1 (n >= 1,
 * clamped to the size). dist_sum_active sums over those only; only
 * they call it. Set the same n on every rank (all ranks call). */
void dist_set_active(int n);
void dist_sum_active(double *buf, size_t n);

/* Seconds spent in the collectives so far, waiting for other ranks
 * included: all of them, and dist_sum_floats's alone (the gradients'
 * sums), for kvae-train's report and bench/scale. */
double dist_seconds(void);
double dist_float_sum_seconds(void);

/* Leave the run cleanly (all ranks call; a no-op on one process). */
void dist_finalize(void);

/* End every rank of the job with `status` at once (MPI_Abort, which
 * need not return); on one process, or before dist_init, nothing: the
 * caller exits, as the library never does. */
void dist_abort(int status);

/* 1 between dist_init that joined a run of several ranks and
 * dist_finalize. */
int dist_running(void);

#endif
