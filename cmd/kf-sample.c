/* kf-sample: draw sequences from an LGSSM, unconditionally (test data,
 * generation) or from the posterior given observed sequences. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "common/cli.h"
#include "lgssm/lgssm.h"
#include "lgssm/spec.h"
#include "core/outfile.h"
#include "stream/load.h"
#include "stream/seq.h"

static const char usage[] =
"Usage: kf-sample -m MODEL -T N [OPTION]...\n"
"       kf-sample -m MODEL --given FILE [OPTION]...\n"
"Draw sequences x_1..x_T from the LGSSM in MODEL and write them as a\n"
"kvae-seq(5) stream. With --given, draw from the posterior given each\n"
"sequence of FILE instead (forward filtering, backward sampling): its\n"
"observed values are kept, its missing ones (nan) drawn.\n"
"\n"
"  -m, --model=FILE           a JSON LGSSM spec or a kvae-train model\n"
"  -T, --length=N             records per sequence\n"
"  -n, --sequences=S          how many sequences (default 1); with\n"
"                             --given, how many draws of each\n"
"      --given=FILE           a kvae-seq(5) stream (- is stdin) of the\n"
"                             model's observation dimension; its\n"
"                             variance columns are ignored\n"
"      --states=FILE          also write the drawn states z_t there\n"
"      --seed=S               random seed (default 1)\n"
"  -o, --output=FILE          write FILE atomically (default stdout)\n"
"  -f, --output-format=FMT    csv or bin (default csv)\n"
"      --threads=N            taken for scripts that give it to every\n"
"                             program: kf-sample runs on one thread\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Examples:\n"
"  kf-sample -m true.json -T 500 -n 20 | kf-fit --state-dim 2 -o fit.json\n"
"  kf-sample -m m.kvae -T 50 | vae-decode -m m.kvae -o generated.mp4\n"
"  kvae-cat --keep-every 3 z.csv | kf-sample -m m.json --given - -n 10\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

enum { OPT_STATES = 256, OPT_SEED, OPT_GIVEN, OPT_THREADS };

static const struct option options[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "length", required_argument, NULL, 'T' },
	{ "sequences", required_argument, NULL, 'n' },
	{ "states", required_argument, NULL, OPT_STATES },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "given", required_argument, NULL, OPT_GIVEN },
	{ "output", required_argument, NULL, 'o' },
	{ "output-format", required_argument, NULL, 'f' },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static int
write_all(seq_writer *w, const double *v, size_t T, size_t d, kv_err *err)
{
	for (size_t t = 0; t < T; t++)
		if (seq_write(w, v + t * d, NULL, err) != 0)
			return -1;
	return seq_write_break(w, err);
}

/* What every draw needs: the model, the generator, the writers. */
struct job {
	lgssm m;
	gsl_rng *rng;
	seq_writer *w, *zw;	/* observations; states or NULL */
	size_t nseq;		/* draws (of each given sequence) */
};

/* nseq sequences of T records from the model. */
static int
draw_unconditional(struct job *j, size_t T, kv_err *err)
{
	double *x = malloc(T * j->m.p * sizeof *x);
	double *z = malloc(T * j->m.n * sizeof *z);
	int rc = 0;

	if (x == NULL || z == NULL)
		rc = kv_errf(err, "out of memory");
	for (size_t s = 0; rc == 0 && s < j->nseq; s++)
		if (lgssm_sample(&j->m, j->rng, T, z, x, err) != 0 ||
		    write_all(j->w, x, T, j->m.p, err) != 0 ||
		    (j->zw != NULL && write_all(j->zw, z, T, j->m.n, err) != 0))
			rc = -1;
	free(x);
	free(z);
	return rc;
}

/* nseq posterior draws of each sequence of the stream `given`. */
static int
draw_given(struct job *j, const char *given, kv_err *err)
{
	seq_set set = { 0 };
	const char *paths[1] = { given };
	double *xs = NULL, *z = NULL;
	size_t Tmax = 0;
	int rc;

	if (seq_load_all(&set, paths, 1, 0, err) != 0)
		return -1;
	if (set.dim != j->m.p) {
		rc = kv_errf(err, "%s: records have %zu values, the model "
		    "observes %zu", given, set.dim, j->m.p);
		goto out;
	}
	for (size_t i = 0; i < set.nseq; i++)
		Tmax = set.T[i] > Tmax ? set.T[i] : Tmax;
	xs = malloc((Tmax ? Tmax : 1) * j->m.p * sizeof *xs);
	z = malloc((Tmax ? Tmax : 1) * j->m.n * sizeof *z);
	rc = xs == NULL || z == NULL ? kv_errf(err, "out of memory") : 0;
	for (size_t i = 0; rc == 0 && i < set.nseq; i++)
		for (size_t s = 0; rc == 0 && s < j->nseq; s++) {
			size_t T = set.T[i];
			if (lgssm_sample_posterior(&j->m, j->rng, set.x +
			    set.off[i] * set.dim, T, z, xs, err) != 0)
				rc = kv_err_prefix(err, "%s: sequence %zu", given,
				    i + 1);
			else if (write_all(j->w, xs, T, j->m.p, err) != 0 ||
			    (j->zw != NULL && write_all(j->zw, z, T, j->m.n,
			    err) != 0))
				rc = -1;
		}
out:
	free(xs);
	free(z);
	seq_set_free(&set);
	return rc;
}

static seq_writer *
open_writer(const char *path, outfile **out, size_t dim, int format,
	kv_err *err)
{
	seq_layout l = { .format = format, .scalar = SEQ_F64, .dim = dim };

	if ((*out = outfile_open(path, err)) == NULL)
		return NULL;
	return seq_writer_open(outfile_stream(*out), outfile_name(*out), &l,
	    err);
}

int
main(int argc, char **argv)
{
	const char *model = NULL, *output = NULL, *states = NULL;
	const char *given = NULL;
	size_t T = 0;
	unsigned long seed = 1;
	int format = SEQ_CSV, c, rc;
	outfile *out = NULL, *zout = NULL;
	struct job j = { .nseq = 1 };
	kv_err err;

	cli_init("kf-sample");
	while ((c = getopt_long(argc, argv, "m:T:n:o:f:hV", options, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'T': T = (size_t)cli_parse_int("--length", optarg, 1, 1LL << 32); break;
		case 'n': j.nseq = (size_t)cli_parse_int("--sequences", optarg, 1, 1LL << 32); break;
		case OPT_STATES: states = optarg; break;
		case OPT_SEED: seed = (unsigned long)cli_parse_int("--seed", optarg, 0, 4294967295LL); break;
		case OPT_GIVEN: given = optarg; break;
		case OPT_THREADS: cli_threads(optarg); break;
		case 'o': output = optarg; break;
		case 'f':
			format = cli_parse_format(optarg);
			break;
		default: cli_standard_option(c, usage);
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (model == NULL || (T == 0) == (given == NULL))
		cli_usage_error("-m MODEL and one of -T N or --given FILE are "
		    "required");
	if (lgssm_load_file(&j.m, model, &err) != 0)
		cli_fail(&err);
	if ((j.rng = gsl_rng_alloc(gsl_rng_mt19937)) == NULL)
		cli_die("out of memory");
	gsl_rng_set(j.rng, seed);
	if ((j.w = open_writer(output, &out, j.m.p, format, &err)) == NULL ||
	    (states != NULL && (j.zw = open_writer(states, &zout, j.m.n,
	    format, &err)) == NULL))
		cli_fail(&err);
	rc = given != NULL ? draw_given(&j, given, &err) :
	    draw_unconditional(&j, T, &err);
	if (rc != 0) {
		outfile_abort(out);
		outfile_abort(zout);
		cli_fail(&err);
	}
	if (seq_writer_close(j.w, &err) != 0 || outfile_commit(out, &err) != 0 ||
	    (j.zw != NULL && (seq_writer_close(j.zw, &err) != 0 ||
	    outfile_commit(zout, &err) != 0)))
		cli_fail(&err);
	gsl_rng_free(j.rng);
	lgssm_free(&j.m);
	return 0;
}
