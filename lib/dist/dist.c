/* dist.c: the ranks of a data-parallel run over MPI, or one process
 * when built without it (KVAE_MPI undefined) or not launched by an MPI
 * launcher. */
#include "dist/dist.h"

#include <stdlib.h>
#include <time.h>

#ifdef KVAE_MPI
#include <mpi.h>
#endif

static int rank, size = 1, running;
static int active = 1;
static double comm_seconds, float_sum_seconds;

/* A launcher's environment: Open MPI's mpirun, MPICH's Hydra and Slurm
 * (PMI-1/2), PMIx (Open MPI 4+, srun --mpi=pmix). The size, when given,
 * tells a run of one from a run of several. */
static long
launched_size(void)
{
	static const char *sizes[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
	    "PMIX_SIZE" };
	static const char *ranks[] = { "PMIX_RANK", "PMI_RANK" };

	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		const char *size = getenv(sizes[i]);

		if (size != NULL)
			return strtol(size, NULL, 10);
	}
	for (size_t i = 0; i < sizeof ranks / sizeof *ranks; i++)
		if (getenv(ranks[i]) != NULL)
			return -1;	/* launched; the size is MPI's to say */
	return 0;
}

int
dist_rank(void)
{
	return rank;
}

int
dist_size(void)
{
	return size;
}

int
dist_running(void)
{
	return running;
}

double
dist_seconds(void)
{
	return comm_seconds;
}

double
dist_float_sum_seconds(void)
{
	return float_sum_seconds;
}

#ifdef KVAE_MPI

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* prefix[k - 1]: ranks 0 .. k - 1 (MPI_COMM_NULL on the others). */
static MPI_Comm *prefix;

int
dist_has_mpi(void)
{
	return 1;
}

int
dist_init(kv_err *err)
{
	int ok;

	if (launched_size() == 0)
		return 0;
	if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
		return kv_errf(err, "MPI_Init failed");
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	prefix = malloc((size_t)size * sizeof *prefix);
	ok = prefix != NULL;
	MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	if (!ok)
		return kv_errf(err, "out of memory");
	for (int k = 1; k <= size; k++)
		MPI_Comm_split(MPI_COMM_WORLD, rank < k ? 0 : MPI_UNDEFINED,
		    rank, &prefix[k - 1]);
	active = size;
	running = 1;
	return 0;
}

/* An in-place sum over comm, timed. */
static void
sum_over(void *buf, size_t n, MPI_Datatype type, MPI_Comm comm)
{
	double t = now();

	MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, type, MPI_SUM, comm);
	comm_seconds += now() - t;
}

void
dist_sum_floats(float *buf, size_t n)
{
	double before = comm_seconds;

	if (size > 1)
		sum_over(buf, n, MPI_FLOAT, MPI_COMM_WORLD);
	float_sum_seconds += comm_seconds - before;
}

void
dist_sum_doubles(double *buf, size_t n)
{
	if (size > 1)
		sum_over(buf, n, MPI_DOUBLE, MPI_COMM_WORLD);
}

void
dist_broadcast_floats(float *buf, size_t n)
{
	double t = now();

	if (size > 1)
		MPI_Bcast(buf, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD);
	comm_seconds += now() - t;
}

int
dist_max_int(int v)
{
	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX,
		    MPI_COMM_WORLD);
	return v;
}

void
dist_set_active(int n)
{
	active = n < 1 ? 1 : n > size ? size : n;
}

void
dist_sum_active(double *buf, size_t n)
{
	if (active > 1)
		sum_over(buf, n, MPI_DOUBLE, prefix[active - 1]);
}

void
dist_finalize(void)
{
	if (!running)
		return;
	for (int k = 1; k <= size; k++)
		if (prefix[k - 1] != MPI_COMM_NULL)
			MPI_Comm_free(&prefix[k - 1]);
	free(prefix);
	prefix = NULL;
	running = 0;
	MPI_Finalize();
}

void
dist_abort(int status)
{
	if (running)
		MPI_Abort(MPI_COMM_WORLD, status);
}

#else	/* one process */

int
dist_has_mpi(void)
{
	return 0;
}

int
dist_init(kv_err *err)
{
	long n = launched_size();

	if (n > 1 || n < 0)
		return kv_errf(err, "started by an MPI launcher as one of several "
		    "processes, but built without MPI: each would train alone "
		    "(install libopenmpi-dev and rebuild)");
	return 0;
}

void
dist_sum_floats(float *buf, size_t n)
{
	(void)buf, (void)n;
}

void
dist_sum_doubles(double *buf, size_t n)
{
	(void)buf, (void)n;
}

void
dist_broadcast_floats(float *buf, size_t n)
{
	(void)buf, (void)n;
}

int
dist_max_int(int v)
{
	return v;
}

void
dist_set_active(int n)
{
	active = n;
}

void
dist_sum_active(double *buf, size_t n)
{
	(void)buf, (void)n;
}

void
dist_finalize(void)
{
}

void
dist_abort(int status)
{
	(void)status;
}

#endif
