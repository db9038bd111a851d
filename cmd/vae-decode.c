/* vae-decode: latent records -> reconstructed records through a VAE
 * model's decoder. */
#include "common/cli.h"
#include "common/vae_tool.h"
#include "vae/stream_map.h"

static const char usage[] =
"Usage: vae-decode -m MODEL [OPTION]... [FILE]\n"
"Map each latent record of a kvae-seq(5) stream (CSV or binary, detected)\n"
"to the mean of the decoder of MODEL, a kvae-model(5) file. With no FILE,\n"
"or FILE -, read stdin.\n"
"\n"
"A model of frames writes a video or images chosen by the -o name: .mkv\n"
"(FFV1, lossless), .mp4 (H.264), .gif, .y4m, an image pattern such as\n"
"f%04d.png, or - (the default: Y4M on stdout, for | ffplay - or\n"
"| ffmpeg -i -). A stream of several sequences gives one video each when\n"
"the name holds a number pattern (out-%02d.mkv, from 1), else all frames\n"
"one after another. A missing latent record is an error (kf-smooth fills\n"
"gaps). A model of vector records writes records in the data's units (the\n"
"model's normalisation undone); a latent record with any value missing\n"
"gives a missing record. Sequences stay apart; output is written as input\n"
"arrives. A model of sound (trained on sound files) writes a sound file,\n"
"-o required, its format by the suffix (.wav, .flac, ...): the decoded\n"
"magnitudes with the phase of --phase-from's recording (its length, rate\n"
"and encoding too), or from Griffin-Lim when there is none; every\n"
"sequence one after another.\n"
"\n"
"  -m, --model=MODEL          the model file (required)\n"
"  -o, --output=FILE          write FILE atomically (default stdout)\n"
"  -f, --output-format=FMT    csv or bin (default: the input's); for a\n"
"                             model of frames, write frames as records\n"
"      --variances            append the decoder's variances (records)\n"
"      --fps=RATE             frame rate, e.g. 25 or 30000/1001 (default:\n"
"                             the model's, from its training video)\n"
"      --size=WxH             scale frames up to W x H for viewing\n"
"      --phase-from=REF       sound: the phase of REF's STFT (e.g. the noisy\n"
"                             input); REF must have as many STFT frames\n"
"      --mask                 sound: apply the magnitudes to REF as a gain\n"
"                             M^2 / max(M^2, |REF|^2) instead\n"
"      --griffin-lim=N        sound: N Griffin-Lim iterations (default 32\n"
"                             without REF, 0 with it; REF's phase starts them)\n"
"      --channel=N            sound: REF's channel N (default: the mono mix)\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Examples:\n"
"  vae-encode -m balls.kvae test.mkv | kvae-cat --keep-every 4 \\\n"
"      | kf-smooth -m balls.kvae | vae-decode -m balls.kvae -o imputed.mkv\n"
"  vae-decode -m balls.kvae --size 256x256 latents.csv | ffplay -\n"
"  vae-encode -m model.kvae records.csv | kf-smooth -m model.kvae \\\n"
"      | vae-decode -m model.kvae > smoothed.csv\n"
"  vae-encode -m speech.kvae noisy.wav | kf-smooth -m speech.kvae \\\n"
"      | vae-decode -m speech.kvae --phase-from noisy.wav -o clean.wav\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

int
main(int argc, char **argv)
{
	cli_init("vae-decode");
	return vae_cli_main(argc, argv, VAE_DECODE, usage);
}
