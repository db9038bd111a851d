/* me-kalman: maximum-entropy Kalman filtering of signals and images, and
 * predictive image compression with the same model. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <sndfile.h>

#include "common/cli.h"
#include "media/video.h"
#include "mek/codec.h"
#include "mefilter/denoise.h"
#include "media/planes.h"
#include "core/outfile.h"
#include "media/pnm.h"
#include "core/progress.h"
#include "stream/seq.h"
#include "core/readall.h"

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
"both), or a kvae-seq(5) stream (each column on its own; the default on\n"
"stdin). Output has the input's format, or the one the -o suffix names.\n"
"\n"
"Denoising:\n"
"  -o, --output=FILE          write FILE atomically (default stdout;\n"
"                             audio, video and images other than PGM/PPM\n"
"                             need a file)\n"
"  -p, --order=N              AR order (default 8; 1..64)\n"
"  -n, --noise-var=V|auto     observation noise variance, in the input's\n"
"                             units (audio -1..1, images 0..maxval); auto\n"
"                             (default): from the median absolute\n"
"                             deviation of first differences\n"
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
"  -q, --quiet                no progress on stderr (video)\n"
"Compression:\n"
"  -c, --compress             IMAGE (grey or RGB, 8 or 16 bit: PGM/PPM,\n"
"                             PNG, TIFF, ...) to .mek\n"
"  -x, --decompress           .mek to an image (PGM/PPM on stdout, else\n"
"                             as the -o suffix says)\n"
"  -e, --max-error=E          every pixel within E (default 0: lossless)\n"
"  -p, --order=N              causal neighbours of the predictor (default\n"
"                             4; 1..12)\n"
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
	OPT_SMOOTH };

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
	int quiet;
};

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
			    cli_parse_double("--noise-var", optarg, 0, HUGE_VAL);
			break;
		case OPT_NOISE_SD: {
			double sd = cli_parse_double("--noise-sd", optarg, 0,
			    HUGE_VAL);
			s->f.noise_var = sd * sd;
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

/* Every model fitted comes here: printed for --print-model, and a
 * warning when a given noise variance had to be capped. */
struct report_ctx {
	const struct settings *set;
	const char *name;
	const char *unit;	/* "channel", "column" */
	const char *outer;	/* "sequence", "frame" */
	size_t index;		/* 1-based */
	size_t sequence;	/* 1-based, streams; 0: none */
	int warned;		/* for this signal */
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
report_model(const mekf_model *m, const char *pass, size_t block,
	size_t first, size_t count, void *user)
{
	struct report_ctx *c = user;
	int flat = m->err_var == 0;
	double want = c->set->f.noise_var;
	/* the noise of the pass that the user's value applies to */
	int first_pass = strcmp(pass, "cols") != 0 ||
	    c->set->f.direction == MEKF_COLS;

	if (want >= 0 && first_pass && m->noise_var < want && !c->warned) {
		cli_warn("%s: %s %zu, %s block %zu: noise variance %g is more "
		    "than the data can hold; using %g (0.95 x the smallest "
		    "eigenvalue of its autocorrelation matrix)", c->name,
		    c->unit, c->index, pass, block + 1, want, m->noise_var);
		c->warned = 1;
	}
	if (!c->set->print_model)
		return;
	printf("model: %s", c->name);
	if (c->sequence)
		printf(" %s %zu", c->outer, c->sequence);
	printf(" %s %zu %s block %zu (%s %zu-%zu)\n", c->unit, c->index, pass,
	    block + 1, strcmp(pass, "signal") == 0 ? "samples" : pass,
	    strcmp(pass, "signal") == 0 ? first : first + 1,
	    strcmp(pass, "signal") == 0 ? first + count - 1 : first + count);
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

static int
want_data(const struct settings *s)
{
	return !s->print_model || s->output;
}

/* ---- kvae-seq streams: each column of each sequence on its own ---- */
static void
run_stream(const struct settings *s)
{
	kv_err err;
	seq_reader *r = seq_reader_open(s->input, &err);
	if (!r)
		cli_fail(&err);
	const seq_layout *in = seq_reader_layout(r);
	seq_layout lay = seq_layout_output(in, s->format, 0);
	lay.has_var = 0;
	outfile *out = NULL;
	seq_writer *w = NULL;
	if (want_data(s)) {
		if (!(out = outfile_open(s->output, &err)))
			cli_fail(&err);
		if (!(w = seq_writer_open(outfile_stream(out),
		    outfile_name(out), &lay, &err)))
			goto fail;
	}
	seq_buf b = { 0 };
	struct report_ctx rc = { s, infile_name(s->input), "column",
	    "sequence", 0, 0, 0 };
	int got;
	while ((got = seq_read_sequence(r, &b, &err)) == 1) {
		rc.sequence++;
		for (size_t c = 0; c < b.dim; c++) {
			rc.index = c + 1;
			rc.warned = 0;
			if (mekf_denoise_signal(b.x + c, b.T, b.dim, &s->f,
			    report_model, &rc, &err) != 0) {
				kv_err_prefix(&err, "%s: sequence %zu, column %zu",
				    infile_name(s->input), rc.sequence, c + 1);
				goto fail;
			}
		}
		for (size_t t = 0; w && t < b.T; t++)
			if (seq_write(w, b.x + t * b.dim, NULL, &err) != 0)
				goto fail;
		if (w && seq_write_break(w, &err) != 0)
			goto fail;
	}
	if (got < 0)
		goto fail;
	seq_buf_free(&b);
	seq_reader_close(r);
	if (w && seq_writer_close(w, &err) != 0) {
		w = NULL;
		goto fail;
	}
	if (out && outfile_commit(out, &err) != 0)
		cli_fail(&err);
	return;
fail:
	seq_writer_close(w, NULL);
	outfile_abort(out);
	cli_fail(&err);
}

/* ---- audio through libsndfile ---- */
static int
audio_format_for(const char *path, int in_format)
{
	static const struct { const char *ext; int major, sub; } t[] = {
		{ "wav", SF_FORMAT_WAV, SF_FORMAT_PCM_16 },
		{ "flac", SF_FORMAT_FLAC, SF_FORMAT_PCM_16 },
		{ "aiff", SF_FORMAT_AIFF, SF_FORMAT_PCM_16 },
		{ "aif", SF_FORMAT_AIFF, SF_FORMAT_PCM_16 },
		{ "au", SF_FORMAT_AU, SF_FORMAT_PCM_16 },
		{ "caf", SF_FORMAT_CAF, SF_FORMAT_PCM_16 },
		{ "ogg", SF_FORMAT_OGG, SF_FORMAT_VORBIS },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof t / sizeof t[0]; i++)
		if (strcasecmp(dot + 1, t[i].ext) == 0) {
			if ((in_format & SF_FORMAT_TYPEMASK) == t[i].major)
				return in_format;
			SF_INFO probe = { .channels = 1, .samplerate = 8000,
			    .format = t[i].major | (in_format & SF_FORMAT_SUBMASK) };
			return sf_format_check(&probe) ? probe.format :
			    t[i].major | t[i].sub;
		}
	return in_format;
}

static void
run_audio(const struct settings *s)
{
	SF_INFO info = { 0 };
	kv_err err;
	SNDFILE *sf = sf_open(s->input, SFM_READ, &info);
	if (!sf)
		cli_die("%s: %s", s->input, sf_strerror(NULL));
	if (info.frames < 1 || info.channels < 1 ||
	    (double)info.frames * info.channels > (double)(1u << 28))
		cli_die("%s: %lld frames of %d channels: nothing to filter or "
		    "too long", s->input, (long long)info.frames, info.channels);
	size_t n = (size_t)info.frames, C = (size_t)info.channels;
	double *x = malloc(n * C * sizeof *x);
	if (!x)
		cli_die("%s: out of memory", s->input);
	if (sf_readf_double(sf, x, (sf_count_t)n) != (sf_count_t)n)
		cli_die("%s: read error: %s", s->input, sf_strerror(sf));
	sf_close(sf);
	struct report_ctx rc = { s, s->input, "channel", NULL, 0, 0, 0 };
	for (size_t c = 0; c < C; c++) {
		rc.index = c + 1;
		rc.warned = 0;
		if (mekf_denoise_signal(x + c, n, C, &s->f, report_model, &rc,
		    &err) != 0)
			cli_die("%s: channel %zu: %s", s->input, c + 1, err.msg);
	}
	if (want_data(s)) {
		outfile *out = outfile_open(s->output, &err);
		if (!out)
			cli_fail(&err);
		SF_INFO oi = info;
		oi.format = audio_format_for(s->output, info.format);
		SNDFILE *of = sf_open_fd(fileno(outfile_stream(out)), SFM_WRITE,
		    &oi, 0);
		if (!of) {
			outfile_abort(out);
			cli_die("%s: %s", s->output, sf_strerror(NULL));
		}
		sf_command(of, SFC_SET_CLIPPING, NULL, SF_TRUE);
		sf_count_t wrote = sf_writef_double(of, x, (sf_count_t)n);
		int e = errno;
		sf_close(of);
		if (wrote != (sf_count_t)n) {
			outfile_abort(out);
			cli_die("%s: %s", s->output, strerror(e));
		}
		if (outfile_commit(out, &err) != 0)
			cli_fail(&err);
	}
	free(x);
}

/* ---- images ---- */
static void
write_image(const char *path, const media_image *im)
{
	kv_err err;
	outfile *out = outfile_open(path, &err);

	if (!out)
		cli_fail(&err);
	if (pnm_write(outfile_stream(out), im, &err) != 0) {
		kv_err_prefix(&err, "%s", outfile_name(out));	/* before the free */
		outfile_abort(out);
		cli_fail(&err);
	}
	if (outfile_commit(out, &err) != 0)
		cli_fail(&err);
}

static void
read_image(const char *path, const uint8_t *buf, size_t len, media_image *im)
{
	kv_err err;

	if (pnm_parse(im, buf, len, &err) != 0)
		cli_die("%s: %s", infile_name(path), err.msg);
}

static void
run_image(const struct settings *s, const uint8_t *buf, size_t len)
{
	media_image im;
	kv_err err;
	const char *name = infile_name(s->input);

	read_image(s->input, buf, len, &im);
	size_t w = im.width, h = im.height, C = im.channels, n = w * h;
	double *plane = malloc(n * sizeof *plane);
	if (!plane)
		cli_die("%s: out of memory", name);
	struct report_ctx rc = { s, name, "channel", NULL, 0, 0, 0 };
	for (size_t c = 0; c < C; c++) {
		for (size_t i = 0; i < n; i++)
			plane[i] = im.pix[i * C + c];
		rc.index = c + 1;
		rc.warned = 0;
		if (mekf_denoise_plane(plane, w, h, &s->f, report_model, &rc,
		    &err) != 0)
			cli_die("%s: channel %zu: %s", name, c + 1, err.msg);
		for (size_t i = 0; i < n; i++) {
			double v = nearbyint(plane[i]);
			im.pix[i * C + c] = (uint16_t)(v < 0 ? 0 :
			    v > im.maxval ? im.maxval : v);
		}
	}
	free(plane);
	if (want_data(s))
		write_image(s->output, &im);
	free(im.pix);
}

/* Whether output to `path` is a PGM/PPM written here (exact maxval):
 * stdout, or a .pgm/.ppm/.pnm name. */
static int
pnm_output(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	return path_is_std(path) || (dot && (strcasecmp(dot, ".pgm") == 0 ||
	    strcasecmp(dot, ".ppm") == 0 || strcasecmp(dot, ".pnm") == 0));
}

/* Images and video through video.h: each plane of each frame on its
 * own, written in the same layout to the -o file. */
static void
run_media(const struct settings *s)
{
	kv_err err;
	media_reader *r = media_open(s->input, 0, &err);
	media_writer *w = NULL;
	media_frame fr, of = { 0 };
	progress pr;
	int got;

	if (!r)
		cli_fail(&err);
	const media_format *f = media_reader_format(r);
	const char *name = media_reader_name(r);
	size_t bps = f->sample == MEDIA_U8 ? 1 : f->sample == MEDIA_U16 ? 2 : 4;
	size_t n0 = (size_t)f->plane_w[0] * (size_t)f->plane_h[0];
	double *plane = malloc(n0 * sizeof *plane);
	uint8_t *out = malloc(n0 * bps * MEDIA_MAX_PLANES);
	if (!plane || !out)
		cli_die("%s: out of memory", name);
	if (want_data(s) && !(w = media_writer_open(s->output, f, NULL, NULL,
	    &err))) {
		media_close(r);
		cli_fail(&err);
	}
	struct report_ctx rc = { s, name, "channel", "frame", 0, 0, 0 };
	progress_start(&pr, "frames", 0, s->quiet);
	while ((got = media_read(r, &fr, &err)) == 1) {
		rc.sequence++;
		for (int c = 0; c < f->nplanes; c++) {
			size_t pw = (size_t)f->plane_w[c], ph = (size_t)f->plane_h[c];
			uint8_t *dst = out + (size_t)c * n0 * bps;
			media_plane_get(plane, f, &fr, c);
			rc.index = (size_t)c + 1;
			rc.warned = 0;
			if (mekf_denoise_plane(plane, pw, ph, &s->f, report_model,
			    &rc, &err) != 0) {
				kv_err_prefix(&err, "%s: frame %zu, plane %d", name,
				    rc.sequence, c + 1);
				goto fail;
			}
			media_plane_put(dst, (ptrdiff_t)(pw * bps), plane, f, c);
			of.plane[c] = dst;
			of.stride[c] = (ptrdiff_t)(pw * bps);
		}
		of.index = fr.index;
		if (w && media_write(w, &of, &err) != 0)
			goto fail;
		progress_update(&pr, rc.sequence);
	}
	if (got < 0)
		goto fail;
	progress_end(&pr);
	media_close(r);
	free(plane);
	free(out);
	if (w && media_writer_close(w, &err) != 0)
		cli_fail(&err);
	return;
fail:
	media_writer_abort(w);
	media_close(r);
	cli_fail(&err);
}

/* The first frame of an image file as a media_image; refuses more. */
static void
read_media_image(const char *path, media_image *im)
{
	kv_err err;
	media_frame fr;
	media_reader *r = media_open(path, 0, &err);

	if (!r)
		cli_fail(&err);
	if (media_read(r, &fr, &err) != 1 ||
	    media_image_from_frame(im, media_reader_format(r), &fr,
	    media_reader_name(r), &err) != 0) {
		media_close(r);
		cli_fail(&err);
	}
	if (media_read(r, &fr, &err) != 0) {
		media_close(r);
		free(im->pix);
		cli_die("%s: holds more than one frame; --compress takes one "
		    "image", path);
	}
	media_close(r);
}

/* A decompressed image to a file in the format its suffix names. */
static void
write_media_image(const char *path, const media_image *im)
{
	kv_err err;
	media_format f;
	media_frame fr;

	if (media_format_for_image(&f, im, &err) != 0)
		cli_die("%s: %s", path, err.msg);
	void *buf = malloc((size_t)im->width * im->height * im->channels * 2);
	if (!buf)
		cli_die("%s: out of memory", path);
	media_frame_for_image(&fr, buf, &f, im);
	media_writer *w = media_writer_open(path, &f, NULL, NULL, &err);
	if (!w || media_write(w, &fr, &err) != 0) {
		media_writer_abort(w);
		cli_fail(&err);
	}
	if (media_writer_close(w, &err) != 0)
		cli_fail(&err);
	free(buf);
}

static void
write_bytes(const char *path, const uint8_t *buf, size_t len)
{
	kv_err err;
	outfile *out = outfile_open(path, &err);

	if (!out)
		cli_fail(&err);
	if (fwrite(buf, 1, len, outfile_stream(out)) != len) {
		kv_errf(&err, "%s: %s", outfile_name(out), strerror(errno));
		outfile_abort(out);
		cli_fail(&err);
	}
	if (outfile_commit(out, &err) != 0)
		cli_fail(&err);
}

static void
run_compress(const struct settings *s, const uint8_t *buf, size_t len)
{
	media_image im;
	mek_params par = { (unsigned)s->max_error, (unsigned)s->f.order };
	uint8_t *mek;
	size_t mlen;
	kv_err err;

	if (pnm_is_pnm(buf, len))
		read_image(s->input, buf, len, &im);
	else if (path_is_std(s->input))
		cli_die("stdin: not a binary PGM/PPM image (P5/P6); give "
		    "other images as files");
	else
		read_media_image(s->input, &im);
	if (mek_compress(&mek, &mlen, &im, &par, &err) != 0)
		cli_die("%s: %s", infile_name(s->input), err.msg);
	write_bytes(s->output, mek, mlen);
	free(mek);
	free(im.pix);
}

static void
run_decompress(const struct settings *s, const uint8_t *buf, size_t len)
{
	media_image im;
	kv_err err;

	if (mek_decompress(&im, buf, len, &err) != 0)
		cli_die("%s: %s", infile_name(s->input), err.msg);
	if (im.channels != 1 && im.channels != 3)
		cli_die("%s: %u channels cannot be written as an image",
		    infile_name(s->input), im.channels);
	if (pnm_output(s->output))
		write_image(s->output, &im);
	else
		write_media_image(s->output, &im);
	free(im.pix);
}

/* What a named input holds, from its first bytes. */
enum kind { KIND_STREAM, KIND_AUDIO, KIND_PNM, KIND_MEK, KIND_MEDIA };

/* Text (a CSV stream) rather than an image or video: the first bytes
 * are printable ASCII or blanks. */
static int
looks_like_text(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(b[i] >= 0x20 && b[i] < 0x7f) && b[i] != '\n' &&
		    b[i] != '\r' && b[i] != '\t')
			return 0;
	return 1;
}

static enum kind
detect(const char *path)
{
	uint8_t head[16];
	kv_err err;

	if (path_is_std(path))
		return KIND_STREAM;
	FILE *fp = infile_open(path, &err);
	if (!fp)
		cli_fail(&err);
	size_t n = fread(head, 1, sizeof head, fp);
	fclose(fp);
	if (pnm_is_pnm(head, n))
		return KIND_PNM;
	if (mek_is_mek(head, n))
		return KIND_MEK;
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (sf) {
		sf_close(sf);
		return KIND_AUDIO;
	}
	if (n >= 8 && memcmp(head, SEQ_MAGIC, 8) == 0)
		return KIND_STREAM;
	if (n >= 10 && memcmp(head, "YUV4MPEG2 ", 10) == 0)
		return KIND_MEDIA;	/* Y4M: a text header, then video */
	return n == 0 || looks_like_text(head, n) ? KIND_STREAM : KIND_MEDIA;
}

int
main(int argc, char **argv)
{
	struct settings s = {
		.f = { .order = 8, .noise_var = -1, .direction = MEKF_BOTH },
	};
	uint8_t *buf = NULL;
	size_t len = 0;
	kv_err err;

	cli_init("me-kalman");
	parse_options(argc, argv, &s);
	if (s.compress || s.decompress) {
		if (readall_path(s.input, (size_t)1 << 32, &buf, &len, &err) != 0)
			cli_fail(&err);
		if (s.compress)
			run_compress(&s, buf, len);
		else
			run_decompress(&s, buf, len);
		free(buf);
		return 0;
	}
	switch (detect(s.input)) {
	case KIND_MEK:
		cli_die("%s: a .mek file: use --decompress", s.input);
	case KIND_AUDIO:
		if (!s.output && !s.print_model)
			cli_usage_error("audio output needs -o FILE");
		if (path_is_std(s.output) && s.output)
			cli_usage_error("audio output needs -o FILE, not stdout");
		run_audio(&s);
		break;
	case KIND_MEDIA:
		if (!s.output && !s.print_model)
			cli_usage_error("image and video output needs -o FILE");
		run_media(&s);
		break;
	case KIND_PNM:
		if (!pnm_output(s.output)) {
			run_media(&s);
			break;
		}
		if (readall_path(s.input, (size_t)1 << 32, &buf, &len, &err) != 0)
			cli_fail(&err);
		run_image(&s, buf, len);
		free(buf);
		break;
	case KIND_STREAM:
		run_stream(&s);
		break;
	}
	return 0;
}
