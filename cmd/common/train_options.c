/* train_options.c: kvae-train's options (train_options.h). */
#include "common/train_options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "media/stft.h"



enum { OPT_LATENT = 256, OPT_STATE, OPT_HIDDEN, OPT_ACT, OPT_NODYN,
	OPT_RECON, OPT_BETA, OPT_ANNEAL, OPT_ANNEAL_EP, OPT_SAMPLES,
	OPT_VAE_EP, OPT_BATCH, OPT_LR, OPT_DECAY, OPT_DECAY_EVERY, OPT_CLIP,
	OPT_VAL, OPT_SEED, OPT_THREADS, OPT_LOG, OPT_CKPT, OPT_CKPT_EVERY,
	OPT_RESUME, OPT_FRAME_SIZE, OPT_CHANNELS, OPT_FILTERS, OPT_LENGTH,
	OPT_PERIOD, OPT_MAX_MEM, OPT_WINDOW, OPT_HOP, OPT_WINDOW_TYPE,
	OPT_CHANNEL, OPT_NOISE_SNR, OPT_FLOOR };

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
	{ "frame-size", required_argument, NULL, OPT_FRAME_SIZE },
	{ "channels", required_argument, NULL, OPT_CHANNELS },
	{ "filters", required_argument, NULL, OPT_FILTERS },
	{ "length", required_argument, NULL, OPT_LENGTH },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "max-memory", required_argument, NULL, OPT_MAX_MEM },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "hop", required_argument, NULL, OPT_HOP },
	{ "window-type", required_argument, NULL, OPT_WINDOW_TYPE },
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "noise-snr", required_argument, NULL, OPT_NOISE_SNR },
	{ "floor", required_argument, NULL, OPT_FLOOR },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
parse_video_option(settings *s, int c, const char *arg)
{
	convnet_config *v = &s->cfg.conv;

	switch (c) {
	case OPT_FRAME_SIZE:
		v->size = (int)cli_parse_int("--frame-size", arg, 2, 4096);
		break;
	case OPT_CHANNELS:
		v->channels = (int)cli_parse_int("--channels", arg, 1, 3);
		if (v->channels == 2)
			cli_usage_error("--channels: 1 (grey) or 3 (RGB)");
		break;
	case OPT_FILTERS:
		v->nstages = cli_parse_int_list("--filters", arg, v->filters,
		    CONVNET_MAX_STAGES, 1, 65536);
		break;
	case OPT_LENGTH:
		s->win.length = (size_t)cli_parse_int("--length", arg, 2, 1 << 20);
		break;
	case OPT_PERIOD:
		s->win.period = (size_t)cli_parse_int("--period", arg, 1, 1 << 20);
		break;
	case OPT_MAX_MEM:
		s->win.max_bytes = (size_t)cli_parse_int("--max-memory", arg, 1,
		    1 << 30) << 20;
		break;
	}
}

/* "N" samples or "Nms" milliseconds, positive. */
static void
parse_duration(const char *opt, const char *arg, double *value, int *ms)
{
	size_t n = strlen(arg);
	char num[64];

	*ms = n > 2 && strcmp(arg + n - 2, "ms") == 0;
	if (*ms)
		n -= 2;
	if (n == 0 || n >= sizeof num)
		cli_usage_error("%s: '%s' is not a number of samples or a "
		    "duration such as 32ms", opt, arg);
	memcpy(num, arg, n);
	num[n] = '\0';
	*value = *ms ? cli_parse_double(opt, num, 1e-3, 1e6) :
	    (double)cli_parse_int(opt, num, 1, 65536);
}

static void
parse_audio_option(settings *s, int c, const char *arg)
{
	train_audio *a = &s->audio;
	stft_window w;

	switch (c) {
	case OPT_WINDOW:
		parse_duration("--window", arg, &a->window, &a->window_ms);
		break;
	case OPT_HOP:
		parse_duration("--hop", arg, &a->hop, &a->hop_ms);
		break;
	case OPT_WINDOW_TYPE:
		if (stft_window_parse(arg, &w) != 0)
			cli_usage_error("--window-type: '%s' is not hann, hamming, "
			    "blackman or rect", arg);
		a->shape = (int)w;
		break;
	case OPT_CHANNEL:
		a->channel = (int)cli_parse_int("--channel", arg, 1, 1024);
		break;
	case OPT_FLOOR:
		a->floor = cli_parse_double("--floor", arg, 1e-12, 1e6);
		break;
	case OPT_NOISE_SNR: {
		int db[16];
		int n = cli_parse_int_list("--noise-snr", arg, db, 16, -30, 60);
		for (int i = 0; i < n; i++)
			s->noise_snr[i] = db[i];
		a->noise_snr = s->noise_snr;
		a->n_noise_snr = (size_t)n;
		break;
	}
	}
}

static void
parse_option(settings *s, int c, const char *arg)
{
	switch (c) {
	case OPT_WINDOW: case OPT_HOP: case OPT_WINDOW_TYPE: case OPT_CHANNEL:
	case OPT_NOISE_SNR: case OPT_FLOOR:
		parse_audio_option(s, c, arg);
		break;
	case OPT_FRAME_SIZE: case OPT_CHANNELS: case OPT_FILTERS:
	case OPT_LENGTH: case OPT_PERIOD: case OPT_MAX_MEM:
		parse_video_option(s, c, arg);
		break;
	case 'o': s->output = arg; break;
	case OPT_LATENT:
		s->cfg.latent_dim = (int)cli_parse_int("--latent-dim", arg, 1, 4096);
		break;
	case OPT_STATE:
		s->state_dim = (int)cli_parse_int("--state-dim", arg, 1, 4096);
		break;
	case OPT_HIDDEN:
		s->cfg.n_hidden = cli_parse_int_list("--hidden", arg,
		    s->cfg.hidden, VAE_MAX_HIDDEN, 1, 65536);
		break;
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
		s->win.val_fraction = cli_parse_double("--val-fraction", arg, 0, 0.9);
		break;
	case OPT_SEED:
		s->win.seed = (unsigned long)cli_parse_int("--seed", arg, 0,
		    4294967295LL);
		break;
	case OPT_THREADS: cli_threads(arg); break;
	case OPT_LOG: s->log = arg; break;
	case OPT_CKPT: s->ckpt = arg; break;
	case OPT_CKPT_EVERY:
		s->ckpt_every = (int)cli_parse_int("--checkpoint-every", arg, 0,
		    1 << 24);
		break;
	case OPT_RESUME: s->resume = arg; break;
	case 'q': s->quiet = 1; break;
	default: cli_standard_option(c, s->usage);
	}
}

void
train_options_parse(settings *s, int argc, char **argv)
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

void
train_options_defaults(settings *s, const char *usage)
{
	*s = (settings){ .cfg = { .latent_dim = 16, .n_hidden = 2,
	    .hidden = { 256, 128 }, .act = VAE_TANH, .conv = { .channels = 1,
	    .size = 32, .nstages = 3, .filters = { 16, 32, 64 } } },
	    .state_dim = 32,
	    .fit = { .dynamics = 1, .vae_epochs = 5, .batch = 8, .samples = 1,
	    .w_rec = 1, .beta = 1, .anneal = KVAE_ANNEAL_NONE,
	    .anneal_epochs = 10 }, .epochs = 50, .decay_every = 20,
	    .lr = 0.007, .lr_decay = 0.85, .clip = 150,
	    .win = { .length = 50, .period = 1, .max_bytes = (size_t)4096 << 20,
	    .val_fraction = 0.1, .seed = 1 },
	    .audio = { .window = 512, .hop = 128, .shape = STFT_HANN,
	    .floor = 1e-5 }, .usage = usage };
}
