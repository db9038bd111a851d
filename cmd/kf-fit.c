/* kf-fit: LGSSM parameters by EM from kvae-seq(5) streams. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "common/cli.h"
#include "lgssm/lgssm.h"
#include "lgssm/em.h"
#include "lgssm/spec.h"
#include "lgssm/stats.h"
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
"  -k, --iterations=K         at most K EM iterations (default 100)\n"
"      --tol=EPS              stop when the log-likelihood gains less than\n"
"                             EPS times its size (default 1e-8)\n"
"      --fix=LIST             keep these as given, e.g. C,R (A,C,Q,R,mu0,P0)\n"
"      --diagonal=LIST        keep these diagonal (Q,R,P0)\n"
"      --log=FILE             write iteration,loglik lines (CSV)\n"
"      --seed=S               seed of the initial guess (default 1)\n"
"  -q, --quiet                no progress on stderr\n"
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
	OPT_LOG, OPT_SEED };

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
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct settings {
	const char *output, *init, *log;
	size_t state_dim, iterations;
	double tol;
	lgssm_em_opts em;
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
			s->iterations = (size_t)cli_parse_int("--iterations",
			    optarg, 0, 1LL << 30);
			break;
		case OPT_TOL:
			s->tol = cli_parse_double("--tol", optarg, 0, 1);
			break;
		case OPT_FIX:
			if (lgssm_em_parse_params(optarg, 0x3f, &s->em.fixed,
			    &err) != 0)
				cli_usage_error("--fix: %s", err.msg);
			break;
		case OPT_DIAGONAL:
			if (lgssm_em_parse_params(optarg, 1u << LGSSM_Q |
			    1u << LGSSM_R | 1u << LGSSM_P0, &s->em.diagonal,
			    &err) != 0)
				cli_usage_error("--diagonal: %s", err.msg);
			break;
		case OPT_LOG:
			s->log = optarg;
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

/* A first guess from the data: C from the leading principal components
 * of the observed values, R the variance left over, A = 0.9 I, Q = the
 * component variances times 0.19 (so that the states are stationary
 * with the components' variances), mu0 = 0, P0 the stationary variance.
 * Columns beyond p get small random loadings (seeded). */
static int
init_pca(lgssm *m, const seq_set *d, size_t n, unsigned long seed,
	kv_err *err)
{
	size_t p = d->dim;
	double *mean = calloc(p, sizeof *mean), *cnt = calloc(p, sizeof *cnt);
	gsl_matrix *S = gsl_matrix_calloc(p, p), *V = gsl_matrix_alloc(p, p);
	gsl_vector *ev = gsl_vector_alloc(p);
	gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(p);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = -1;

	if (!mean || !cnt || !S || !V || !ev || !ws || !rng ||
	    lgssm_alloc(m, n, p, err) != 0) {
		kv_errf(err, "out of memory");
		goto done;
	}
	gsl_rng_set(rng, seed);
	for (size_t t = 0; t < d->N; t++)
		for (size_t i = 0; i < p; i++) {
			double v = d->x[t * p + i];
			if (!isnan(v)) {
				mean[i] += v;
				cnt[i]++;
			}
		}
	for (size_t i = 0; i < p; i++)
		mean[i] = cnt[i] > 0 ? mean[i] / cnt[i] : 0;
	for (size_t t = 0; t < d->N; t++) {
		const double *x = d->x + t * p;
		for (size_t i = 0; i < p; i++)
			for (size_t j = 0; j < p; j++) {
				double a = isnan(x[i]) ? 0 : x[i] - mean[i];
				double b = isnan(x[j]) ? 0 : x[j] - mean[j];
				*gsl_matrix_ptr(S, i, j) += a * b /
				    fmax(1, fmin(cnt[i], cnt[j]));
			}
	}
	double total = 0;
	for (size_t i = 0; i < p; i++)
		total += gsl_matrix_get(S, i, i);
	if (gsl_eigen_symmv(S, ev, V, ws) != 0 ||
	    gsl_eigen_symmv_sort(ev, V, GSL_EIGEN_SORT_VAL_DESC) != 0) {
		kv_errf(err, "eigen-decomposition of the data covariance failed");
		goto done;
	}
	double floor = fmax(1e-6 * total / (double)p, 1e-12), resid = 0;
	for (size_t k = n < p ? n : p; k < p; k++)
		resid += fmax(gsl_vector_get(ev, k), 0);
	for (size_t j = 0; j < n; j++) {
		double lam = j < p ? fmax(gsl_vector_get(ev, j), floor) : floor;
		for (size_t i = 0; i < p; i++)
			m->C[i * n + j] = j < p ? gsl_matrix_get(V, i, j) :
			    0.1 * gsl_ran_gaussian(rng, 1.0);
		m->A[j * n + j] = 0.9;
		m->Q[j * n + j] = 0.19 * lam;
		m->P0[j * n + j] = lam;
	}
	for (size_t i = 0; i < p; i++)
		m->R[i * p + i] = fmax(resid / (double)p, 0.05 * total /
		    (double)p);
	(void)mean;
	rc = lgssm_validate(m, err);
done:
	free(mean);
	free(cnt);
	if (S) gsl_matrix_free(S);
	if (V) gsl_matrix_free(V);
	if (ev) gsl_vector_free(ev);
	if (ws) gsl_eigen_symmv_free(ws);
	if (rng) gsl_rng_free(rng);
	return rc;
}

/* EM until converged or out of iterations; m holds the result. */
static int
fit(lgssm *m, const seq_set *d, const struct settings *s, FILE *log,
	kv_err *err)
{
	lgssm_stats st;
	progress pr;
	double prev = -INFINITY;
	int rc = 0;

	if (lgssm_stats_init(&st, m->n, m->p, err) != 0)
		return -1;
	progress_start(&pr, "EM iterations", s->iterations, s->quiet);
	for (size_t k = 0; k <= s->iterations && rc == 0; k++) {
		lgssm_stats_clear(&st);
		for (size_t i = 0; i < d->nseq && rc == 0; i++)
			if (lgssm_stats_add(&st, m, d->x + d->off[i] * d->dim,
			    d->T[i], NULL, err) != 0)
				rc = kv_err_prefix(err, "iteration %zu: sequence %zu",
				    k, i + 1);
		if (rc != 0)
			break;
		if (log != NULL)
			fprintf(log, "%zu,%.17g\n", k, st.loglik);
		progress_note(&pr, "loglik %.10g", st.loglik);
		progress_update(&pr, k);
		if (k == s->iterations || st.loglik - prev <= s->tol *
		    fabs(st.loglik))
			break;
		prev = st.loglik;
		rc = lgssm_em_mstep(m, &st, &s->em, err);
		if (rc != 0)
			kv_err_prefix(err, "iteration %zu", k + 1);
	}
	progress_end(&pr);
	lgssm_stats_free(&st);
	return rc;
}

int
main(int argc, char **argv)
{
	struct settings s = { .iterations = 100, .tol = 1e-8, .seed = 1 };
	seq_set d;
	outfile *out, *logf = NULL;
	lgssm m;
	kv_err err;
	int nfiles;

	cli_init("kf-fit");
	parse_options(argc, argv, &s);
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
	} else if (init_pca(&m, &d, s.state_dim, s.seed, &err) != 0)
		cli_fail(&err);
	if (s.log != NULL && (logf = outfile_open(s.log, &err)) == NULL)
		cli_fail(&err);
	if (logf != NULL)
		fprintf(outfile_stream(logf), "iteration,loglik\n");
	if (fit(&m, &d, &s, logf ? outfile_stream(logf) : NULL, &err) != 0) {
		outfile_abort(logf);
		cli_fail(&err);
	}
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
