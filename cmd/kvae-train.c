/* kvae-train: learn a Kalman VAE (or, --no-dynamics, a plain VAE) from
 * many sequences of vector records, from videos and images (the paper's
 * convolutional KVAE) or from sound files' spectrogram frames. The
 * options are in common/train_options. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/cli.h"
#include "common/train_options.h"
#include "core/outfile.h"
#include "core/progress.h"
#include "dist/dist.h"
#include "stream/load.h"
#include "vae/train.h"
#include "vae/train_log.h"
#include "vae/train_set.h"

static const char usage[] =
"Usage: kvae-train [OPTION]... -o MODEL DATA...\n"
"Learn a Kalman VAE (seed 001): a Gaussian VAE whose latent records are the\n"
"observations of a linear Gaussian state-space model, trained jointly on\n"
"the ELBO with the LGSSM's exact log-likelihood. DATA (- is stdin) are\n"
"either videos and pictures (video files, images, %04d.png patterns,\n"
"directories or globs of images, Y4M on stdin: one sequence each; the\n"
"convolutional VAE of the paper), sound files (anything libsndfile reads:\n"
"spectrogram frames, a dense VAE) or kvae-seq(5) streams of vector records\n"
"(CSV or binary; a dense VAE); the kind is detected by content. Writes\n"
"MODEL, a kvae-model(5) file that vae-encode, vae-decode, kf-filter and\n"
"kf-smooth read.\n"
"\n"
"Model:\n"
"  -o, --output=MODEL         the model file to write (required, atomic)\n"
"      --latent-dim=L         latent dimension (default 16)\n"
"      --state-dim=N          LGSSM state dimension (default 32)\n"
"      --no-dynamics          N(0, I) prior: a plain VAE (the baseline)\n"
"Video and pictures:\n"
"      --frame-size=S         frames are scaled to S x S (default 32)\n"
"      --channels=C           1 (grey, default) or 3 (RGB)\n"
"      --filters=LIST         channels of the stride-2 stages (default\n"
"                             16,32,64; the paper's: 64,128,256,512 at 64)\n"
"      --length=T             frames per training sequence (default 50)\n"
"      --period=P             take every P-th frame (default 1)\n"
"      --max-memory=MIB       refuse training frames past MIB (default\n"
"                             4096; a 32x32 grey frame takes 4 KiB)\n"
"Sound (frames are STFT columns, features log(|X| + floor)):\n"
"      --window=N[ms]         STFT size, samples or ms (default 512)\n"
"      --hop=N[ms]            hop, at most half the window (default 128)\n"
"      --window-type=NAME     hann (default), hamming, blackman or rect\n"
"      --channel=N            use channel N (default: the mono mix)\n"
"      --floor=F              the features' floor (default 1e-5): raise it\n"
"                             towards the noise's level for a model that\n"
"                             denoises, so silence weighs less\n"
"      --noise-snr=LIST       learn to denoise: the encoder reads each file\n"
"                             plus white noise at each SNR (dB, e.g. 0,5,10),\n"
"                             the decoder is trained on the clean file\n"
"      (--length counts STFT frames; every file has the first one's rate)\n"
"Vector records and sound:\n"
"      --hidden=LIST          dense layer sizes, encoder order (default\n"
"                             256,128; the decoder mirrors them)\n"
"      --activation=NAME      tanh, relu or leaky_relu (default tanh)\n"
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
"      --threads=N            threads for the network and the decoders\n"
"                             (default: as OMP_NUM_THREADS)\n"
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
"Examples:\n"
"  kvae-balls --sequences 40 --frames 60 -o 'train-%02d.mkv'\n"
"  kvae-train --latent-dim 4 --state-dim 8 -e 60 -o balls.kvae train-*.mkv\n"
"  vae-encode -m balls.kvae test.mkv | kvae-cat --keep-every 4 \\\n"
"      | kf-smooth -m balls.kvae | vae-decode -m balls.kvae -o imputed.mkv\n"
"  kvae-train --latent-dim 2 --state-dim 4 --hidden 32 -o m.kvae train.csv\n"
"  kvae-train --latent-dim 8 --state-dim 16 --length 64 -o speech.kvae *.wav\n"
"  mpirun -np 4 kvae-train --threads 1 --batch-size 16 -o m.kvae train-*.mkv\n"
"\n"
"Under mpirun or srun the ranks share each batch (a build with MPI); rank 0\n"
"writes. See kvae-train(1), DATA-PARALLEL TRAINING.\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error; 130 or 143\n"
"after SIGINT or SIGTERM (a checkpoint was written).\n";

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

/* The model: from the checkpoint, or new. A vector model takes the
 * records' dimension, dim (0 for frames). */
static void
setup_model(run *r, size_t dim)
{
	settings *s = r->s;
	kv_err err;

	if (s->resume != NULL) {
		if (kvae_ckpt_load(&r->k, &r->a, r->rng, &r->start, s->resume,
		    &err))
			cli_fail(&err);
		if (r->k.v.cfg.input != s->cfg.input)
			cli_die("%s: the checkpoint's model takes %s, %s holds %s",
			    s->resume, r->k.v.cfg.input == VAE_IMAGE ? "frames" :
			    "vector records", s->data[0], s->cfg.input == VAE_IMAGE ?
			    "pictures" : "vector records");
		if (dim > 0 && (size_t)r->k.v.cfg.input_dim != dim)
			cli_die("%s: the checkpoint's model takes %d values per "
			    "record, %s has %zu", s->resume, r->k.v.cfg.input_dim,
			    s->data[0], dim);
		return;
	}
	if (dim > 0)
		s->cfg.input_dim = (int)dim;
	else if (vae_config_check(&s->cfg, &err))
		cli_usage_error("%s", err.msg);
	if (kvae_init(&r->k, &s->cfg, (size_t)s->state_dim, &err) ||
	    adam_init(&r->a, r->k.ntrain, &err))
		cli_fail(&err);
	gsl_rng_set(r->rng, s->win.seed);
	kvae_init_random(&r->k, r->rng);
}

/* Frames: the model first (it says the size), then the windows. */
static void
setup_frames(run *r, train_source *src)
{
	settings *s = r->s;
	train_frames_info f;
	const convnet_config *c;
	kv_err err;

	setup_model(r, 0);
	if (train_source_frames(src, &r->k.v, &s->win, &r->train, &r->val, &f,
	    &err))
		cli_fail(&err);
	r->k.v.fps_num = f.fps_num;
	r->k.v.fps_den = f.fps_den * (int)s->win.period;
	c = &r->k.v.cfg.conv;
	if (!s->quiet)
		cli_warn("%zu frames of %dx%dx%d from %zu input%s: %.1f MiB",
		    f.frames, c->size, c->size, c->channels, f.clips,
		    f.clips == 1 ? "" : "s", (double)f.bytes / (1 << 20));
}

/* Vector records: the data first (it says the dimension). */
static void
setup_vectors(run *r, train_source *src)
{
	settings *s = r->s;
	seq_set seqs = { 0 };
	kv_err err;

	if (train_source_vectors(src, &seqs, &err))
		cli_fail(&err);
	setup_model(r, seqs.dim);
	if (kvae_data_split(seqs.x, seqs.T, seqs.nseq, seqs.dim,
	    s->win.val_fraction, s->win.seed, &r->k.v, s->resume == NULL,
	    &r->train, &r->val, &err))
		cli_fail(&err);
	seq_set_free(&seqs);
}

/* Sound files: the model's STFT (from the checkpoint when resuming, so
 * the frames are the ones it learnt), then the frames as vectors. */
static void
setup_audio(run *r, train_source *src)
{
	settings *s = r->s;
	vae_audio a = { 0 };
	seq_set seqs = { 0 }, clean = { 0 };
	int denoise = s->audio.n_noise_snr > 0;
	kv_err err;

	if (s->resume != NULL) {
		setup_model(r, 0);
		if (r->k.v.audio.sample_rate == 0)
			cli_die("%s: the checkpoint's model is not of sound, %s is "
			    "a sound file", s->resume, s->data[0]);
		a = r->k.v.audio;
	}
	s->audio.noise_seed = s->win.seed;
	if (train_source_audio(src, &s->audio, s->win.length, &a, &seqs,
	    &clean, &err))
		cli_fail(&err);
	if (s->resume == NULL)
		setup_model(r, seqs.dim);
	else if ((size_t)r->k.v.cfg.input_dim != seqs.dim)
		cli_die("%s: the checkpoint's model takes %d bins", s->resume,
		    r->k.v.cfg.input_dim);
	r->k.v.audio = a;
	if (kvae_data_split_pairs(seqs.x, denoise ? clean.x : NULL, seqs.T,
	    seqs.nseq, seqs.dim, s->win.val_fraction, s->win.seed, &r->k.v,
	    s->resume == NULL, &r->train, &r->val, &err))
		cli_fail(&err);
	if (!s->quiet)
		cli_warn("%zu STFT frames of %d bins (window %d, hop %d at %d Hz) "
		    "in %zu sequences%s", seqs.N, (int)seqs.dim, a.window, a.hop,
		    a.sample_rate, seqs.nseq, denoise ? ", noisy in and clean "
		    "out" : "");
	seq_set_free(&seqs);
	seq_set_free(&clean);
}

static void
setup(run *r)
{
	settings *s = r->s;
	train_source src;
	kv_err err;

	if ((r->rng = gsl_rng_alloc(gsl_rng_mt19937)) == NULL)
		cli_die("out of memory");
	if (train_source_open(&src, (const char *const *)s->data,
	    (size_t)s->ndata, &err))
		cli_fail(&err);
	s->cfg.input = src.input;
	if (s->audio.n_noise_snr > 0 && !src.audio)
		cli_usage_error("--noise-snr is for sound files, and %s is not "
		    "one", s->data[0]);
	if (src.input == VAE_IMAGE)
		setup_frames(r, &src);
	else if (src.audio)
		setup_audio(r, &src);
	else
		setup_vectors(r, &src);
	r->a.lr = s->lr;
	r->a.decay = s->lr_decay;
	r->a.decay_every = s->decay_every;
	r->a.clip = s->clip;
}

/* One rank's error ends every rank (the others would wait for it in
 * the next collective); the message above names the rank. */
static void
end_job(int status)
{
	if (dist_running()) {
		cli_warn("rank %d of %d failed: stopping the job", dist_rank(),
		    dist_size());
		dist_abort(status);
	}
	exit(status);
}

/* Under mpirun every rank trains; rank 0 alone speaks and writes. */
static void
join_ranks(settings *s)
{
	kv_err err;

	if (dist_init(&err))
		cli_fail(&err);
	cli_set_fail_exit(end_job);
	if (dist_rank() > 0)
		s->quiet = 1;
	else if (dist_size() > 1 && !s->quiet)
		cli_warn("%d ranks share each batch of %d sequences", dist_size(),
		    s->fit.batch);
}

static void
checkpoint(run *r, int next_epoch)
{
	kv_err err;

	if (dist_rank() > 0)
		return;
	if (kvae_ckpt_save(&r->k, &r->a, r->rng, next_epoch, r->s->ckpt, &err))
		cli_fail(&err);
	catch_signals();
}

/* With several ranks: how much of the run went to the collectives
 * (rank 0's count: the gradient sums and the waits for slower ranks). */
static void
report_collectives(const settings *s, const struct timespec *t0)
{
	struct timespec t1;
	double total;

	if (dist_size() == 1 || s->quiet)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	total = (double)(t1.tv_sec - t0->tv_sec) +
	    (t1.tv_nsec - t0->tv_nsec) * 1e-9;
	cli_warn("%d ranks: %.3f s of training, %.3f s (%.1f%%) in MPI "
	    "collectives on rank 0, %.3f s (%.1f%%) of them summing gradients",
	    dist_size(), total, dist_seconds(), 100 * dist_seconds() / total,
	    dist_float_sum_seconds(), 100 * dist_float_sum_seconds() / total);
}

static void
train(run *r)
{
	settings *s = r->s;
	kvae_snapshot snap = { 0 };
	progress p;
	kv_err err;
	struct timespec t0, t1;
	char note[80];

	progress_start(&p, "epoch", (size_t)s->epochs, s->quiet);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int e = r->start; e < s->epochs; e++) {
		kvae_epoch ep;
		int rc;
		if (kvae_snapshot_take(&snap, &r->k, &r->a, r->rng, &err))
			cli_fail(&err);
		int sig;
		rc = kvae_fit_epoch(&r->k, &r->a, r->rng, &r->train, &r->val,
		    &s->fit, e, &stop_signal, &ep, &err);
		if (rc < 0)
			cli_die("epoch %d: %s", e + 1, err.msg);
		sig = dist_max_int(stop_signal);	/* any rank's */
		if (rc == 1 || sig) {
			if (rc == 1)	/* part-way: back to the epoch's start */
				kvae_snapshot_restore(&snap, &r->k, &r->a, r->rng);
			checkpoint(r, rc == 1 ? e : e + 1);
			if (dist_rank() == 0)
				cli_warn("stopped by signal %d; checkpoint %s resumes "
				    "at epoch %d", sig, s->ckpt, rc == 1 ? e + 1 :
				    e + 2);
			if (r->logf != NULL && outfile_commit(r->logf, &err))
				cli_fail(&err);
			dist_finalize();
			exit(128 + sig);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r->log != NULL)
			train_log_epoch(r->log, e + 1, &ep, (double)(t1.tv_sec -
			    t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
		train_log_summary(note, sizeof note, &ep);
		progress_note(&p, "%s", note);
		progress_update(&p, (size_t)e + 1);
		if (s->ckpt_every > 0 && (e + 1) % s->ckpt_every == 0)
			checkpoint(r, e + 1);
	}
	progress_end(&p);
	report_collectives(s, &t0);
	kvae_snapshot_free(&snap);
}

int
main(int argc, char **argv)
{
	settings s;
	run r = { .s = &s };
	char *ckpt = NULL;
	kv_err err;

	cli_init("kvae-train");
	train_options_defaults(&s, usage);
	train_options_parse(&s, argc, argv);
	join_ranks(&s);
	if (s.ckpt == NULL && asprintf(&ckpt, "%s.ckpt", s.output) < 0)
		cli_die("out of memory");
	if (ckpt != NULL)
		s.ckpt = ckpt;
	cli_check_output(s.output);
	cli_check_output(s.log);
	cli_check_output(s.ckpt);
	setup(&r);
	if (s.log != NULL && dist_rank() == 0) {
		if ((r.logf = outfile_open(s.log, &err)) == NULL)
			cli_fail(&err);
		r.log = outfile_stream(r.logf);
		train_log_header(r.log);
	}
	catch_signals();
	train(&r);
	if (dist_rank() == 0 && kvae_save(&r.k, s.output, &err))
		cli_fail(&err);
	if (r.logf != NULL && outfile_commit(r.logf, &err))
		cli_fail(&err);
	kvae_data_free(&r.train);
	kvae_data_free(&r.val);
	kvae_free(&r.k);
	adam_free(&r.a);
	gsl_rng_free(r.rng);
	free(ckpt);
	dist_finalize();
	return 0;
}
