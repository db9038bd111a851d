/* kf_options.h: what kf-filter and kf-smooth share: the model options
 * (-m FILE or --preset with its noise levels), the output choices
 * (observation estimate or states, variances, forecasts) and the
 * per-sequence log-likelihood file. Only option *values* are handled
 * here; getopt_long stays in each program. */
#ifndef KVAE_KFCLI_H
#define KVAE_KFCLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"
#include "lgssm/lgssm.h"
#include "core/outfile.h"
#include "stream/seq.h"

enum {
	KFCLI_PRESET = 300, KFCLI_PROCESS_NOISE, KFCLI_OBS_NOISE, KFCLI_DT,
	KFCLI_INIT_VAR, KFCLI_STATES, KFCLI_VARIANCES, KFCLI_HORIZON,
	KFCLI_OBS_VAR, KFCLI_LOGLIK, KFCLI_BURN, KFCLI_STEADY, KFCLI_FLOAT32,
	KFCLI_THREADS
};

/* The long options both programs take, for their option tables. */
#define KFCLI_OPTIONS \
	{ "model", required_argument, NULL, 'm' }, \
	{ "preset", required_argument, NULL, KFCLI_PRESET }, \
	{ "process-noise", required_argument, NULL, KFCLI_PROCESS_NOISE }, \
	{ "obs-noise", required_argument, NULL, KFCLI_OBS_NOISE }, \
	{ "dt", required_argument, NULL, KFCLI_DT }, \
	{ "init-var", required_argument, NULL, KFCLI_INIT_VAR }, \
	{ "states", no_argument, NULL, KFCLI_STATES }, \
	{ "variances", no_argument, NULL, KFCLI_VARIANCES }, \
	{ "horizon", required_argument, NULL, KFCLI_HORIZON }, \
	{ "obs-var", no_argument, NULL, KFCLI_OBS_VAR }, \
	{ "loglik", required_argument, NULL, KFCLI_LOGLIK }, \
	{ "loglik-burn", required_argument, NULL, KFCLI_BURN }, \
	{ "steady-state", no_argument, NULL, KFCLI_STEADY }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "output-format", required_argument, NULL, 'f' }, \
	{ "float32", no_argument, NULL, KFCLI_FLOAT32 }, \
	{ "threads", required_argument, NULL, KFCLI_THREADS }

/* The help text of the model options, shared by both programs. */
#define KFCLI_USAGE_MODEL \
"Model:\n" \
"  -m, --model=FILE           a JSON LGSSM spec (A, C, Q, R, mu0, P0) or a\n" \
"                             kvae-train model file (its lgssm.* tensors)\n" \
"      --preset=NAME          local-level, constant-velocity or\n" \
"                             constant-acceleration, per input column\n" \
"      --process-noise=Q      preset process noise intensity (default 1;\n" \
"                             0: a state with no noise of its own)\n" \
"      --obs-noise=R          preset observation noise variance (default 1;\n" \
"                             0: exact observations; not both 0)\n" \
"      --dt=DT                preset time step (default 1)\n" \
"      --init-var=V           preset initial state variance V instead of\n" \
"                             exact diffuse initialisation (the default)\n"

/* ... and of the output options after the program's own; then the
 * program's --threads line, then KFCLI_USAGE_HELP. */
#define KFCLI_USAGE_OUTPUT \
"      --variances            append the diagonal variances\n" \
"      --horizon=N            after each sequence, forecast N more records\n" \
"      --obs-var              use the input's variances as a per-record\n" \
"                             diagonal R\n" \
"      --steady-state         switch to the constant gain once the\n" \
"                             covariance has converged (fully observed\n" \
"                             records, no --obs-var)\n" \
"      --loglik=FILE          per-sequence log-likelihood (CSV)\n" \
"      --loglik-burn=N        leave the first N records' terms out\n" \
"  -o, --output=FILE          write FILE atomically (default stdout)\n" \
"  -f, --output-format=FMT    csv or bin (default: the input's)\n" \
"      --float32              write 32-bit floats\n"

#define KFCLI_USAGE_HELP \
"  -h, --help                 show this help and exit\n" \
"  -V, --version              show the version and exit\n"

typedef struct kfcli {
	const char *model;	/* -m FILE, or NULL */
	int preset;		/* lgssm_preset_kind, or 0 */
	double q, r, dt, p0;	/* preset parameters */
	int states, variances, obs_var, steady, predict;
	size_t horizon, burn;
	const char *loglik;	/* file for per-sequence log-likelihoods */
	const char *output;
	int format, scalar;
} kfcli;

/* Defaults: q 1, r 1, dt 1, p0 0 (exact diffuse). */
void kfcli_init(kfcli *o);

/* Take option c with argument arg when it is one of KFCLI_OPTIONS:
 * returns 1 (taken), 0 (not ours). Bad values exit 2 (cli_usage_error). */
int kfcli_option(kfcli *o, int c, const char *arg);

/* Parse the command line of kf-filter (with_predict: --predict taken)
 * or kf-smooth into o (after kfcli_init): prints `usage` for --help,
 * the version for --version, exits 2 on a usage error (also without
 * exactly one of -m and --preset, or with more than one input). Returns
 * the input path ("-" for stdin). */
const char *kfcli_parse(kfcli *o, int argc, char **argv, const char *usage,
	int with_predict);

/* The model for a stream of `dim` values: the file's (its observation
 * dimension must be dim) or the preset applied to each of dim
 * components. `stream` names the input in messages. 0 or -1. */
int kfcli_model(const kfcli *o, size_t dim, const char *stream, lgssm *m,
	kv_err *err);

/* The output layout for the input layout `in` under model m. */
seq_layout kfcli_layout(const kfcli *o, const lgssm *m, const seq_layout *in);

/* The --loglik file: "sequence,records,observed,loglik" lines. */
typedef struct kfcli_loglik kfcli_loglik;

/* What a run of kf-filter or kf-smooth holds open. */
typedef struct kfcli_io {
	seq_reader *r;
	const char *name;	/* the input's, for messages */
	lgssm m;
	lgssm_filter f;		/* set up with --steady-state and --loglik-burn */
	outfile *out;
	seq_writer *w;
	kfcli_loglik *ll;	/* NULL without --loglik */
	seq_layout layout;	/* of the output */
	double *CP;		/* (p, n) scratch of kfcli_record */
} kfcli_io;

/* Open input `path`, build the model for it, set up the filter, open the
 * output (and the --loglik file) and its writer; with `stream`, flush
 * the output whenever the input would wait. 0, or -1 with a message
 * (nothing is left open then). */
int kfcli_open(kfcli_io *io, const kfcli *o, const char *path, int stream,
	kv_err *err);

/* Finish: on ok, close the writer and commit the outputs (0, or -1 on a
 * write error); otherwise throw them away (returns -1). Frees all. */
int kfcli_close(kfcli_io *io, int ok, kv_err *err);

/* One output record from a state mean mu (n) and covariance P (n, n):
 * mu and diag P (--states) or C mu and diag(C P C^T), under io's model.
 * out, var: the layout's dim each. */
void kfcli_record(const kfcli *o, kfcli_io *io, const double *mu,
	const double *P, double *out, double *var);

/* In the diffuse period: var's entries that are still diffuse under
 * Pinf (n, n), the diffuse part of the covariance, are infinite, which
 * a stream cannot hold: they become NaN (unknown). */
void kfcli_record_diffuse(const kfcli *o, kfcli_io *io, const double *Pinf,
	double *var);

/* The --loglik file's lines, committed or thrown away with the output. */
kfcli_loglik *kfcli_loglik_open(const char *path, kv_err *err);
int kfcli_loglik_add(kfcli_loglik *l, size_t seq, size_t records,
	size_t observed, double loglik, kv_err *err);
int kfcli_loglik_commit(kfcli_loglik *l, kv_err *err);	/* NULL ok */
void kfcli_loglik_abort(kfcli_loglik *l);		/* NULL ok */

#endif
