/* vae-decode: latent records -> reconstructed records through a VAE
 * model's decoder. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "seq.h"
#include "vaestream.h"

static const char usage[] =
"Usage: vae-decode -m MODEL [OPTION]... [FILE]\n"
"Map each latent record of a kvae-seq(5) stream (CSV or binary, detected)\n"
"to the mean of the decoder of MODEL, a kvae-model(5) file, in the data's\n"
"units (the model's normalisation undone). A latent record with any value\n"
"missing gives a missing record; variances in the input are ignored.\n"
"Sequences stay apart; output is written as input arrives. With no FILE,\n"
"or FILE -, read stdin.\n"
"\n"
"  -m, --model=MODEL          the model file (required)\n"
"  -o, --output=FILE          write FILE atomically (default stdout)\n"
"  -f, --output-format=FMT    csv or bin (default: the input's)\n"
"      --variances            append the decoder's variances (data units)\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Example:\n"
"  vae-encode -m model.kvae records.csv | kvae-cat --keep-every 4 \\\n"
"      | kf-smooth -m model.kvae | vae-decode -m model.kvae > imputed.csv\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

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
main(int argc, char **argv)
{
	vae_stream_opts o = { .direction = VAE_DECODE };
	const char *model = NULL, *output = NULL;
	kv_err err;
	int c;

	cli_init("vae-decode");
	while ((c = getopt_long(argc, argv, "m:o:f:hV", options, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'o': output = optarg; break;
		case 'f':
			if ((o.format = seq_format_parse(optarg)) == 0)
				cli_usage_error("--output-format: '%s' is not csv "
				    "or bin", optarg);
			break;
		case OPT_VARIANCES: o.variances = 1; break;
		case 'h': cli_print_help(usage);
		case 'V': cli_print_version();
		default: cli_usage_error("unknown option");
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
