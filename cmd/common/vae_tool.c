/* vae_tool.c: vae-encode / vae-decode's options and main. */
#include "common/vae_tool.h"

#include <getopt.h>
#include <stddef.h>

#include "common/cli.h"
#include "stream/seq.h"
#include "vae/stream_map.h"

enum { OPT_VARIANCES = 256 };

static const struct option options[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-format", required_argument, NULL, 'f' },
	{ "variances", no_argument, NULL, OPT_VARIANCES },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
vae_cli_main(int argc, char **argv, int direction, const char *usage)
{
	vae_stream_opts o = { .direction = direction };
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
		default: cli_standard_option(c, usage);
		}
	}
	if (model == NULL)
		cli_usage_error("a model is required (-m MODEL)");
	if (argc - optind > 1)
		cli_usage_error("one input at most");
	if (vae_stream_run(model, optind < argc ? argv[optind] : "-", output, &o,
	    &err))
		cli_fail(&err);
	return 0;
}
