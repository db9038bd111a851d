/* threads.h: the process's thread count, one number for every part of
 * a program that runs on threads: the OpenMP loops (and oneDNN, which
 * runs on them), FFmpeg's decoders, ssim's scoring threads and the
 * library's helper threads (a helper is a second thread: it runs only
 * with a count of 2 or more). Each part uses at most that many; with 1
 * the whole program runs on its calling thread, so that `make -j N`
 * with one thread per job keeps N threads busy, not N per core.
 *
 * The count is what threads_set gave (a program's --threads), else the
 * first number of OMP_NUM_THREADS when the environment holds one, else
 * none: each part then takes its own default (one thread per core;
 * FFmpeg's automatic count for a decoder).
 *
 * Encoders are not counted: they always run on one thread (see
 * media_writer_open), because some (libx264) write other bytes with
 * other thread counts. Nothing a program writes depends on the count.
 *
 * OpenBLAS, used serially (dmat_blas_serial), sizes the idle pool it
 * starts while the program loads from OMP_NUM_THREADS (or
 * OPENBLAS_NUM_THREADS): that pool is out of threads_set's reach. */
#ifndef KVAE_THREADS_H
#define KVAE_THREADS_H

/* Set the count to n >= 1 (values below 1 are taken as 1), OpenMP's
 * too (omp_set_num_threads, which holds for the calling thread and the
 * parallel regions it starts: call from main before work begins). */
void threads_set(int n);

/* The count as above, or 0 when neither threads_set nor
 * OMP_NUM_THREADS gave one. */
int threads_limit(void);

/* The count, or when there is none the number of processors OpenMP
 * would use: always >= 1. */
int threads_count(void);

#endif
