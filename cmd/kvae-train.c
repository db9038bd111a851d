/* kvae-train: learn a Kalman VAE (or, --no-dynamics, a plain VAE) from
 * many sequences of vector records. */
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cli.h"
#include "vae/train.h"
#include "core/outfile.h"
#include "core/progress.h"
#include "stream/load.h"

static const char usage[] =
"Usage: kvae-train [OPTION]... -o MODEL DATA...\n"
"Learn a Kalman VAE (seed 001) from the sequences of the kvae-seq(5) streams\n"
"DATA (CSV or binary, detected; - is stdin): a dense Gaussian VAE whose\n"
"latent records are the observations of a linear Gaussian state-space\n"
"model, trained jointly on the ELBO with the LGSSM's exact log-likelihood.\n"
"Writes MODEL, a kvae-model(5) file that vae-encode, vae-decode, kf-filter\n"
"and kf-smooth read.\n"
"\n"
"Model:\n"
"  -o, --output=MODEL         the model file to write (required, atomic)\n"
"      --latent-dim=L         latent dimension (default 16)\n"
"      --state-dim=N          LGSSM state dimension (default 32)\n"
"      --hidden=LIST          dense layer sizes, encoder order (default\n"
"                             256,128; the decoder mirrors them)\n"
"      --activation=NAME      tanh, relu or leaky_relu (default tanh)\n"
"      --no-dynamics          N(0, I) prior: a plain VAE (the baseline)\n"
"Objective:\n"
"      --recon-weight=W       weight of log p(y|x) (default 1)\n"
"      --beta=B               weight of the prior / KL term (default 1)\n"
"      --kl-anneal=KIND       none, monotone or cyclic (default none)\n"
"      --anneal-epochs=E      ramp (monotone) or cycle (cyclic) length in\n"
"                             epochs after the warm-up (default 10)\n"
"      --samples=K            reparameterised samples per record (default 1)\n"
"Training:\n"
"  -e, --epochs=N             epochs in all (default 50)\n"
"      --vae-epochs=N         VAE-only warm-up epochs first (default 5)\n"
"      --batch-size=S         sequences per step (default 8)\n"
"      --lr=RATE              Adam learning rate (default 0.007)\n"
"      --lr-decay=F           multiply the rate by F ... (default 0.85)\n"
"      --decay-every=N        ... every N epochs (default 20; 0: never)\n"
"      --clip=NORM            clip the gradient's global norm (default 150;\n"
"                             0: no clipping)\n"
"      --val-fraction=F       sequences held out for validation (default 0.1)\n"
"      --seed=S               random seed (default 1)\n"
"      --threads=N            OpenMP threads (default: as OMP_NUM_THREADS)\n"
"Output:\n"
"      --log=FILE             per-epoch metrics as CSV (atomic)\n"
"      --checkpoint=FILE      checkpoint file (default MODEL.ckpt)\n"
"      --checkpoint-every=N   write it every N epochs (default 0: only on\n"
"                             SIGINT/SIGTERM)\n"
"      --resume=CKPT          continue a run from a checkpoint, bit for bit\n"
"                             (the architecture comes from CKPT)\n"
"  -q, --quiet                no progress on stderr\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Example:\n"
"  kvae-train --latent-dim 2 --state-dim 4 --hidden 32 -o m.kvae train.csv\n"
"  vae-encode -m m.kvae test.csv | kvae-cat --keep-every 4 \\\n"
"      | kf-smooth -m m.kvae | vae-decode -m m.kvae > imputed.csv\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error; 130 or 143\n"
"after SIGINT or SIGTERM (a checkpoint was written).\n";

typedef struct settings {
	const char *output, *log, *ckpt, *resume;
	vae_config cfg;
	int state_dim;
	kvae_fit_opts fit;
	int epochs, decay_every, threads, ckpt_every, quiet;
	double lr, lr_decay, clip, val_fraction;
	unsigned long seed;
	char **data;
	int ndata;
} settings;

enum { OPT_LATENT = 256, OPT_STATE, OPT_HIDDEN, OPT_ACT, OPT_NODYN,
	OPT_RECON, OPT_BETA, OPT_ANNEAL, OPT_ANNEAL_EP, OPT_SAMPLES,
	OPT_VAE_EP, OPT_BATCH, OPT_LR, OPT_DECAY, OPT_DECAY_EVERY, OPT_CLIP,
	OPT_VAL, OPT_SEED, OPT_THREADS, OPT_LOG, OPT_CKPT, OPT_CKPT_EVERY,
	OPT_RESUME };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "latent-dim", required_argument, NULL, OPT_LATENT },
	{ "state-dim", required_argument, NULL, OPT_STATE },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "activation", required_argument, NULL, OPT_ACT },
	{ "no-dynamics", no_argument, NULL, OPT_NODYN },
	{ "recon-weight", required_argument, NULL, OPT_RECON },
	{ "beta", required_argument, NULL, OPT_BETA },
	{ "kl-anneal", required_argument, NULL, OPT_ANNEAL },
	{ "anneal-epochs", required_argument, NULL, OPT_ANNEAL_EP },
	{ "samples", required_argument, NULL, OPT_SAMPLES },
	{ "epochs", required_argument, NULL, 'e' },
	{ "vae-epochs", required_argument, NULL, OPT_VAE_EP },
	{ "batch-size", required_argument, NULL, OPT_BATCH },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "lr-decay", required_argument, NULL, OPT_DECAY },
	{ "decay-every", required_argument, NULL, OPT_DECAY_EVERY },
	{ "clip", required_argument, NULL, OPT_CLIP },
	{ "val-fraction", required_argument, NULL, OPT_VAL },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "checkpoint", required_argument, NULL, OPT_CKPT },
	{ "checkpoint-every", required_argument, NULL, OPT_CKPT_EVERY },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
parse_hidden(vae_config *c, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;

	c->n_hidden = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (c->n_hidden == VAE_MAX_HIDDEN)
			cli_usage_error("--hidden: at most %d layers", VAE_MAX_HIDDEN);
		c->hidden[c->n_hidden++] = (int)cli_parse_int("--hidden", tok, 1,
		    1 << 16);
	}
	free(copy);
	if (c->n_hidden == 0)
		cli_usage_error("--hidden: give layer sizes, e.g. 256,128");
}

static void
parse_option(settings *s, int c, const char *arg)
{
	switch (c) {
	case 'o': s->output = arg; break;
	case OPT_LATENT:
		s->cfg.latent_dim = (int)cli_parse_int("--latent-dim", arg, 1, 4096);
		break;
	case OPT_STATE:
		s->state_dim = (int)cli_parse_int("--state-dim", arg, 1, 4096);
		break;
	case OPT_HIDDEN: parse_hidden(&s->cfg, arg); break;
	case OPT_ACT:
		if ((s->cfg.act = vae_act_from_name(arg)) < 0)
			cli_usage_error("--activation: '%s' is not tanh, relu or "
			    "leaky_relu", arg);
		break;
	case OPT_NODYN: s->fit.dynamics = 0; break;
	case OPT_RECON:
		s->fit.w_rec = cli_parse_double("--recon-weight", arg, 0, 1e6);
		break;
	case OPT_BETA: s->fit.beta = cli_parse_double("--beta", arg, 0, 1e6); break;
	case OPT_ANNEAL:
		if ((s->fit.anneal = kvae_anneal_parse(arg)) < 0)
			cli_usage_error("--kl-anneal: '%s' is not none, monotone or "
			    "cyclic", arg);
		break;
	case OPT_ANNEAL_EP:
		s->fit.anneal_epochs = (int)cli_parse_int("--anneal-epochs", arg,
		    1, 1 << 20);
		break;
	case OPT_SAMPLES:
		s->fit.samples = (int)cli_parse_int("--samples", arg, 1, 1000);
		break;
	case 'e': s->epochs = (int)cli_parse_int("--epochs", arg, 0, 1 << 24); break;
	case OPT_VAE_EP:
		s->fit.vae_epochs = (int)cli_parse_int("--vae-epochs", arg, 0,
		    1 << 24);
		break;
	case OPT_BATCH:
		s->fit.batch = (int)cli_parse_int("--batch-size", arg, 1, 1 << 20);
		break;
	case OPT_LR: s->lr = cli_parse_double("--lr", arg, 1e-12, 10); break;
	case OPT_DECAY: s->lr_decay = cli_parse_double("--lr-decay", arg, 0, 1); break;
	case OPT_DECAY_EVERY:
		s->decay_every = (int)cli_parse_int("--decay-every", arg, 0, 1 << 24);
		break;
	case OPT_CLIP: s->clip = cli_parse_double("--clip", arg, 0, 1e12); break;
	case OPT_VAL:
		s->val_fraction = cli_parse_double("--val-fraction", arg, 0, 0.9);
		break;
	case OPT_SEED:
		s->seed = (unsigned long)cli_parse_int("--seed", arg, 0,
		    4294967295LL);
		break;
	case OPT_THREADS:
		s->threads = (int)cli_parse_int("--threads", arg, 1, 1024);
		break;
	case OPT_LOG: s->log = arg; break;
	case OPT_CKPT: s->ckpt = arg; break;
	case OPT_CKPT_EVERY:
		s->ckpt_every = (int)cli_parse_int("--checkpoint-every", arg, 0,
		    1 << 24);
		break;
	case OPT_RESUME: s->resume = arg; break;
	case 'q': s->quiet = 1; break;
	default: cli_standard_option(c, usage);
	}
}

static void
parse(settings *s, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "o:e:qhV", options, NULL)) != -1)
		parse_option(s, c, optarg);
	if (s->output == NULL)
		cli_usage_error("give the model file to write: -o MODEL");
	if (optind == argc)
		cli_usage_error("give the training data: DATA...");
	s->data = argv + optind;
	s->ndata = argc - optind;
}

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/* Catch SIGINT and SIGTERM to stop at the next step. Called again after
 * each file write, since outfile's first open installs its own
 * handlers (remove temporaries, re-raise). */
static void
catch_signals(void)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

static void
log_terms(FILE *fp, const kvae_terms *t, int joint)
{
	if (t->records == 0) {
		fputs(",,,,,", fp);
		return;
	}
	fprintf(fp, ",%.9g,%.9g,%.9g,", kvae_terms_elbo(t),
	    -t->nll / t->records, t->prior / t->records);
	if (joint)
		fprintf(fp, "%.9g", t->loglik / t->records);
	fprintf(fp, ",%.9g", t->observed ? sqrt(t->sq_err / t->observed) : NAN);
}

typedef struct run {
	settings *s;
	kvae k;
	adam a;
	gsl_rng *rng;
	kvae_data train, val;
	FILE *log;
	outfile *logf;
	int start;
} run;

static void
setup(run *r, const seq_set *d)
{
	settings *s = r->s;
	kv_err err;

	r->rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (s->resume != NULL) {
		if (kvae_ckpt_load(&r->k, &r->a, r->rng, &r->start, s->resume,
		    &err))
			cli_fail(&err);
		if ((size_t)r->k.v.cfg.input_dim != d->dim)
			cli_die("%s: the checkpoint's model takes %d values per "
			    "record, %s has %zu", s->resume, r->k.v.cfg.input_dim,
			    s->data[0], d->dim);
	} else {
		s->cfg.input_dim = (int)d->dim;
		if (kvae_init(&r->k, &s->cfg, (size_t)s->state_dim, &err) ||
		    adam_init(&r->a, r->k.ntrain, &err))
			cli_fail(&err);
		gsl_rng_set(r->rng, s->seed);
		kvae_init_random(&r->k, r->rng);
	}
	r->a.lr = s->lr;
	r->a.decay = s->lr_decay;
	r->a.decay_every = s->decay_every;
	r->a.clip = s->clip;
	if (kvae_data_split(d->x, d->T, d->nseq, d->dim, s->val_fraction,
	    s->seed, &r->k.v, s->resume == NULL, &r->train, &r->val, &err))
		cli_fail(&err);
}

static void
checkpoint(run *r, int next_epoch)
{
	kv_err err;

	if (kvae_ckpt_save(&r->k, &r->a, r->rng, next_epoch, r->s->ckpt, &err))
		cli_fail(&err);
	catch_signals();
}

static void
train(run *r)
{
	settings *s = r->s;
	kvae_snapshot snap = { 0 };
	progress p;
	kv_err err;
	struct timespec t0, t1;

	progress_start(&p, "epoch", (size_t)s->epochs, s->quiet);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int e = r->start; e < s->epochs; e++) {
		kvae_epoch ep;
		int rc;
		if (kvae_snapshot_take(&snap, &r->k, &r->a, r->rng, &err))
			cli_fail(&err);
		rc = kvae_fit_epoch(&r->k, &r->a, r->rng, &r->train, &r->val,
		    &s->fit, e, &stop_signal, &ep, &err);
		if (rc < 0)
			cli_die("epoch %d: %s", e + 1, err.msg);
		if (rc == 1 || stop_signal) {
			if (rc == 1)	/* part-way: back to the epoch's start */
				kvae_snapshot_restore(&snap, &r->k, &r->a, r->rng);
			checkpoint(r, rc == 1 ? e : e + 1);
			cli_warn("stopped by signal %d; checkpoint %s resumes at "
			    "epoch %d", (int)stop_signal, s->ckpt, rc == 1 ? e + 1 : e + 2);
			if (r->logf != NULL && outfile_commit(r->logf, &err))
				cli_fail(&err);
			exit(128 + stop_signal);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r->log != NULL) {
			fprintf(r->log, "%d,%s,%.9g,%.9g", e + 1, ep.joint ? "joint" :
			    "vae", ep.lr, ep.beta);
			log_terms(r->log, &ep.train, ep.joint);
			log_terms(r->log, &ep.val, ep.joint);
			fprintf(r->log, ",%.3f\n", (double)(t1.tv_sec - t0.tv_sec) +
			    (t1.tv_nsec - t0.tv_nsec) * 1e-9);
		}
		if (ep.val.records > 0)
			progress_note(&p, "%s elbo %.4g val %.4g", ep.joint ?
			    "joint" : "vae", kvae_terms_elbo(&ep.train),
			    kvae_terms_elbo(&ep.val));
		else
			progress_note(&p, "%s elbo %.4g", ep.joint ? "joint" :
			    "vae", kvae_terms_elbo(&ep.train));
		progress_update(&p, (size_t)e + 1);
		if (s->ckpt_every > 0 && (e + 1) % s->ckpt_every == 0)
			checkpoint(r, e + 1);
	}
	progress_end(&p);
	kvae_snapshot_free(&snap);
}

int
main(int argc, char **argv)
{
	settings s = { .cfg = { .latent_dim = 16, .n_hidden = 2,
	    .hidden = { 256, 128 }, .act = VAE_TANH }, .state_dim = 32,
	    .fit = { .dynamics = 1, .vae_epochs = 5, .batch = 8, .samples = 1,
	    .w_rec = 1, .beta = 1, .anneal = KVAE_ANNEAL_NONE,
	    .anneal_epochs = 10 }, .epochs = 50, .decay_every = 20,
	    .lr = 0.007, .lr_decay = 0.85, .clip = 150, .val_fraction = 0.1,
	    .seed = 1 };
	seq_set d;
	run r = { .s = &s };
	char *ckpt = NULL;
	kv_err err;

	cli_init("kvae-train");
	parse(&s, argc, argv);
	if (s.threads > 0)
		omp_set_num_threads(s.threads);
	if (s.ckpt == NULL) {
		if ((ckpt = malloc(strlen(s.output) + 6)) == NULL)
			cli_die("out of memory");
		sprintf(ckpt, "%s.ckpt", s.output);
		s.ckpt = ckpt;
	}
	cli_check_output(s.output);
	cli_check_output(s.log);
	cli_check_output(s.ckpt);
	if (seq_load_all(&d, (const char *const *)s.data, (size_t)s.ndata, 0,
	    &err))
		cli_fail(&err);
	setup(&r, &d);
	if (s.log != NULL) {
		if ((r.logf = outfile_open(s.log, &err)) == NULL)
			cli_fail(&err);
		r.log = outfile_stream(r.logf);
		fputs("epoch,phase,lr,beta,elbo,recon_loglik,prior,lgssm_loglik,"
		    "recon_rmse,val_elbo,val_recon_loglik,val_prior,"
		    "val_lgssm_loglik,val_recon_rmse,seconds\n", r.log);
	}
	catch_signals();
	train(&r);
	if (kvae_save(&r.k, s.output, &err))
		cli_fail(&err);
	if (r.logf != NULL && outfile_commit(r.logf, &err))
		cli_fail(&err);
	kvae_data_free(&r.train);
	kvae_data_free(&r.val);
	kvae_free(&r.k);
	adam_free(&r.a);
	gsl_rng_free(r.rng);
	seq_set_free(&d);
	free(ckpt);
	return 0;
}
