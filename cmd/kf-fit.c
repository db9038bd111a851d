/* kf-fit: LGSSM parameters by EM from kvae-seq(5) streams. */
#include <getopt.h>
#include <stdio.h>

#include "common/cli.h"
#include "lgssm/lgssm.h"
#include "lgssm/em.h"
#include "lgssm/em_init.h"
#include "lgssm/spec.h"
#include "core/outfile.h"
#include "core/progress.h"
#include "stream/load.h"

static const char usage[] =
"Usage: kf-fit (--init MODEL | --state-dim N) [OPTION]... -o FILE [DATA]...\n"
"Estimate the LGSSM parameters A, C, Q, R, mu0, P0 by EM from all the\n"
"sequences of the DATA streams (kvae-seq(5), CSV or binary; missing values\n"
"allowed) and write them as a JSON spec that kf-filter and kf-smooth read.\n"
"With no DATA, or DATA -, read stdin.\n"
"\n"
"  -o, --output=FILE          the fitted model (JSON, written atomically)\n"
"      --init=MODEL           start from this JSON spec\n"
"      --state-dim=N          or start from N principal components of the data\n"
"  -k, --iterations=K         at most K EM iterations (default 10000); a\n"
"                             fit the cap ends is reported on stderr\n"
"      --tol=EPS              stop when the log-likelihood gains less than\n"
"                             EPS times its size (default 1e-8)\n"
"      --fix=LIST             keep these as given, e.g. C,R (A,C,Q,R,mu0,P0)\n"
"      --diagonal=LIST        keep these diagonal (Q,R,P0)\n"
"      --log=FILE             write iteration,loglik lines (CSV)\n"
"      --seed=S               seed of the initial guess (default 1)\n"
"  -q, --quiet                no progress on stderr\n"
"      --threads=N            taken for scripts that give it to every\n"
"                             program: kf-fit runs on one thread\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Example:\n"
"  kf-sample -m true.json -T 500 --sequences 20 > train.csv\n"
"  kf-fit --state-dim 2 -o fitted.json train.csv\n"
"  kf-smooth -m fitted.json noisy.csv > smoothed.csv\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

enum { OPT_INIT = 256, OPT_STATE_DIM, OPT_TOL, OPT_FIX, OPT_DIAGONAL,
	OPT_LOG, OPT_SEED, OPT_THREADS };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "init", required_argument, NULL, OPT_INIT },
	{ "state-dim", required_argument, NULL, OPT_STATE_DIM },
	{ "iterations", required_argument, NULL, 'k' },
	{ "tol", required_argument, NULL, OPT_TOL },
	{ "fix", required_argument, NULL, OPT_FIX },
	{ "diagonal", required_argument, NULL, OPT_DIAGONAL },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "quiet", no_argument, NULL, 'q' },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct settings {
	const char *output, *init, *log;
	size_t state_dim;
	lgssm_em_fit_opts em;
	unsigned long seed;
	int quiet;
};

static void
parse_options(int argc, char **argv, struct settings *s)
{
	kv_err err;
	int c;

	while ((c = getopt_long(argc, argv, "o:k:qhV", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			s->output = optarg;
			break;
		case OPT_INIT:
			s->init = optarg;
			break;
		case OPT_STATE_DIM:
			s->state_dim = (size_t)cli_parse_int("--state-dim", optarg,
			    1, 4096);
			break;
		case 'k':
			s->em.iterations = (size_t)cli_parse_int("--iterations",
			    optarg, 0, 1LL << 30);
			break;
		case OPT_TOL:
			s->em.tol = cli_parse_double("--tol", optarg, 0, 1);
			break;
		case OPT_FIX:
			if (lgssm_em_parse_params(optarg, 0x3f, &s->em.mstep.fixed,
			    &err) != 0)
				cli_usage_error("--fix: %s", err.msg);
			break;
		case OPT_DIAGONAL:
			if (lgssm_em_parse_params(optarg, 1u << LGSSM_Q |
			    1u << LGSSM_R | 1u << LGSSM_P0, &s->em.mstep.diagonal,
			    &err) != 0)
				cli_usage_error("--diagonal: %s", err.msg);
			break;
		case OPT_LOG:
			s->log = optarg;
			break;
		case OPT_THREADS:
			cli_threads(optarg);
			break;
		case OPT_SEED:
			s->seed = (unsigned long)cli_parse_int("--seed", optarg, 0,
			    4294967295LL);
			break;
		case 'q':
			s->quiet = 1;
			break;
		default:
			cli_standard_option(c, usage);
		}
	}
	if ((s->init == NULL) == (s->state_dim == 0))
		cli_usage_error("give --init MODEL or --state-dim N (one of them)");
	if (s->output == NULL)
		cli_usage_error("-o FILE is required");
}

/* Each E-step's log-likelihood: a log line and the progress. */
struct report {
	FILE *log;
	progress pr;
};

static int
report(void *ctx, size_t iteration, double loglik)
{
	struct report *r = ctx;

	if (r->log != NULL)
		fprintf(r->log, "%zu,%.17g\n", iteration, loglik);
	progress_note(&r->pr, "loglik %.10g", loglik);
	progress_update(&r->pr, iteration);
	return 0;
}

int
main(int argc, char **argv)
{
	struct settings s = { .em = { .iterations = 10000, .tol = 1e-8 },
	    .seed = 1 };
	struct report rep = { 0 };
	seq_set d;
	outfile *out, *logf = NULL;
	lgssm m;
	lgssm_em_result res;
	kv_err err;
	int nfiles, rc;

	cli_init("kf-fit");
	parse_options(argc, argv, &s);
	cli_check_output(s.output);
	cli_check_output(s.log);
	s.em.report = report;
	s.em.ctx = &rep;
	nfiles = argc - optind;
	if (seq_load_all(&d, (const char *const *)argv + optind,
	    (size_t)nfiles, 0, &err) != 0)
		cli_fail(&err);
	if (s.init != NULL) {
		if (lgssm_load_file(&m, s.init, &err) != 0)
			cli_fail(&err);
		if (m.p != d.dim)
			cli_die("%s: the model observes %zu values (C is %zux%zu), "
			    "the data have %zu", s.init, m.p, m.p, m.n, d.dim);
	} else if (lgssm_em_init_pca(&m, d.x, d.N, d.dim, s.state_dim, s.seed,
	    &err) != 0)
		cli_fail(&err);
	if (s.log != NULL && (logf = outfile_open(s.log, &err)) == NULL)
		cli_fail(&err);
	if (logf != NULL) {
		rep.log = outfile_stream(logf);
		fprintf(rep.log, "iteration,loglik\n");
	}
	progress_start(&rep.pr, "EM iterations", s.em.iterations, s.quiet);
	rc = lgssm_em_fit(&m, d.x, d.T, d.nseq, &s.em, &res, &err);
	progress_end(&rep.pr);
	if (rc != 0) {
		outfile_abort(logf);
		cli_fail(&err);
	}
	if (!res.converged && !s.quiet)
		cli_warn("not converged: --iterations %zu ended the fit at "
		    "log-likelihood %.10g (the last gain was above --tol %g); "
		    "raise --iterations", res.iterations, res.loglik,
		    s.em.tol);
	if (!res.converged && rep.log != NULL)
		fprintf(rep.log, "# not converged: stopped by --iterations %zu\n",
		    res.iterations);
	if ((out = outfile_open(s.output, &err)) == NULL)
		cli_fail(&err);
	if (lgssm_write_json(&m, outfile_stream(out), &err) != 0) {
		kv_err_prefix(&err, "%s", outfile_name(out));
		outfile_abort(out);
		cli_fail(&err);
	}
	if (outfile_commit(out, &err) != 0 ||
	    (logf != NULL && outfile_commit(logf, &err) != 0))
		cli_fail(&err);
	seq_set_free(&d);
	lgssm_free(&m);
	return 0;
}
