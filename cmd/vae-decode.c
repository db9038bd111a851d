/* vae-decode: latent records -> reconstructed records through a VAE
 * model's decoder. */
#include "common/cli.h"
#include "common/vae_tool.h"
#include "vae/stream_map.h"

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

int
main(int argc, char **argv)
{
	cli_init("vae-decode");
	return vae_cli_main(argc, argv, VAE_DECODE, usage);
}
