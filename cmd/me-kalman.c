/* me-kalman: maximum-entropy Kalman filtering of signals and images, and
 * predictive image compression with the same model. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "core/input.h"
#include "core/outfile.h"
#include "media/audio.h"
#include "media/sniff.h"
#include "mefilter/run.h"
#include "mek/codec.h"
#include "mek/file.h"

static const char usage[] =
"Usage: me-kalman [OPTION]... [INPUT]\n"
"       me-kalman --compress [OPTION]... [IMAGE] -o FILE.mek\n"
"       me-kalman --decompress [FILE.mek] -o IMAGE\n"
"Denoise a signal or image with the maximum-entropy Kalman filter: the AR\n"
"model whose autocorrelation matches the data's (noise removed at lag 0,\n"
"Levinson-Durbin), run as a steady-state Kalman filter on its companion\n"
"state. Or compress an image losslessly (or within --max-error) with the\n"
"same kind of model as predictor.\n"
"INPUT: an audio file (WAV, FLAC, ... through libsndfile; each channel on\n"
"its own), an image or video (anything ffmpeg reads: PNG, PGM/PPM, TIFF,\n"
"MP4, MKV, Y4M, ...; each plane of each frame along rows, columns or\n"
"both), or a kvae-seq(5) stream (each column on its own), told apart by\n"
"the first bytes, on stdin, pipes and FIFOs too. Output has the input's\n"
"format, or the one the -o suffix names.\n"
"\n"
"Denoising:\n"
"  -o, --output=FILE          write FILE atomically (default stdout;\n"
"                             audio, video and images other than PGM/PPM\n"
"                             need a file)\n"
"  -p, --order=N              AR order (default 8; 1..64)\n"
"  -n, --noise-var=V|auto     observation noise variance, in the input's\n"
"                             units (audio -1..1, images 0..maxval); auto\n"
"                             (default): from the median absolute\n"
"                             deviation of first differences; finite\n"
"      --noise-sd=S           the same given as a standard deviation\n"
"      --block=N              one model per N samples (signals) or N\n"
"                             rows/columns (images); default one model\n"
"  -d, --direction=DIR        images: rows, cols or both (default both:\n"
"                             rows, then columns)\n"
"      --exact                the full time-varying Kalman filter from the\n"
"                             process's stationary prior (LGSSM library)\n"
"      --smooth               add the RTS smoother: each sample estimated\n"
"                             from the whole signal (LGSSM library)\n"
"      --print-model          print each model (SPTK levdur form, PARCOR,\n"
"                             gain, error variances) on stdout; the data\n"
"                             are then written only with -o FILE\n"
"  -f, --output-format=FMT    streams: csv or bin (default: the input's)\n"
"      --strict               video: fail (exit 1, nothing written) when the\n"
"                             input is damaged or ends before the end its\n"
"                             file announces, instead of warning\n"
"  -q, --quiet                no progress (video) nor warnings on stderr\n"
"Compression:\n"
"  -c, --compress             IMAGE (grey or RGB, 8 or 16 bit: PGM/PPM,\n"
"                             PNG, TIFF, ...; not with alpha) to .mek\n"
"  -x, --decompress           .mek to an image (PGM/PPM on stdout, else\n"
"                             as the -o suffix says; not a lossy one\n"
"                             such as .jpg)\n"
"  -e, --max-error=E          every pixel within E (default 0: lossless)\n"
"  -p, --order=N              causal neighbours of the predictor (default\n"
"                             4; 1..12)\n"
"All modes:\n"
"      --threads=N            threads for decoding a video or image (default:\n"
"                             OMP_NUM_THREADS, else FFmpeg's choice); the\n"
"                             filters and the .mek coder run on one thread\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Examples:\n"
"  me-kalman --order 8 noisy.wav -o clean.wav\n"
"  me-kalman --noise-sd 20 noisy.pgm -o clean.pgm\n"
"  kvae-cat --keep-every 2 clean.csv | me-kalman --noise-var 0.01 > filled.csv\n"
"  me-kalman --compress photo.ppm -o photo.mek && me-kalman -x photo.mek -o back.ppm\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

enum { OPT_NOISE_SD = 256, OPT_BLOCK, OPT_PRINT_MODEL, OPT_EXACT,
	OPT_SMOOTH, OPT_STRICT, OPT_THREADS };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "order", required_argument, NULL, 'p' },
	{ "noise-var", required_argument, NULL, 'n' },
	{ "noise-sd", required_argument, NULL, OPT_NOISE_SD },
	{ "block", required_argument, NULL, OPT_BLOCK },
	{ "direction", required_argument, NULL, 'd' },
	{ "print-model", no_argument, NULL, OPT_PRINT_MODEL },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "smooth", no_argument, NULL, OPT_SMOOTH },
	{ "output-format", required_argument, NULL, 'f' },
	{ "compress", no_argument, NULL, 'c' },
	{ "decompress", no_argument, NULL, 'x' },
	{ "max-error", required_argument, NULL, 'e' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct settings {
	const char *input, *output;
	mekf_opts f;
	int order_given, denoise_opt;	/* an option only denoising takes */
	int print_model, format;
	int compress, decompress;
	long long max_error;
	int quiet, strict;
};

/* A noise variance (or, with `sd`, its square root): finite and not
 * negative, its variance finite too; inf and values that overflow are
 * refused alike. */
static double
parse_noise(const char *opt, const char *arg, int sd)
{
	char *end;
	double v = strtod(arg, &end);	/* inf, and 1e400 overflowing */

	if (*arg != '\0' && *end == '\0' && isinf(v))
		cli_usage_error("%s: '%s' is not finite", opt, arg);
	v = cli_parse_double(opt, arg, 0, HUGE_VAL);
	if (sd)
		v *= v;
	if (!isfinite(v))
		cli_usage_error("%s: '%s' is not finite%s", opt, arg,
		    sd ? " when squared" : "");
	return v;
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	int c;

	while ((c = getopt_long(argc, argv, "o:p:n:d:f:cxe:qhV", options,
	    NULL)) != -1) {
		switch (c) {
		case 'o':
			s->output = optarg;
			break;
		case 'p':
			s->f.order = (size_t)cli_parse_int("--order", optarg, 1,
			    MEKF_MAX_ORDER);
			s->order_given = 1;
			break;
		case 'n':
			s->denoise_opt = 1;
			s->f.noise_var = strcmp(optarg, "auto") == 0 ? -1 :
			    parse_noise("--noise-var", optarg, 0);
			break;
		case OPT_NOISE_SD: {
			s->f.noise_var = parse_noise("--noise-sd", optarg, 1);
			s->denoise_opt = 1;
			break;
		}
		case OPT_BLOCK:
			s->f.block = (size_t)cli_parse_int("--block", optarg, 1,
			    1LL << 40);
			s->denoise_opt = 1;
			break;
		case 'd':
			s->denoise_opt = 1;
			if (strcmp(optarg, "rows") == 0)
				s->f.direction = MEKF_ROWS;
			else if (strcmp(optarg, "cols") == 0)
				s->f.direction = MEKF_COLS;
			else if (strcmp(optarg, "both") == 0)
				s->f.direction = MEKF_BOTH;
			else
				cli_usage_error("--direction: '%s' is not rows, "
				    "cols or both", optarg);
			break;
		case OPT_EXACT:
		case OPT_SMOOTH:
			if (s->f.mode != MEKF_STEADY)
				cli_usage_error("--exact and --smooth exclude "
				    "each other");
			s->f.mode = c == OPT_EXACT ? MEKF_EXACT : MEKF_SMOOTH;
			s->denoise_opt = 1;
			break;
		case OPT_PRINT_MODEL:
			s->print_model = 1;
			s->denoise_opt = 1;
			break;
		case 'f':
			s->format = cli_parse_format(optarg);
			break;
		case 'c':
			s->compress = 1;
			break;
		case 'x':
			s->decompress = 1;
			break;
		case 'e':
			s->max_error = cli_parse_int("--max-error", optarg, 0,
			    32767);
			break;
		case 'q':
			s->quiet = 1;
			break;
		case OPT_STRICT:
			s->strict = 1;
			break;
		case OPT_THREADS:
			cli_threads(optarg);
			break;
		default:
			cli_standard_option(c, usage);
		}
	}
	if (optind < argc)
		s->input = argv[optind++];
	if (optind < argc)
		cli_usage_error("one input at a time ('%s' is extra)",
		    argv[optind]);
	if (s->compress && s->decompress)
		cli_usage_error("--compress and --decompress exclude each other");
	if ((s->compress || s->decompress) && s->denoise_opt)
		cli_usage_error("--noise-var, --noise-sd, --block, --direction, "
		    "--exact, --smooth and --print-model are for denoising, "
		    "not --%s",
		    s->compress ? "compress" : "decompress");
	if (!s->compress && s->max_error)
		cli_usage_error("--max-error goes with --compress");
	if (s->decompress && s->order_given)
		cli_usage_error("--order is stored in the .mek file");
	if (s->compress && s->order_given && s->f.order > MEK_MAX_ORDER)
		cli_usage_error("--order: %zu neighbours exceed %d for "
		    "--compress", s->f.order, MEK_MAX_ORDER);
	if (s->compress && !s->order_given)
		s->f.order = MEK_DEFAULT_ORDER;
	if (s->print_model && path_is_std(s->output) && s->output)
		cli_usage_error("--print-model writes stdout: give -o a file");
}

/* Every model fitted comes here: printed for --print-model, and counted
 * for the warning when a given noise variance had to be capped: one line
 * at the end (unless -q), naming the model when only one was capped,
 * else how many of how many. */
struct report_ctx {
	const struct settings *set;
	size_t models, capped;	/* first-pass models, and those capped */
	size_t all, flat;	/* every model, and those that saw no signal */
	char first[512];	/* the warning for the first capped */
};

static void
print_values(const char *key, const double *v, size_t n, double first,
	int has_first)
{
	printf("%s:", key);
	if (has_first)
		printf(" %.10g", first);
	for (size_t i = 0; i < n; i++)
		printf(" %.10g", v[i]);
	putchar('\n');
}

static void
report_model(const mekf_where *wh, const mekf_model *m, const char *pass,
	size_t block, size_t first, size_t count, void *user)
{
	struct report_ctx *c = user;
	/* flat: no gain (err_var alone may underflow in tiny units) */
	int flat = m->err_var == 0;
	for (size_t i = 0; i < m->p; i++)
		flat &= m->gain[i] == 0;
	double want = c->set->f.noise_var;
	/* the noise of the pass that the user's value applies to */
	int first_pass = strcmp(pass, "cols") != 0 ||
	    c->set->f.direction == MEKF_COLS;
	int signal = strcmp(pass, "signal") == 0;

	c->all++;
	c->flat += flat;
	if (want >= 0 && first_pass)
		c->models++;
	if (want >= 0 && first_pass && m->noise_var < want &&
	    c->capped++ == 0)
		snprintf(c->first, sizeof c->first, "%s: %s %zu, %s block %zu: "
		    "noise variance %g is more than the data can hold; using %g "
		    "(0.95 x the smallest eigenvalue of its autocorrelation "
		    "matrix)", wh->name, wh->unit, wh->index, pass, block + 1,
		    want, m->noise_var);
	if (!c->set->print_model)
		return;
	printf("model: %s", wh->name);
	if (wh->outer_index)
		printf(" %s %zu", wh->outer, wh->outer_index);
	printf(" %s %zu %s block %zu (%s %zu-%zu)\n", wh->unit, wh->index,
	    pass, block + 1, signal ? "samples" : pass,
	    signal ? first : first + 1, signal ? first + count - 1 :
	    first + count);
	printf("order: %zu\nmean: %.10g\nnoise_var: %.10g\n", m->p, m->mean,
	    m->noise_var);
	if (flat) {
		printf("signal: none above the noise; output is the mean\n\n");
		return;
	}
	printf("err_var: %.10g\n", m->err_var);
	print_values("lpc", m->a, m->p, sqrt(m->err_var), 1);
	print_values("parcor", m->k, m->p, 0, 0);
	print_values("autocorr", m->r, m->p + 1, 0, 0);
	print_values("gain", m->gain, m->p, 0, 0);
	printf("filter_err_var: %.10g\n\n", m->P_filt_ss);
}

/* Usage errors that depend on what the input holds. */
static void
check_output(const struct settings *s, const kv_input *in, int kind)
{
	kv_err err;

	switch (kind) {
	case SNIFF_MEK:
		cli_die("%s: a .mek file: use --decompress", input_name(in));
	case SNIFF_AUDIO:
		if (!s->output && !s->print_model)
			cli_usage_error("audio output needs -o FILE");
		if (path_is_std(s->output) && s->output)
			cli_usage_error("audio output needs -o FILE, not stdout");
		if (s->output && audio_check_output(s->output, &err) != 0)
			cli_fail(&err);
		break;
	case SNIFF_Y4M:
	case SNIFF_MEDIA:
		if (!s->output && !s->print_model)
			cli_usage_error("image and video output needs -o FILE");
		break;
	}
}

static void
warn_damage(void *user, const char *msg)
{
	(void)user;
	cli_warn("warning: %s", msg);
}

int
main(int argc, char **argv)
{
	struct settings s = {
		.f = { .order = 8, .noise_var = -1, .direction = MEKF_BOTH },
	};
	kv_err err;

	cli_init("me-kalman");
	parse_options(argc, argv, &s);
	cli_check_output(s.output);
	if (s.compress || s.decompress) {
		mek_params par = { (unsigned)s.max_error, (unsigned)s.f.order };
		if ((s.compress ? mek_compress_file(s.input, s.output, &par, &err) :
		    mek_decompress_file(s.input, s.output, &err)) != 0)
			cli_fail(&err);
		return 0;
	}
	kv_input *in = input_open(s.input, &err);
	int kind;
	if (in == NULL || (kind = sniff_input(in, mek_is_mek, &err)) < 0)
		cli_fail(&err);
	check_output(&s, in, kind);
	struct report_ctx rc = { .set = &s };
	mekf_job job = { .f = s.f, .output = s.output,
	    .write = !s.print_model || s.output, .format = s.format,
	    .quiet = s.quiet, .report = report_model, .user = &rc,
	    .strict = s.strict, .warn = s.quiet ? NULL : warn_damage };
	if (mekf_run_input(in, kind, &job, &err) != 0)
		cli_fail(&err);
	if (rc.capped == 1 && !s.quiet)
		cli_warn("%s", rc.first);
	else if (rc.capped > 1 && !s.quiet)
		cli_warn("%s: noise variance %g is more than the data can hold "
		    "in %zu of %zu models (blocks, planes, frames); capped at "
		    "0.95 x the smallest eigenvalue of each autocorrelation "
		    "matrix", input_name(in), s.f.noise_var, rc.capped,
		    rc.models);
	if (rc.flat > 0 && !s.quiet)
		cli_warn("warning: %s: %zu of %zu models (blocks, planes, frames, "
		    "passes) see no signal above the noise variance: their "
		    "output is flat, the mean%s", input_name(in), rc.flat,
		    rc.all, s.f.noise_var >= 0 ? "; is --noise-var too large?" :
		    "");
	input_close(in);
	return 0;
}
