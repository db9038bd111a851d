/* kf-smooth: Kalman filter and RTS smoother over each sequence. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/kf_options.h"
#include "lgssm/lgssm.h"
#include "core/outfile.h"
#include "core/threads.h"
#include "stream/seq.h"

static const char usage[] =
"Usage: kf-smooth (-m MODEL | --preset NAME) [OPTION]... [FILE]\n"
"Kalman-smooth (RTS) each sequence of a kvae-seq(5) stream (CSV or binary):\n"
"estimates from all of the sequence. NaN components are missing and get\n"
"imputed. One record out per record in, sequence boundaries kept.\n"
"\n"
KFCLI_USAGE_MODEL
"Output (default: the smoothed observation estimate C mu_t|T):\n"
"      --states               the state mean mu_t|T instead\n"
KFCLI_USAGE_OUTPUT
"      --threads=N            with 2 or more, a second thread maps a large\n"
"                             trace ahead of the filter and, with --variances\n"
"                             and 16 or more states, computes the smoother's\n"
"                             gains (default: OMP_NUM_THREADS, else one per\n"
"                             core); the output is the same\n"
KFCLI_USAGE_HELP
"\n"
"Example:\n"
"  kvae-cat --keep-every 5 noisy.csv | kf-smooth --preset local-level \\\n"
"      --obs-noise 0.09 --process-noise 0.002 > imputed.csv\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

struct job {
	kfcli *o;
	kfcli_io io;
	lgssm_trace tr;
	seq_buf b;
	size_t dout;
	double *out, *out_var;	/* (cap, dout) each */
	size_t cap;
	double *x;		/* (p) all missing, for forecasts */
};

static int
keep(void *ctx, size_t t, const double *mu, const double *P,
	const double *P_cross)
{
	struct job *j = ctx;

	(void)P_cross;
	kfcli_record(j->o, &j->io, mu, P, j->out + t * j->dout,
	    j->o->variances ? j->out_var + t * j->dout : NULL);
	return 0;
}

static int
reserve(struct job *j, size_t T, kv_err *err)
{
	double *a, *b;

	if (T <= j->cap)
		return 0;
	a = realloc(j->out, T * j->dout * sizeof *a);
	if (a != NULL)
		j->out = a;
	b = a == NULL ? NULL : realloc(j->out_var, (j->o->variances ? T : 1) *
	    j->dout * sizeof *b);
	if (b == NULL)
		return kv_errf(err, "out of memory");
	j->out_var = b;
	j->cap = T;
	return 0;
}

static int
smooth_sequence(struct job *j, size_t seq, kv_err *err)
{
	seq_buf *b = &j->b;
	lgssm_filter *f = &j->io.f;
	const double *var = j->o->obs_var ? b->var : NULL;

	if (reserve(j, b->T, err) != 0)
		return -1;
	if (lgssm_filter_trace(f, b->x, var, b->T, &j->tr, err) != 0 ||
	    lgssm_smooth(&j->io.m, &j->tr, keep, j, 0, err) != 0)
		return kv_err_prefix(err, "%s: sequence %zu", j->io.name, seq + 1);
	for (size_t t = 0; t < b->T; t++)
		if (seq_write(j->io.w, j->out + t * j->dout, j->o->variances ?
		    j->out_var + t * j->dout : NULL, err) != 0)
			return -1;
	/* Past the end the smoother is the filter: predict on. */
	for (size_t h = 0; h < j->o->horizon; h++) {
		if (lgssm_filter_step(f, j->x, NULL, err) != 0)
			return kv_err_prefix(err, "%s: sequence %zu: forecast %zu",
			    j->io.name, seq + 1, h + 1);
		kfcli_record(j->o, &j->io, f->mu_filt, f->P_filt, j->out,
		    j->out_var);
		if (seq_write(j->io.w, j->out, j->out_var, err) != 0)
			return -1;
	}
	if (kfcli_loglik_add(j->io.ll, seq + 1, b->T, f->nobs, f->loglik, err) != 0)
		return -1;
	return seq_write_break(j->io.w, err);
}

static int
run(struct job *j, seq_reader *r, kv_err *err)
{
	size_t seq = 0;
	int rc;

	while ((rc = seq_read_sequence(r, &j->b, err)) == 1)
		if (smooth_sequence(j, seq++, err) != 0)
			return -1;
	return rc;
}

int
main(int argc, char **argv)
{
	kfcli o;
	struct job j = { .o = &o };
	const char *path;
	kv_err err;

	cli_init("kf-smooth");
	kfcli_init(&o);
	path = kfcli_parse(&o, argc, argv, usage, 0);
	if (kfcli_open(&j.io, &o, path, 0, &err) != 0)
		cli_fail(&err);
	j.dout = j.io.layout.dim;
	/* without --variances only means are wanted: gains from the
	 * forward pass, an O(n^2) backward pass */
	j.tr.means_only = !o.variances;
	/* the covariance pass's gains on a second thread, if allowed */
	j.tr.threads = threads_count();
	if ((j.x = malloc(j.io.m.p * sizeof *j.x)) == NULL ||
	    reserve(&j, 1, &err) != 0)
		cli_die("out of memory");
	for (size_t i = 0; i < j.io.m.p; i++)
		j.x[i] = NAN;
	if (kfcli_close(&j.io, run(&j, j.io.r, &err) == 0, &err) != 0)
		cli_fail(&err);
	seq_buf_free(&j.b);
	lgssm_trace_free(&j.tr);
	free(j.out);
	free(j.out_var);
	free(j.x);
	return 0;
}
