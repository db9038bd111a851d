/* vae-encode: records -> latent means (and variances) through a VAE
 * model's encoder. */
#include "common/cli.h"
#include "common/vae_tool.h"
#include "vae/stream_map.h"

static const char usage[] =
"Usage: vae-encode -m MODEL [OPTION]... [FILE]\n"
"Map each frame or record of FILE to its latent mean under the encoder of\n"
"MODEL, a kvae-model(5) file, and write a kvae-seq(5) stream. With no FILE,\n"
"or FILE -, read stdin.\n"
"\n"
"A model of frames reads pictures: a video file, an image, an image\n"
"pattern (f%04d.png), a directory or a quoted glob of images, or Y4M on\n"
"stdin; each frame is scaled to the model's size and channels with\n"
"libswscale's area filter, as ffmpeg -vf scale=S:S:flags=area,format=gray\n"
"(rgb24 for colour) does, then to [-1, 1]. The input is one sequence;\n"
"output is CSV unless -f bin. A model of vector records reads a kvae-seq(5)\n"
"stream (CSV or binary, detected); records are normalised as the model\n"
"says; missing values enter the encoder as the normalised mean, and a\n"
"record with every value missing gives a missing latent record.\n"
"Sequences stay apart; output is written as input arrives. A model of\n"
"sound reads a sound file (anything libsndfile reads, at the model's rate):\n"
"one record per STFT frame, the model's STFT and features, one sequence.\n"
"\n"
"  -m, --model=MODEL          the model file (required)\n"
"  -o, --output=FILE          write FILE atomically (default stdout)\n"
"  -f, --output-format=FMT    csv or bin (default: the input's; CSV for\n"
"                             pictures)\n"
"      --variances            append the encoder's variances to each record\n"
"                             (for kf-filter --obs-var)\n"
"      --channel=N            sound: channel N (default: the mono mix)\n"
"      --threads=N            threads for the network and for decoding video\n"
"                             (default: OMP_NUM_THREADS, else one per core);\n"
"                             the output does not depend on N\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Examples:\n"
"  vae-encode -m balls.kvae test.mkv | kvae-cat --keep-every 4 \\\n"
"      | kf-smooth -m balls.kvae | vae-decode -m balls.kvae -o imputed.mkv\n"
"  ffmpeg -i clip.mp4 -f yuv4mpegpipe - | vae-encode -m balls.kvae > z.csv\n"
"  vae-encode -m speech.kvae --channel 1 interview.flac > z.csv\n"
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
