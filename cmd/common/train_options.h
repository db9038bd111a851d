/* train_options.h: kvae-train's command line: its settings, their
 * defaults and the parser (values checked, usage errors exit 2). Kept
 * apart so that kvae-train.c reads as the run: set up, train, save. */
#ifndef KVAE_TRAIN_OPTIONS_H
#define KVAE_TRAIN_OPTIONS_H

#include "vae/train.h"
#include "vae/train_set.h"

typedef struct settings {
	const char *output, *log, *ckpt, *resume;
	vae_config cfg;
	int state_dim;
	train_windows win;		/* video windows, memory, split */
	train_audio audio;		/* sound files' STFT */
	double noise_snr[16];		/* --noise-snr, audio.noise_snr */
	kvae_fit_opts fit;
	int epochs, decay_every, ckpt_every, quiet;
	double lr, lr_decay, clip;
	char **data;
	int ndata;
	const char *usage;		/* --help's text */
} settings;

/* The defaults (the paper's recipe scaled to a small machine). */
void train_options_defaults(settings *s, const char *usage);

/* getopt_long over argv into s; -o and at least one DATA are required. */
void train_options_parse(settings *s, int argc, char **argv);

#endif
