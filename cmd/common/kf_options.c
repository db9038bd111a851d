/* kf_options.c: options and output shared by kf-filter and kf-smooth. */
#include "common/kf_options.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "linalg/dmat.h"
#include "lgssm/spec.h"
#include "core/outfile.h"

void
kfcli_init(kfcli *o)
{
	memset(o, 0, sizeof *o);
	o->q = 1;
	o->r = 1;
	o->dt = 1;
	o->p0 = 0;	/* exact diffuse */
}

/* --process-noise and --obs-noise: finite and not negative. 0 is a
 * textbook model: a state with no noise of its own (Q singular), or
 * exact observations (R = 0); both at once are refused after the
 * options (kfcli_parse). */
static void
noise_option(kfcli *o, int c, const char *arg)
{
	const char *opt = c == KFCLI_PROCESS_NOISE ? "--process-noise" :
	    "--obs-noise";
	double v = cli_parse_double(opt, arg, 0, DBL_MAX);

	if (c == KFCLI_PROCESS_NOISE)
		o->q = v;
	else
		o->r = v;
}

int
kfcli_option(kfcli *o, int c, const char *arg)
{
	switch (c) {
	case 'm':
		o->model = arg;
		break;
	case KFCLI_PRESET:
		if ((o->preset = lgssm_preset_parse(arg)) == 0)
			cli_usage_error("--preset: '%s' is not local-level, "
			    "constant-velocity or constant-acceleration", arg);
		break;
	case KFCLI_PROCESS_NOISE:
	case KFCLI_OBS_NOISE:
		noise_option(o, c, arg);
		break;
	case KFCLI_DT:
		o->dt = cli_parse_double("--dt", arg, 1e-300, DBL_MAX);
		break;
	case KFCLI_INIT_VAR:
		o->p0 = cli_parse_double("--init-var", arg, 1e-300, DBL_MAX);
		break;
	case KFCLI_STATES:
		o->states = 1;
		break;
	case KFCLI_VARIANCES:
		o->variances = 1;
		break;
	case KFCLI_HORIZON:
		o->horizon = (size_t)cli_parse_int("--horizon", arg, 0, 1LL << 40);
		break;
	case KFCLI_OBS_VAR:
		o->obs_var = 1;
		break;
	case KFCLI_LOGLIK:
		o->loglik = arg;
		break;
	case KFCLI_BURN:
		o->burn = (size_t)cli_parse_int("--loglik-burn", arg, 0,
		    1LL << 40);
		break;
	case KFCLI_STEADY:
		o->steady = 1;
		break;
	case 'o':
		o->output = arg;
		break;
	case 'f':
		o->format = cli_parse_format(arg);
		break;
	case KFCLI_FLOAT32:
		o->scalar = SEQ_F32;
		break;
	case KFCLI_THREADS:
		cli_threads(arg);
		break;
	default:
		return 0;
	}
	return 1;
}

static const struct option options[] = {
	KFCLI_OPTIONS,
	{ "predict", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

const char *
kfcli_parse(kfcli *o, int argc, char **argv, const char *usage,
	int with_predict)
{
	int c;

	while ((c = getopt_long(argc, argv, "m:o:f:hV", options, NULL)) != -1) {
		if (kfcli_option(o, c, optarg))
			continue;
		if (c == 'p' && with_predict)
			o->predict = 1;
		else
			cli_standard_option(c, usage);
	}
	if ((o->model == NULL) == (o->preset == 0))
		cli_usage_error("give a model: -m FILE or --preset NAME (one "
		    "of them)");
	if (o->preset != 0 && o->q == 0 && o->r == 0)
		cli_usage_error("--process-noise 0 and --obs-noise 0 together: "
		    "once observed, the state is known exactly and every later "
		    "record is predicted without error; give one of them a "
		    "positive value");
	if (argc - optind > 1)
		cli_usage_error("one input at most");
	return optind < argc ? argv[optind] : "-";
}

int
kfcli_model(const kfcli *o, size_t dim, const char *stream, lgssm *m,
	kv_err *err)
{
	if (o->preset != 0)
		return lgssm_preset(m, o->preset, dim, o->q, o->r, o->dt, o->p0,
		    err);
	if (lgssm_load_file(m, o->model, err) != 0)
		return -1;
	if (m->p != dim) {
		kv_errf(err, "%s: the model observes %zu values (C is %zux%zu), "
		    "%s has %zu per record", o->model, m->p, m->p, m->n, stream,
		    dim);
		lgssm_free(m);
		return -1;
	}
	return 0;
}

seq_layout
kfcli_layout(const kfcli *o, const lgssm *m, const seq_layout *in)
{
	seq_layout l = seq_layout_output(in, o->format, o->scalar);

	l.dim = o->states ? m->n : m->p;
	l.has_var = o->variances;
	if (o->states)
		l.names = NULL;
	return l;
}

void
kfcli_record(const kfcli *o, kfcli_io *io, const double *mu,
	const double *P, double *out, double *var)
{
	const lgssm *m = &io->m;
	size_t n = m->n, p = m->p;

	if (o->states) {
		memcpy(out, mu, n * sizeof *out);
		for (size_t i = 0; i < n && var != NULL; i++)
			var[i] = P[i * n + i];
		return;
	}
	dmat_mv(out, m->C, mu, p, n, 0);
	if (var == NULL)
		return;
	/* diag(C P C^T): the rows of C P dotted with those of C */
	dmat_mul(io->CP, m->C, P, p, n, n, 0, 0, 1, 0);
	for (size_t i = 0; i < p; i++) {
		const double *c = m->C + i * n, *cp = io->CP + i * n;
		double v = 0;
#pragma omp simd reduction(+:v)
		for (size_t j = 0; j < n; j++)
			v += c[j] * cp[j];
		var[i] = fmax(v, 0);	/* an exact observation: 0, not -1e-18 */
	}
}

void
kfcli_record_diffuse(const kfcli *o, kfcli_io *io, const double *Pinf,
	double *var)
{
	const lgssm *m = &io->m;
	size_t n = m->n, p = m->p;

	if (var == NULL)
		return;
	if (o->states) {
		for (size_t i = 0; i < n; i++)
			if (Pinf[i * n + i] > 1e-10)
				var[i] = NAN;
		return;
	}
	dmat_mul(io->CP, m->C, Pinf, p, n, n, 0, 0, 1, 0);
	for (size_t i = 0; i < p; i++) {
		double v = 0, cc = 0;
		for (size_t j = 0; j < n; j++) {
			v += m->C[i * n + j] * io->CP[i * n + j];
			cc += m->C[i * n + j] * m->C[i * n + j];
		}
		if (v > 1e-10 * cc)
			var[i] = NAN;
	}
}

struct kfcli_loglik {
	outfile *out;
};

kfcli_loglik *
kfcli_loglik_open(const char *path, kv_err *err)
{
	kfcli_loglik *l;

	if (path == NULL)
		return NULL;
	if ((l = calloc(1, sizeof *l)) == NULL) {
		kv_errf(err, "out of memory");
		return NULL;
	}
	if ((l->out = outfile_open(path, err)) == NULL) {
		free(l);
		return NULL;
	}
	fprintf(outfile_stream(l->out), "sequence,records,observed,loglik\n");
	return l;
}

int
kfcli_loglik_add(kfcli_loglik *l, size_t seq, size_t records,
	size_t observed, double loglik, kv_err *err)
{
	if (l == NULL)
		return 0;
	if (fprintf(outfile_stream(l->out), "%zu,%zu,%zu,%.17g\n", seq,
	    records, observed, loglik) < 0)
		return kv_errf(err, "%s: write error", outfile_name(l->out));
	return 0;
}

int
kfcli_loglik_commit(kfcli_loglik *l, kv_err *err)
{
	int rc;

	if (l == NULL)
		return 0;
	rc = outfile_commit(l->out, err);
	free(l);
	return rc;
}

void
kfcli_loglik_abort(kfcli_loglik *l)
{
	if (l == NULL)
		return;
	outfile_abort(l->out);
	free(l);
}

int
kfcli_open(kfcli_io *io, const kfcli *o, const char *path, int stream,
	kv_err *err)
{
	const seq_layout *in;

	memset(io, 0, sizeof *io);
	dmat_blas_serial();
	io->name = infile_name(path);
	if ((io->r = seq_reader_open(path, err)) == NULL)
		return -1;
	in = seq_reader_layout(io->r);
	if (o->obs_var && !in->has_var) {
		kv_errf(err, "--obs-var: %s carries no variances", io->name);
		goto fail;
	}
	if (kfcli_model(o, in->dim, io->name, &io->m, err) != 0)
		goto fail;
	if (lgssm_filter_init(&io->f, &io->m, o->steady, err) != 0)
		goto fail;
	if ((io->CP = malloc(io->m.p * io->m.n * sizeof *io->CP)) == NULL) {
		kv_errf(err, "out of memory");
		goto fail;
	}
	io->f.burn = o->burn;
	io->layout = kfcli_layout(o, &io->m, in);
	if ((io->out = outfile_open(o->output, err)) == NULL)
		goto fail;
	if (o->loglik != NULL &&
	    (io->ll = kfcli_loglik_open(o->loglik, err)) == NULL)
		goto fail;
	if ((io->w = seq_writer_open(outfile_stream(io->out),
	    outfile_name(io->out), &io->layout, err)) == NULL)
		goto fail;
	if (stream)
		seq_reader_flush_on_wait(io->r, outfile_stream(io->out));
	return 0;
fail:
	kfcli_close(io, 0, NULL);
	return -1;
}

int
kfcli_close(kfcli_io *io, int ok, kv_err *err)
{
	int rc = ok ? 0 : -1;

	if (io->w != NULL && seq_writer_close(io->w, ok ? err : NULL) != 0)
		rc = -1;
	if (rc == 0 && (outfile_commit(io->out, err) != 0 ||
	    kfcli_loglik_commit(io->ll, err) != 0))
		rc = -1;
	else if (rc != 0) {
		outfile_abort(io->out);
		kfcli_loglik_abort(io->ll);
	}
	seq_reader_close(io->r);
	lgssm_filter_free(&io->f);
	lgssm_free(&io->m);
	free(io->CP);
	memset(io, 0, sizeof *io);
	return rc;
}
