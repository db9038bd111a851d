/* ssim: structural similarity of two images or videos, frame by frame. */
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/cli.h"
#include "core/outfile.h"
#include "media/video.h"
#include "ssim/pipeline.h"
#include "ssim/report.h"

static const char usage[] =
"Usage: ssim [OPTION]... REFERENCE DISTORTED\n"
"Structural similarity (SSIM) of two videos or images, frame by frame.\n"
"Each side is anything ffmpeg reads: a video, an image (PNG, BMP, PGM,\n"
"JPEG, TIFF, ...), an image sequence pattern (frames/%04d.png), or - for\n"
"stdin (e.g. Y4M). Frames are paired in order. YUV planes are scored as\n"
"stored (no range conversion). One line per frame on stdout, a summary\n"
"(mean and min over frames) on stderr.\n"
"\n"
"Definition:\n"
"  -p, --preset=NAME        wang (default): Wang et al. 2004, 11x11 Gaussian\n"
"                           window, sigma 1.5, population variances;\n"
"                           skimage: scikit-image's default, 7x7 uniform\n"
"                           window, sample variances;\n"
"                           ffmpeg: ffmpeg's ssim filter, 8x8 windows at\n"
"                           stride 4 on integer sums, its constants\n"
"      --window=KIND        gaussian or uniform\n"
"      --win-size=N         window side (odd)\n"
"      --sigma=S            Gaussian sigma\n"
"      --k1=K, --k2=K       stabilising constants (0.01, 0.03)\n"
"      --data-range=L       largest sample value (default from the pixel\n"
"                           format: 255 for 8 bits, 1023 for 10, 1 float)\n"
"      --downsample=F       auto (ssim.m: max(1, round(min(H,W)/256))) or a\n"
"                           factor; box filter, then every F-th pixel\n"
"      --ms-ssim            multi-scale SSIM (5 scales, Wang 2003 weights)\n"
"Channels and output:\n"
"  -c, --channels=SET       y (default: luma; for RGB BT.601/709 luma; RGB\n"
"                           against YUV or grey: the RGB luma in the\n"
"                           other's range and matrix), rgb, yuv, or all\n"
"                           (every plane as stored), with an All score\n"
"                           weighted by plane size\n"
"  -f, --format=FMT         csv (default): frame,Y[,U,V,All]; ffmpeg: the\n"
"                           lines of ffmpeg's ssim stats_file (implies\n"
"                           --channels all unless given)\n"
"  -o, --output=FILE        per-frame lines to FILE (atomic; default stdout)\n"
"  -s, --summary-only       print only the mean score on stdout\n"
"      --db                 report 10 log10(1 / (1 - SSIM)) instead\n"
"  -m, --map=FILE           write the SSIM map of the first channel: an\n"
"                           image (.png) for one frame, a video (.mp4,\n"
"                           .mkv, .y4m) for many; white is 1, black <= 0\n"
"      --shortest           stop at the end of the shorter input instead\n"
"                           of failing when the frame counts differ\n"
"      --strict             fail (exit 1, no -o or --map file) when an\n"
"                           input is damaged or ends before the end its\n"
"                           file announces, instead of warning\n"
"  -j, --threads=N          scoring threads (default: OMP_NUM_THREADS, else\n"
"                           one per core): N frames at a time, or one image\n"
"                           pair's rows; each decoder gets N/2; 1: all on\n"
"                           one thread; the scores do not depend on N\n"
"  -q, --quiet              no summary or progress on stderr\n"
"Raw video (no container; as ffmpeg's -f rawvideo), for an input that is\n"
"- or a name ending in .yuv or .raw (others are read as they are):\n"
"      --size=WxH           frame size (as 32x24, or a name such as cif)\n"
"      --pix-fmt=FMT        ffmpeg's pixel format name (default yuv420p)\n"
"      --rate=R             frame rate (default 25)\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Examples:\n"
"  ssim ref.mp4 out.mp4 > ssim.csv\n"
"  ssim --preset ffmpeg --format ffmpeg ref.mp4 out.mp4   # = ffmpeg -lavfi ssim\n"
"  [ \"$(ssim -s ref.mp4 out.mp4)\" \\> 0.9 ] || echo 'quality gate failed'\n"
"  ffmpeg -i out.mkv -f yuv4mpegpipe - | ssim ref.y4m -\n"
"  ffmpeg -i out.mkv -f rawvideo -pix_fmt gray - |\n"
"      ssim --size 640x480 --pix-fmt gray ref.y4m -\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

/* --channels when not given: 0, then from --format. */
enum { CH_DEFAULT = 0 };

enum {
	OPT_WINDOW = 256, OPT_WIN_SIZE, OPT_SIGMA, OPT_K1, OPT_K2,
	OPT_DATA_RANGE, OPT_DOWNSAMPLE, OPT_MS_SSIM, OPT_DB, OPT_SHORTEST, OPT_STRICT,
	OPT_SIZE, OPT_PIX_FMT, OPT_RATE
};

static const struct option options[] = {
	{ "preset", required_argument, NULL, 'p' },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "win-size", required_argument, NULL, OPT_WIN_SIZE },
	{ "sigma", required_argument, NULL, OPT_SIGMA },
	{ "k1", required_argument, NULL, OPT_K1 },
	{ "k2", required_argument, NULL, OPT_K2 },
	{ "data-range", required_argument, NULL, OPT_DATA_RANGE },
	{ "downsample", required_argument, NULL, OPT_DOWNSAMPLE },
	{ "ms-ssim", no_argument, NULL, OPT_MS_SSIM },
	{ "channels", required_argument, NULL, 'c' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "summary-only", no_argument, NULL, 's' },
	{ "db", no_argument, NULL, OPT_DB },
	{ "map", required_argument, NULL, 'm' },
	{ "shortest", no_argument, NULL, OPT_SHORTEST },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "threads", required_argument, NULL, 'j' },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "pix-fmt", required_argument, NULL, OPT_PIX_FMT },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct settings {
	ssim_overrides o;	/* the preset and what overrides it */
	ssim_params p;		/* the result */
	int channels;		/* enum ssim_channels, or CH_DEFAULT */
	int format;		/* enum ssim_format */
	int summary_only, db, shortest, quiet, strict;
	double data_range;	/* NaN: from the pixel format */
	const char *output, *map;
	const char *ref, *dist;
	media_raw raw;		/* --size, --pix-fmt, --rate */
};

/* Whether --size and --pix-fmt apply to the input at path: stdin, or a
 * file named as raw video is. */
static int
is_raw(const char *path)
{
	const char *dot = strrchr(path, '.');

	return path_is_std(path) || (dot && (strcasecmp(dot, ".yuv") == 0 ||
	    strcasecmp(dot, ".raw") == 0));
}

static int
parse_choice(const char *opt, const char *arg, const char *const *names,
	const int *values)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(arg, names[i]) == 0)
			return values[i];
	cli_usage_error("%s: '%s' is not one of the choices", opt, arg);
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	static const char *const presets[] = { "wang", "skimage", "ffmpeg",
	    NULL };
	static const int preset_v[] = { SSIM_WANG, SSIM_SKIMAGE, SSIM_FFMPEG };
	static const char *const windows[] = { "gaussian", "uniform", NULL };
	static const int window_v[] = { SSIM_GAUSSIAN, SSIM_UNIFORM };
	static const char *const chans[] = { "y", "rgb", "yuv", "all", NULL };
	static const int chan_v[] = { SSIM_CH_Y, SSIM_CH_RGB, SSIM_CH_YUV,
	    SSIM_CH_ALL };
	static const char *const fmts[] = { "csv", "ffmpeg", NULL };
	static const int fmt_v[] = { SSIM_FORMAT_CSV, SSIM_FORMAT_FFMPEG };
	int c;

	while ((c = getopt_long(argc, argv, "p:c:f:o:sm:j:qhV", options,
	    NULL)) != -1) {
		switch (c) {
		case 'p':
			s->o.preset = parse_choice("--preset", optarg, presets,
			    preset_v);
			break;
		case OPT_WINDOW:
			s->o.window = parse_choice("--window", optarg, windows,
			    window_v);
			break;
		case OPT_WIN_SIZE:
			s->o.win_size = (int)cli_parse_int("--win-size", optarg, 3,
			    63);
			if (s->o.win_size % 2 == 0)
				cli_usage_error("--win-size: %d is even; the "
				    "window needs a centre", s->o.win_size);
			break;
		case OPT_SIGMA:
			s->o.sigma = cli_parse_double("--sigma", optarg, 1e-3, 1e3);
			break;
		case OPT_K1:
			s->o.k1 = cli_parse_double("--k1", optarg, 0, 1);
			break;
		case OPT_K2:
			s->o.k2 = cli_parse_double("--k2", optarg, 1e-9, 1);
			break;
		case OPT_DATA_RANGE:
			s->data_range = cli_parse_double("--data-range", optarg,
			    1e-30, 1e30);
			break;
		case OPT_DOWNSAMPLE:
			s->o.downsample_set = 1;
			s->o.downsample = strcmp(optarg, "auto") == 0 ?
			    SSIM_DOWNSAMPLE_AUTO :
			    (int)cli_parse_int("--downsample", optarg, 1, 64);
			break;
		case OPT_MS_SSIM:
			s->o.ms_ssim = 1;
			break;
		case 'c':
			s->channels = parse_choice("--channels", optarg, chans,
			    chan_v);
			break;
		case 'f':
			s->format = parse_choice("--format", optarg, fmts, fmt_v);
			break;
		case 'o':
			s->output = optarg;
			break;
		case 's':
			s->summary_only = 1;
			break;
		case OPT_DB:
			s->db = 1;
			break;
		case 'm':
			s->map = optarg;
			break;
		case OPT_STRICT:
			s->strict = 1;
			break;
		case OPT_SHORTEST:
			s->shortest = 1;
			break;
		case 'j':
			cli_threads(optarg);
			break;
		case OPT_SIZE:
			s->raw.size = optarg;
			break;
		case OPT_PIX_FMT:
			s->raw.pix_fmt = optarg;
			break;
		case OPT_RATE:
			s->raw.rate = optarg;
			break;
		case 'q':
			s->quiet = 1;
			break;
		default:
			cli_standard_option(c, usage);
		}
	}
	if (argc - optind != 2)
		cli_usage_error("expected REFERENCE and DISTORTED, got %d file%s",
		    argc - optind, argc - optind == 1 ? "" : "s");
	s->ref = argv[optind];
	s->dist = argv[optind + 1];
	if (path_is_std(s->ref) && path_is_std(s->dist))
		cli_usage_error("only one input can be stdin");
	if (s->raw.size || s->raw.pix_fmt || s->raw.rate) {
		kv_err err;
		if (!is_raw(s->ref) && !is_raw(s->dist))
			cli_usage_error("--size, --pix-fmt, --rate: neither input "
			    "is raw video (-, or a name ending in .yuv or .raw)");
		if (media_raw_check(&s->raw, &err) != 0)
			cli_usage_error("%s", err.msg);
	}
}

/* The preset, then the options that override parts of it; options
 * that do not fit together are usage errors. */
static void
resolve_params(struct settings *s)
{
	kv_err err;

	if (ssim_params_resolve(&s->p, &s->o, &err) != 0)
		cli_usage_error("%s", err.msg);
	if (s->map && s->p.ms_ssim)
		cli_usage_error("--map: MS-SSIM has no single map");
	if (s->channels == CH_DEFAULT)
		s->channels = s->format == SSIM_FORMAT_FFMPEG ? SSIM_CH_ALL :
		    SSIM_CH_Y;
}

/* Score every pair; the lines (and the --summary-only mean) to out, the
 * maps to map; then the summary on stderr. */
static int
run(const struct settings *s, media_reader *ra, media_reader *rb,
	const ssim_plan *pl, ssim_map_out *map, FILE *out, kv_err *err)
{
	ssim_report rep;
	ssim_totals t;
	ssim_run_opts o = { .shortest = s->shortest, .map = map,
	    .on_frame = ssim_report_frame, .ctx = &rep };
	char line[512];

	ssim_report_start(&rep, out, pl, s->format, s->db, !s->summary_only,
	    s->quiet);
	if (ssim_pipeline_run(&s->p, pl, ra, rb, &o, &t, err) != 0)
		return -1;
	ssim_report_end(&rep);
	if (s->summary_only) {
		ssim_report_mean(out, pl, &t, s->db);
	} else if (!s->quiet) {
		ssim_report_summary(line, sizeof line, pl, &t);
		cli_warn("%s", line);
	}
	return 0;
}

/* An input that was damaged or ended before its announced end: a
 * warning, or with --strict a failure (-1 with the message in err). */
static int
check_damage(const struct settings *s, media_reader *ra, media_reader *rb,
	kv_err *err)
{
	media_reader *r[2] = { ra, rb };

	for (int i = 0; i < 2; i++) {
		if (!media_reader_damage(r[i], err))
			continue;
		if (s->strict)
			return -1;
		cli_warn("warning: %s", err->msg);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct settings set = { .o = { .preset = SSIM_WANG, .sigma = NAN,
	    .k1 = NAN, .k2 = NAN }, .data_range = NAN,
	    .format = SSIM_FORMAT_CSV };
	ssim_plan plan;
	ssim_map_out *map = NULL;
	media_reader *ra, *rb;
	outfile *out;
	kv_err err;
	int rc = 0, dthreads;

	cli_init("ssim");
	/* The demuxers allocate every frame's packet afresh and free it a
	 * few frames later; by default glibc hands such blocks (0.6 MB for
	 * 768x576, 3 MB for 1080p) back to the kernel and faults them in
	 * again, zeroed, each time: keep them in the heap. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	parse_options(argc, argv, &set);
	cli_check_output(set.output);
	cli_check_output(set.map);
	resolve_params(&set);
	dthreads = ssim_decoder_threads(0);
	const media_raw *raw = set.raw.size || set.raw.pix_fmt || set.raw.rate ?
	    &set.raw : NULL;
	if ((ra = media_open_raw(set.ref, raw && is_raw(set.ref) ? raw : NULL,
	    dthreads, &err)) == NULL ||
	    (rb = media_open_raw(set.dist, raw && is_raw(set.dist) ? raw : NULL,
	    dthreads, &err)) == NULL)
		cli_fail(&err);
	if (ssim_plan_make(&plan, &set.p, set.channels, set.data_range, ra, rb,
	    &err) != 0)
		cli_fail(&err);
	if ((out = outfile_open(set.output, &err)) == NULL)
		cli_fail(&err);
	if (set.map != NULL && (map = ssim_map_open(set.map, &set.p, &plan,
	    media_reader_format(ra), &err)) == NULL)
		rc = -1;
	if (rc == 0)
		rc = run(&set, ra, rb, &plan, map, outfile_stream(out), &err);
	if (rc == 0)
		rc = check_damage(&set, ra, rb, &err);
	if (map != NULL) {
		if (rc == 0)
			rc = ssim_map_close(map, &err);
		else
			ssim_map_abort(map);
	}
	if (rc != 0) {
		outfile_abort(out);
		cli_fail(&err);
	}
	if (outfile_commit(out, &err) != 0)
		cli_fail(&err);
	media_close(ra);
	media_close(rb);
	return 0;
}
