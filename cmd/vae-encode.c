/* vae-encode: records -> latent means (and variances) through a VAE
 * model's encoder. */
#include "common/cli.h"
#include "common/vae_tool.h"
#include "vae/stream_map.h"

static const char usage[] =
"Usage: vae-encode -m MODEL [OPTION]... [FILE]\n"
"Map each record of a kvae-seq(5) stream (CSV or binary, detected) to its\n"
"latent mean under the encoder of MODEL, a kvae-model(5) file. Records are\n"
"normalised as the model says first; missing values enter the encoder as\n"
"the normalised mean, and a record with every value missing gives a\n"
"missing latent record. Sequences stay apart; output is written as input\n"
"arrives. With no FILE, or FILE -, read stdin.\n"
"\n"
"  -m, --model=MODEL          the model file (required)\n"
"  -o, --output=FILE          write FILE atomically (default stdout)\n"
"  -f, --output-format=FMT    csv or bin (default: the input's)\n"
"      --variances            append the encoder's variances to each record\n"
"                             (for kf-filter --obs-var)\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Example:\n"
"  vae-encode -m model.kvae records.csv | kvae-cat --keep-every 4 \\\n"
"      | kf-smooth -m model.kvae | vae-decode -m model.kvae > imputed.csv\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

int
main(int argc, char **argv)
{
	cli_init("vae-encode");
	return vae_cli_main(argc, argv, VAE_ENCODE, usage);
}
