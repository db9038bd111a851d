/* kf-filter: Kalman filter a kvae-seq(5) stream, record by record. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cli.h"
#include "common/kf_options.h"
#include "lgssm/lgssm.h"
#include "core/outfile.h"
#include "stream/seq.h"

static const char usage[] =
"Usage: kf-filter (-m MODEL | --preset NAME) [OPTION]... [FILE]\n"
"Kalman-filter each sequence of a kvae-seq(5) stream (CSV or binary) online:\n"
"one record out per record in, flushed as it comes (works behind tail -f).\n"
"NaN components are missing: the update uses the observed ones only.\n"
"\n"
KFCLI_USAGE_MODEL
"Output (default: the filtered observation estimate C mu_t|t):\n"
"      --states               the state mean mu_t|t instead\n"
"      --predict              the one-step prediction (mu_t|t-1, C mu_t|t-1)\n"
KFCLI_USAGE_OUTPUT
"      --threads=N            taken for scripts that give it to every\n"
"                             program: kf-filter runs on one thread\n"
KFCLI_USAGE_HELP
"\n"
"Example:\n"
"  tail -f sensor.csv | kf-filter --preset local-level --obs-noise 4\n"
"  kf-filter -m model.json --horizon 20 --variances track.csv > fc.csv\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

struct job {
	kfcli *o;
	kfcli_io io;
	double *x, *var, *out, *out_var;
	size_t seq;		/* sequences done */
};

/* One record out; Pinf: the diffuse part of P, or NULL. */
static int
emit(struct job *j, const double *mu, const double *P, const double *Pinf,
	kv_err *err)
{
	double *var = j->o->variances ? j->out_var : NULL;

	kfcli_record(j->o, &j->io, mu, P, j->out, var);
	if (Pinf != NULL)
		kfcli_record_diffuse(j->o, &j->io, Pinf, var);
	return seq_write(j->io.w, j->out, j->out_var, err);
}

/* The diffuse parts of the prediction and the posterior, where the
 * record is in the diffuse period. */
static const double *
pinf_pred(const lgssm_filter *f)
{
	return f->diffuse ? f->Pinf_pred : NULL;
}

static const double *
pinf_filt(const lgssm_filter *f)
{
	return f->was_diffuse ? f->Pinf_filt : NULL;
}

/* The end of a sequence: forecasts, log-likelihood, boundary, reset. */
static int
end_sequence(struct job *j, kv_err *err)
{
	lgssm_filter *f = &j->io.f;
	size_t records = f->t;

	if (f->diffuse && records > 0)
		cli_warn("%s: sequence %zu: the diffuse period did not end by "
		    "record %zu (the data do not identify the initial "
		    "state): its variances are NaN (infinite)", j->io.name, j->seq + 1,
		    records);

	for (size_t i = 0; i < j->io.m.p; i++)
		j->x[i] = NAN;
	for (size_t h = 0; h < j->o->horizon; h++) {
		const double *mu = j->o->predict ? f->mu_pred : NULL;
		const double *P = j->o->predict ? f->P_pred : NULL;
		const double *Pinf = j->o->predict ? pinf_pred(f) : NULL;
		if (lgssm_filter_step(f, j->x, NULL, err) != 0)
			return kv_err_prefix(err, "%s: forecast %zu", j->io.name,
			    h + 1);
		if (emit(j, mu ? mu : f->mu_filt, P ? P : f->P_filt,
		    j->o->predict ? Pinf : pinf_filt(f), err) != 0)
			return -1;
	}
	if (kfcli_loglik_add(j->io.ll, ++j->seq, records,
	    f->nobs, f->loglik, err) != 0 || seq_write_break(j->io.w, err) != 0)
		return -1;
	lgssm_filter_reset(f);
	return 0;
}

static int
run(struct job *j, kv_err *err)
{
	lgssm_filter *f = &j->io.f;
	char place[256];
	int rc;

	while ((rc = seq_read(j->io.r, j->x, j->var, err)) > 0) {
		if (rc == SEQ_BREAK) {
			if (end_sequence(j, err) != 0)
				return -1;
			continue;
		}
		if (j->o->predict && emit(j, f->mu_pred, f->P_pred,
		    pinf_pred(f), err) != 0)
			return -1;
		if (lgssm_filter_step(f, j->x, j->o->obs_var ? j->var : NULL,
		    err) != 0)
			return kv_err_prefix(err, "%s", seq_reader_place(j->io.r,
			    place, sizeof place));
		if (!j->o->predict && emit(j, f->mu_filt, f->P_filt,
		    pinf_filt(f), err) != 0)
			return -1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	kfcli o;
	struct job j = { .o = &o };
	const char *path;
	kv_err err;
	size_t d;

	cli_init("kf-filter");
	kfcli_init(&o);
	path = kfcli_parse(&o, argc, argv, usage, 1);
	if (kfcli_open(&j.io, &o, path, 1, &err) != 0)
		cli_fail(&err);
	d = j.io.layout.dim > j.io.m.p ? j.io.layout.dim : j.io.m.p;
	j.x = malloc(d * sizeof *j.x);
	j.var = malloc(d * sizeof *j.var);
	j.out = malloc(d * sizeof *j.out);
	j.out_var = malloc(d * sizeof *j.out_var);
	if (j.x == NULL || j.var == NULL || j.out == NULL || j.out_var == NULL)
		cli_die("out of memory");
	if (kfcli_close(&j.io, run(&j, &err) == 0, &err) != 0)
		cli_fail(&err);
	free(j.x);
	free(j.var);
	free(j.out);
	free(j.out_var);
	return 0;
}
