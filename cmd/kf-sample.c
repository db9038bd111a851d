/* kf-sample: draw sequences from an LGSSM (test data for kf-fit). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "common/cli.h"
#include "lgssm/lgssm.h"
#include "lgssm/spec.h"
#include "core/outfile.h"
#include "stream/seq.h"

static const char usage[] =
"Usage: kf-sample -m MODEL -T N [OPTION]...\n"
"Draw sequences x_1..x_T from the LGSSM in MODEL (a JSON spec) and write\n"
"them as a kvae-seq(5) stream.\n"
"\n"
"  -m, --model=FILE           the JSON LGSSM spec\n"
"  -T, --length=N             records per sequence\n"
"  -n, --sequences=S          how many sequences (default 1)\n"
"      --states=FILE          also write the drawn states z_t there\n"
"      --seed=S               random seed (default 1)\n"
"  -o, --output=FILE          write FILE atomically (default stdout)\n"
"  -f, --output-format=FMT    csv or bin (default csv)\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Example:\n"
"  kf-sample -m true.json -T 500 -n 20 | kf-fit --state-dim 2 -o fit.json\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

enum { OPT_STATES = 256, OPT_SEED };

static const struct option options[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "length", required_argument, NULL, 'T' },
	{ "sequences", required_argument, NULL, 'n' },
	{ "states", required_argument, NULL, OPT_STATES },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "output", required_argument, NULL, 'o' },
	{ "output-format", required_argument, NULL, 'f' },
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

int
main(int argc, char **argv)
{
	const char *model = NULL, *output = NULL, *states = NULL;
	size_t T = 0, nseq = 1;
	unsigned long seed = 1;
	int format = SEQ_CSV, c;
	outfile *out, *zout = NULL;
	seq_writer *w, *zw = NULL;
	seq_layout lx = { .format = SEQ_CSV, .scalar = SEQ_F64 }, lz;
	gsl_rng *rng;
	double *x, *z;
	lgssm m;
	kv_err err;

	cli_init("kf-sample");
	while ((c = getopt_long(argc, argv, "m:T:n:o:f:hV", options, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'T': T = (size_t)cli_parse_int("--length", optarg, 1, 1LL << 32); break;
		case 'n': nseq = (size_t)cli_parse_int("--sequences", optarg, 1, 1LL << 32); break;
		case OPT_STATES: states = optarg; break;
		case OPT_SEED: seed = (unsigned long)cli_parse_int("--seed", optarg, 0, 4294967295LL); break;
		case 'o': output = optarg; break;
		case 'f':
			format = cli_parse_format(optarg);
			break;
		default: cli_standard_option(c, usage);
		}
	}
	if (model == NULL || T == 0)
		cli_usage_error("-m MODEL and -T N are required");
	if (lgssm_load_file(&m, model, &err) != 0)
		cli_fail(&err);
	lx.format = format;
	lx.dim = m.p;
	lz = lx;
	lz.dim = m.n;
	x = malloc(T * m.p * sizeof *x);
	z = malloc(T * m.n * sizeof *z);
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (x == NULL || z == NULL || rng == NULL)
		cli_die("out of memory");
	gsl_rng_set(rng, seed);
	if ((out = outfile_open(output, &err)) == NULL ||
	    (w = seq_writer_open(outfile_stream(out), outfile_name(out), &lx,
	    &err)) == NULL)
		cli_fail(&err);
	if (states != NULL && ((zout = outfile_open(states, &err)) == NULL ||
	    (zw = seq_writer_open(outfile_stream(zout), outfile_name(zout), &lz,
	    &err)) == NULL))
		cli_fail(&err);
	for (size_t s = 0; s < nseq; s++)
		if (lgssm_sample(&m, rng, T, z, x, &err) != 0 ||
		    write_all(w, x, T, m.p, &err) != 0 ||
		    (zw != NULL && write_all(zw, z, T, m.n, &err) != 0)) {
			outfile_abort(out);
			outfile_abort(zout);
			cli_fail(&err);
		}
	if (seq_writer_close(w, &err) != 0 || outfile_commit(out, &err) != 0 ||
	    (zw != NULL && (seq_writer_close(zw, &err) != 0 ||
	    outfile_commit(zout, &err) != 0)))
		cli_fail(&err);
	gsl_rng_free(rng);
	free(x);
	free(z);
	lgssm_free(&m);
	return 0;
}
