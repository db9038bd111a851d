/* vae_tool.c: vae-encode / vae-decode's options and main. */
#include "common/vae_tool.h"

#include <getopt.h>
#include <stddef.h>
#include <string.h>

#include "common/cli.h"
#include "stream/seq.h"
#include "vae/stream_map.h"

enum {
	OPT_VARIANCES = 256, OPT_FPS, OPT_SIZE, OPT_CHANNEL, OPT_PHASE_FROM,
	OPT_MASK, OPT_GRIFFIN_LIM, OPT_GAPS, OPT_THREADS
};

static const struct option options[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-format", required_argument, NULL, 'f' },
	{ "variances", no_argument, NULL, OPT_VARIANCES },
	{ "fps", required_argument, NULL, OPT_FPS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "phase-from", required_argument, NULL, OPT_PHASE_FROM },
	{ "mask", no_argument, NULL, OPT_MASK },
	{ "griffin-lim", required_argument, NULL, OPT_GRIFFIN_LIM },
	{ "gaps", required_argument, NULL, OPT_GAPS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* "A" or "A/B" (positive integers up to 1000000) for --fps. */
static void
parse_fps(const char *arg, int *num, int *den)
{
	char *slash = strchr(arg, '/'), num_text[32];
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);

	if (n == 0 || n >= sizeof num_text)
		cli_usage_error("--fps: '%s' is not a rate such as 25 or "
		    "30000/1001", arg);
	memcpy(num_text, arg, n);
	num_text[n] = '\0';
	*num = (int)cli_parse_int("--fps", num_text, 1, 1000000);
	*den = slash ? (int)cli_parse_int("--fps", slash + 1, 1, 1000000) : 1;
}

/* "WxH" for --size. */
static void
parse_size(const char *arg, int *w, int *h)
{
	const char *x = strchr(arg, 'x');
	char wtext[32];

	if (x == NULL || x == arg || (size_t)(x - arg) >= sizeof wtext)
		cli_usage_error("--size: '%s' is not WIDTHxHEIGHT, e.g. 256x256",
		    arg);
	memcpy(wtext, arg, (size_t)(x - arg));
	wtext[x - arg] = '\0';
	*w = (int)cli_parse_int("--size", wtext, 1, 16384);
	*h = (int)cli_parse_int("--size", x + 1, 1, 16384);
}

int
vae_cli_main(int argc, char **argv, int direction, const char *usage)
{
	vae_stream_opts o = { .direction = direction, .griffin_lim = -1 };
	const char *model = NULL, *output = NULL;
	kv_err err;
	int c;

	while ((c = getopt_long(argc, argv, "m:o:f:hV", options, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'o': output = optarg; break;
		case 'f':
			o.format = cli_parse_format(optarg);
			break;
		case OPT_VARIANCES: o.variances = 1; break;
		case OPT_FPS: parse_fps(optarg, &o.fps_num, &o.fps_den); break;
		case OPT_SIZE:
			parse_size(optarg, &o.out_width, &o.out_height);
			break;
		case OPT_CHANNEL:
			o.channel = (int)cli_parse_int("--channel", optarg, 1, 1024);
			break;
		case OPT_PHASE_FROM: o.phase_from = optarg; break;
		case OPT_MASK: o.mask = 1; break;
		case OPT_GRIFFIN_LIM:
			o.griffin_lim = (int)cli_parse_int("--griffin-lim", optarg,
			    0, 100000);
			break;
		case OPT_GAPS: o.gaps = optarg; break;
		case OPT_THREADS: cli_threads(optarg); break;
		default: cli_standard_option(c, usage);
		}
	}
	if (model == NULL)
		cli_usage_error("a model is required (-m MODEL)");
	if (direction == VAE_ENCODE && (o.phase_from || o.mask ||
	    o.griffin_lim >= 0 || o.gaps))
		cli_usage_error("--phase-from, --mask, --griffin-lim and --gaps "
		    "are vae-decode's");
	if (argc - optind > 1)
		cli_usage_error("one input at most");
	if (vae_stream_run(model, optind < argc ? argv[optind] : "-", output, &o,
	    &err))
		cli_fail(&err);
	return 0;
}
