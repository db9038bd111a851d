/* ssim: structural similarity of two images or videos, frame by frame. */
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "media/video.h"
#include "core/outfile.h"
#include "core/progress.h"
#include "ssim/ssim.h"

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
"  -c, --channels=SET       y (default: luma; for RGB BT.601/709 luma),\n"
"                           rgb, yuv, or all (every plane as stored), with\n"
"                           an All score weighted by plane size\n"
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
"  -j, --threads=N          scoring threads (default: one per core): N\n"
"                           frames at a time, or one image pair's rows\n"
"  -q, --quiet              no summary or progress on stderr\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Examples:\n"
"  ssim ref.mp4 out.mp4 > ssim.csv\n"
"  ssim --preset ffmpeg --format ffmpeg ref.mp4 out.mp4   # = ffmpeg -lavfi ssim\n"
"  [ \"$(ssim -s ref.mp4 out.mp4)\" \\> 0.9 ] || echo 'quality gate failed'\n"
"  ffmpeg -i out.mkv -f yuv4mpegpipe - | ssim ref.y4m -\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

enum { CH_DEFAULT, CH_Y, CH_RGB, CH_YUV, CH_ALL };
enum { FMT_CSV, FMT_FFMPEG };

enum {
	OPT_WINDOW = 256, OPT_WIN_SIZE, OPT_SIGMA, OPT_K1, OPT_K2,
	OPT_DATA_RANGE, OPT_DOWNSAMPLE, OPT_MS_SSIM, OPT_DB, OPT_SHORTEST
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
	{ "threads", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct settings {
	ssim_params p;
	int preset;
	/* overrides of the preset; 0 or NaN: not given */
	int window, win_size, downsample_set, downsample, ms_ssim;
	double sigma, k1, k2, data_range;
	int channels, format, summary_only, db, shortest, quiet;
	const char *output, *map;
	const char *ref, *dist;
};

#define MAXCH 3

/* What is scored in each frame pair. */
struct plan {
	int nch;
	char name[MAXCH];	/* 'Y', 'U', 'V', 'R', 'G', 'B' */
	int plane[MAXCH];	/* plane index, or -1: computed luma */
	double weight[MAXCH];	/* for All: share of the samples */
	double L;
	enum ssim_type type;
};

struct totals {
	size_t frames;
	double sum[MAXCH + 1];
	double min_all;
	size_t min_frame;
};

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
	static const int chan_v[] = { CH_Y, CH_RGB, CH_YUV, CH_ALL };
	static const char *const fmts[] = { "csv", "ffmpeg", NULL };
	static const int fmt_v[] = { FMT_CSV, FMT_FFMPEG };
	int c;

	while ((c = getopt_long(argc, argv, "p:c:f:o:sm:j:qhV", options,
	    NULL)) != -1) {
		switch (c) {
		case 'p':
			s->preset = parse_choice("--preset", optarg, presets,
			    preset_v);
			break;
		case OPT_WINDOW:
			s->window = parse_choice("--window", optarg, windows,
			    window_v);
			break;
		case OPT_WIN_SIZE:
			s->win_size = (int)cli_parse_int("--win-size", optarg, 3,
			    63);
			if (s->win_size % 2 == 0)
				cli_usage_error("--win-size: %d is even; the "
				    "window needs a centre", s->win_size);
			break;
		case OPT_SIGMA:
			s->sigma = cli_parse_double("--sigma", optarg, 1e-3, 1e3);
			break;
		case OPT_K1:
			s->k1 = cli_parse_double("--k1", optarg, 0, 1);
			break;
		case OPT_K2:
			s->k2 = cli_parse_double("--k2", optarg, 1e-9, 1);
			break;
		case OPT_DATA_RANGE:
			s->data_range = cli_parse_double("--data-range", optarg,
			    1e-30, 1e30);
			break;
		case OPT_DOWNSAMPLE:
			s->downsample_set = 1;
			s->downsample = strcmp(optarg, "auto") == 0 ?
			    SSIM_DOWNSAMPLE_AUTO :
			    (int)cli_parse_int("--downsample", optarg, 1, 64);
			break;
		case OPT_MS_SSIM:
			s->ms_ssim = 1;
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
		case OPT_SHORTEST:
			s->shortest = 1;
			break;
		case 'j':
			omp_set_num_threads((int)cli_parse_int("--threads",
			    optarg, 1, 1024));
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
}

/* The preset, then the options that override parts of it. */
static void
resolve_params(struct settings *s)
{
	ssim_params *p = &s->p;

	ssim_preset(p, s->preset);
	if (s->window) {
		if (p->window == SSIM_BLOCK8)
			cli_usage_error("--window: the ffmpeg preset has its own "
			    "8x8 blocks");
		p->window = s->window;
	}
	if (s->win_size) {
		if (p->window == SSIM_BLOCK8)
			cli_usage_error("--win-size: the ffmpeg preset has its "
			    "own 8x8 blocks");
		p->win_size = s->win_size;
	}
	if (!isnan(s->sigma))
		p->sigma = s->sigma;
	if (!isnan(s->k1))
		p->k1 = s->k1;
	if (!isnan(s->k2))
		p->k2 = s->k2;
	if (s->downsample_set)
		p->downsample = s->downsample;
	p->ms_ssim = s->ms_ssim;
	if (p->window == SSIM_BLOCK8 && (p->ms_ssim || p->downsample != 1))
		cli_usage_error("the ffmpeg preset works on the stored samples: "
		    "no --ms-ssim or --downsample with it");
	if (s->map && p->ms_ssim)
		cli_usage_error("--map: MS-SSIM has no single map");
	if (s->channels == CH_DEFAULT)
		s->channels = s->format == FMT_FFMPEG ? CH_ALL : CH_Y;
}

static const char *
color_name(enum media_color c)
{
	return c == MEDIA_RGB ? "RGB" : c == MEDIA_YUV ? "YUV" : "grey";
}

/* Both inputs must hold the same planes; decide what to score. */
static int
make_plan(const struct settings *s, const media_reader *ra,
	const media_reader *rb, struct plan *pl, kv_err *err)
{
	const media_format *a = media_reader_format(ra);
	const media_format *b = media_reader_format(rb);
	const char *na = media_reader_name(ra), *nb = media_reader_name(rb);
	static const char yuv[] = "YUV", rgb[] = "RGB";
	double total = 0;

	if (a->width != b->width || a->height != b->height)
		return kv_errf(err, "sizes differ: %s is %dx%d, %s is %dx%d",
		    na, a->width, a->height, nb, b->width, b->height);
	if (a->color != b->color || a->nplanes != b->nplanes ||
	    a->log2_chroma_w != b->log2_chroma_w ||
	    a->log2_chroma_h != b->log2_chroma_h || a->sample != b->sample ||
	    a->depth != b->depth)
		return kv_errf(err, "pixel formats differ: %s is %s, %s is %s",
		    na, a->pix_fmt, nb, b->pix_fmt);
	switch (s->channels) {
	case CH_Y:
		pl->nch = 1;
		pl->name[0] = 'Y';
		pl->plane[0] = a->color == MEDIA_RGB ? -1 : 0;
		if (pl->plane[0] < 0 && s->p.window == SSIM_BLOCK8)
			return kv_errf(err, "%s is RGB: the ffmpeg preset scores "
			    "the stored planes (--channels rgb or all), not a "
			    "computed luma", na);
		break;
	case CH_RGB:
	case CH_YUV: {
		enum media_color want = s->channels == CH_RGB ? MEDIA_RGB :
		    MEDIA_YUV;
		if (a->color != want)
			return kv_errf(err, "--channels %s: %s is %s (%s); use "
			    "--channels y or all", want == MEDIA_RGB ? "rgb" :
			    "yuv", na, color_name(a->color), a->pix_fmt);
	}
		/* fall through */
	case CH_ALL:
		pl->nch = a->nplanes;
		for (int c = 0; c < pl->nch; c++) {
			pl->name[c] = a->color == MEDIA_RGB ? rgb[c] : yuv[c];
			pl->plane[c] = c;
		}
		break;
	}
	for (int c = 0; c < pl->nch; c++) {
		int k = pl->plane[c] < 0 ? 0 : pl->plane[c];
		pl->weight[c] = (double)a->plane_w[k] * a->plane_h[k];
		total += pl->weight[c];
	}
	for (int c = 0; c < pl->nch; c++)
		pl->weight[c] /= total;
	pl->L = isnan(s->data_range) ? media_sample_max(a) : s->data_range;
	pl->type = a->sample == MEDIA_U8 ? SSIM_U8 : a->sample == MEDIA_U16 ?
	    SSIM_U16 : SSIM_F32;
	for (int c = 0; c < pl->nch; c++) {
		int k = pl->plane[c] < 0 ? 0 : pl->plane[c];
		if (ssim_check(&s->p, a->plane_w[k], a->plane_h[k], err) != 0)
			return kv_err_prefix(err, "%s: plane %c", na,
			    pl->name[c]);
	}
	return 0;
}

/* One frame pair on its way through the run: decoded and kept by the
 * main thread, scored by a worker, printed by the main thread. */
enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

struct slot {
	int state;
	media_frame fa, fb;
	media_kept *ka, *kb;
	double score[MAXCH + 1];
	int failed;		/* scoring failed: err says why */
	kv_err err;
	double *luma[2];	/* RGB input scored on luma */
	double *map;		/* the first channel's map */
	int alloced;		/* slot_alloc ran */
};

/* The map writer, which lives through the run. */
struct work {
	int mw, mh;		/* the map */
	uint8_t *map8;		/* as an 8-bit grey frame, even size */
	int m8w, m8h;
	media_writer *mapw;
};

static int
work_init(struct work *w, const struct settings *s, const struct plan *pl,
	const media_format *f, kv_err *err)
{
	if (s->map == NULL)
		return 0;
	{
		int k = pl->plane[0] < 0 ? 0 : pl->plane[0];
		ssim_map_size(&s->p, f->plane_w[k], f->plane_h[k], &w->mw,
		    &w->mh);
	}
	/* Even sides, so that encoders with subsampled chroma take it. */
	w->m8w = (w->mw + 1) & ~1;
	w->m8h = (w->mh + 1) & ~1;
	w->map8 = malloc((size_t)w->m8w * w->m8h);
	if (w->map8 == NULL)
		return kv_errf(err, "out of memory");
	media_format mf = { .width = w->m8w, .height = w->m8h, .nplanes = 1,
	    .plane_w = { w->m8w }, .plane_h = { w->m8h }, .sample = MEDIA_U8,
	    .depth = 8, .color = MEDIA_GRAY, .matrix = MEDIA_BT601,
	    .full_range = 1, .fps_num = f->fps_num, .fps_den = f->fps_den,
	    .pix_fmt = "gray" };
	w->mapw = media_writer_open(s->map, &mf, NULL, NULL, err);
	return w->mapw == NULL ? -1 : 0;
}

/* The buffers of one slot, once, when it first takes a pair (so that
 * a short input with many threads does not allocate every slot): luma
 * planes for RGB input, the map. */
static int
slot_alloc(struct slot *sl, const struct plan *pl, const struct work *w,
	const media_format *f)
{
	size_t n = (size_t)f->width * f->height;

	if (sl->alloced)
		return 0;
	sl->alloced = 1;
	if (pl->plane[0] < 0) {
		if ((sl->luma[0] = malloc(2 * n * sizeof(double))) == NULL)
			return -1;
		sl->luma[1] = sl->luma[0] + n;
	}
	if (w->mapw != NULL && (sl->map = malloc((size_t)w->mw * w->mh *
	    sizeof *sl->map)) == NULL)
		return -1;
	return 0;
}

/* Let go of the slot's frames. */
static void
slot_release(struct slot *sl)
{
	media_kept_free(sl->ka);
	media_kept_free(sl->kb);
	sl->ka = sl->kb = NULL;
	sl->state = SLOT_FREE;
}

static void
slot_free(struct slot *sl)
{
	slot_release(sl);
	free(sl->luma[0]);
	free(sl->map);
}

static int
write_map(struct work *w, const double *map, int64_t index, kv_err *err)
{
	media_frame fr = { .plane = { w->map8 }, .stride = { w->m8w },
	    .index = index };

	for (int y = 0; y < w->m8h; y++) {
		const double *src = map + (size_t)(y < w->mh ? y : w->mh - 1)
		    * w->mw;
		uint8_t *dst = w->map8 + (size_t)y * w->m8w;
		for (int x = 0; x < w->m8w; x++) {
			double v = src[x < w->mw ? x : w->mw - 1];
			v = v < 0 ? 0 : v > 1 ? 1 : v;
			dst[x] = (uint8_t)lround(v * 255);
		}
	}
	return media_write(w->mapw, &fr, err);
}

static ssim_image
plane_image(const struct plan *pl, const media_format *f,
	const media_frame *fr, int c, const double *luma)
{
	int k = pl->plane[c];

	if (k < 0)
		return (ssim_image){ .data = luma, .stride = (ptrdiff_t)f->width *
		    (ptrdiff_t)sizeof(double), .width = f->width,
		    .height = f->height, .type = SSIM_F64 };
	return (ssim_image){ .data = fr->plane[k], .stride = fr->stride[k],
	    .width = f->plane_w[k], .height = f->plane_h[k],
	    .type = pl->type };
}

/* Score the slot's pair: per channel, then All (last), into sl->score;
 * the first channel's map into sl->map when there is one. */
static int
score_frame(const struct settings *s, const struct plan *pl,
	const media_format *f, struct slot *sl, kv_err *err)
{
	double *score = sl->score;

	score[pl->nch] = 0;
	if (pl->plane[0] < 0) {
		media_luma(f, &sl->fa, sl->luma[0]);
		media_luma(f, &sl->fb, sl->luma[1]);
	}
	for (int c = 0; c < pl->nch; c++) {
		ssim_image x = plane_image(pl, f, &sl->fa, c, sl->luma[0]);
		ssim_image y = plane_image(pl, f, &sl->fb, c, sl->luma[1]);
		if (ssim_compute(&s->p, &x, &y, pl->L, &score[c],
		    c == 0 ? sl->map : NULL, err) != 0)
			return kv_err_prefix(err, "frame %lld: plane %c",
			    (long long)sl->fa.index + 1, pl->name[c]);
		score[pl->nch] += pl->weight[c] * score[c];
	}
	if (s->p.window == SSIM_BLOCK8) {
		/* ffmpeg keeps plane scores, weights and All in float. */
		float all = 0;
		for (int c = 0; c < pl->nch; c++) {
			score[c] = (float)score[c];
			all += (float)pl->weight[c] * (float)score[c];
		}
		score[pl->nch] = all;
	}
	if (pl->nch == 1)
		score[1] = score[0];
	return 0;
}

static double
shown(const struct settings *s, double v)
{
	return s->db ? ssim_db(v) : v;
}

static void
print_header(const struct settings *s, const struct plan *pl, FILE *fp)
{
	if (s->format != FMT_CSV)
		return;
	fputs("frame", fp);
	for (int c = 0; c < pl->nch; c++)
		fprintf(fp, ",%c", pl->name[c]);
	fputs(pl->nch > 1 ? ",All\n" : "\n", fp);
}

static void
print_frame(const struct settings *s, const struct plan *pl, int64_t n,
	const double *score, FILE *fp)
{
	if (s->format == FMT_FFMPEG) {
		/* ffmpeg's stats_file line, "%f" throughout. */
		fprintf(fp, "n:%lld ", (long long)n);
		for (int c = 0; c < pl->nch; c++)
			fprintf(fp, "%c:%f ", pl->name[c], score[c]);
		fprintf(fp, "All:%f (%f)\n", score[pl->nch],
		    ssim_db(score[pl->nch]));
		return;
	}
	fprintf(fp, "%lld", (long long)n);
	for (int c = 0; c < pl->nch; c++)
		fprintf(fp, s->db ? ",%.6f" : ",%.8f", shown(s, score[c]));
	if (pl->nch > 1)
		fprintf(fp, s->db ? ",%.6f" : ",%.8f", shown(s, score[pl->nch]));
	fputc('\n', fp);
}

static void
print_summary(const struct settings *s, const struct plan *pl,
	const struct totals *t, FILE *out)
{
	double n = (double)t->frames, all = t->sum[pl->nch] / n;

	if (s->summary_only) {
		fprintf(out, s->db ? "%.6f\n" : "%.8f\n", shown(s, all));
		return;
	}
	if (s->quiet)
		return;
	fprintf(stderr, "%s: %zu frame%s, mean", cli_progname(), t->frames,
	    t->frames == 1 ? "" : "s");
	for (int c = 0; c < pl->nch; c++)
		fprintf(stderr, " %c %.6f", pl->name[c], t->sum[c] / n);
	if (pl->nch > 1)
		fprintf(stderr, " All %.6f", all);
	fprintf(stderr, " (%.3f dB), min %.6f (frame %zu)\n", ssim_db(all),
	    t->min_all, t->min_frame);
}

/* The frame loop runs as a pipeline, so that decoding and scoring
 * overlap and no core waits for the other: the main thread decodes
 * pair k + 1 (the reference itself, the distorted input on a second
 * thread; both kept, by reference) while worker threads score earlier
 * pairs, each pair on one thread, and prints the scores in frame
 * order. A ring of slots bounds the frames in memory. An input
 * of one pair (two images) is scored on the main thread instead, its
 * rows split among the OpenMP threads. */
struct pipeline {
	const struct settings *s;
	const struct plan *pl;
	const media_format *f;
	const struct work *w;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;	/* a pair is ready to score, or quit */
	pthread_cond_t main_cv;	/* a pair is scored */
	struct slot *slot;	/* pair k in slot[k % nslot] */
	int nslot;
	int64_t nread;		/* pairs decoded and handed over */
	int64_t ntaken;		/* pairs taken by workers */
	int64_t nprinted;	/* pairs printed and let go */
	int quit;
};

#define WORKER_NICE 5

/* A worker: score pairs in order of frames until told to quit. */
static void *
worker(void *arg)
{
	struct pipeline *p = arg;

	/* Frames run in parallel: each on this thread alone. */
	omp_set_num_threads(1);
	/* The decoding on the main thread is the pipeline's serial part:
	 * when it has work, it should not wait for a core behind the
	 * workers, or the workers run dry later (the scores do not depend
	 * on this; 2 cores, 768x576: 0.250 against 0.261 s). Linux: nice
	 * is per thread. Failure changes only the speed. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), WORKER_NICE);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->ntaken == p->nread)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->quit)
			break;
		struct slot *sl = &p->slot[p->ntaken++ % p->nslot];
		sl->state = SLOT_BUSY;
		pthread_mutex_unlock(&p->mu);
		sl->failed = score_frame(p->s, p->pl, p->f, sl, &sl->err) != 0;
		pthread_mutex_lock(&p->mu);
		sl->state = SLOT_DONE;
		pthread_cond_signal(&p->main_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The two inputs. The distorted one is decoded on a thread of its own
 * (when it could be started), at the same time as the reference. */
struct inputs {
	media_reader *ra, *rb;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started, quit;
	struct slot *want;	/* read rb into this slot; NULL: idle */
	int rc;			/* its result: 1, 0 or -1 */
	kv_err err;
};

/* The next distorted frame into sl->fb, kept: 1, 0 at the end, or -1
 * with a message. */
static int
read_dist(media_reader *rb, struct slot *sl, kv_err *err)
{
	int rc = media_read(rb, &sl->fb, err);

	if (rc == 1 && (sl->kb = media_keep(rb, &sl->fb)) == NULL)
		return kv_errf(err, "out of memory");
	return rc;
}

static void *
dist_reader(void *arg)
{
	struct inputs *in = arg;

	pthread_mutex_lock(&in->mu);
	for (;;) {
		while (in->want == NULL && !in->quit)
			pthread_cond_wait(&in->cv, &in->mu);
		if (in->quit)
			break;
		struct slot *sl = in->want;
		pthread_mutex_unlock(&in->mu);
		int rc = read_dist(in->rb, sl, &in->err);
		pthread_mutex_lock(&in->mu);
		in->rc = rc;
		in->want = NULL;
		pthread_cond_broadcast(&in->cv);
	}
	pthread_mutex_unlock(&in->mu);
	return NULL;
}

static void
inputs_start(struct inputs *in)
{
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->cv, NULL);
	in->started = pthread_create(&in->th, NULL, dist_reader, in) == 0;
}

static void
inputs_stop(struct inputs *in)
{
	if (in->started) {
		pthread_mutex_lock(&in->mu);
		in->quit = 1;
		pthread_cond_broadcast(&in->cv);
		pthread_mutex_unlock(&in->mu);
		pthread_join(in->th, NULL);
	}
	pthread_cond_destroy(&in->cv);
	pthread_mutex_destroy(&in->mu);
}

/* The next frame of each input into sl, kept. Returns 1 with a pair, 0
 * when both inputs end (or one does, with --shortest), -1 with a
 * message: a decoding error, or one input ending before the other
 * (`done` pairs were read before). */
static int
read_pair(const struct settings *s, struct inputs *in, int64_t done,
	struct slot *sl, kv_err *err)
{
	kv_err errb;
	int ea, eb;

	if (in->started) {
		pthread_mutex_lock(&in->mu);
		in->want = sl;
		pthread_cond_broadcast(&in->cv);
		pthread_mutex_unlock(&in->mu);
	}
	ea = media_read(in->ra, &sl->fa, err);
	if (ea == 1 && (sl->ka = media_keep(in->ra, &sl->fa)) == NULL)
		ea = kv_errf(err, "out of memory");
	if (in->started) {
		pthread_mutex_lock(&in->mu);
		while (in->want != NULL)
			pthread_cond_wait(&in->cv, &in->mu);
		eb = in->rc;
		errb = in->err;
		pthread_mutex_unlock(&in->mu);
	} else {
		eb = read_dist(in->rb, sl, &errb);
	}
	if (ea < 0)
		return -1;
	if (eb < 0) {
		*err = errb;
		return -1;
	}
	if (ea == 1 && eb == 1)
		return 1;
	slot_release(sl);
	if (ea == eb || s->shortest)
		return 0;
	return kv_errf(err, "frame counts differ: %s has %lld frame%s, %s has "
	    "more (--shortest compares the first %lld)",
	    media_reader_name(ea == 0 ? in->ra : in->rb), (long long)done,
	    done == 1 ? "" : "s", media_reader_name(ea == 0 ? in->rb :
	    in->ra), (long long)done);
}

struct output {
	FILE *fp;
	struct work *w;
	struct totals t;
	progress prog;
};

/* Print a scored pair (and write its map); add it to the totals. */
static int
print_pair(const struct settings *s, const struct plan *pl, struct output *o,
	const struct slot *sl, kv_err *err)
{
	const double *score = sl->score;
	struct totals *t = &o->t;

	if (sl->failed) {
		*err = sl->err;
		return -1;
	}
	if (o->w->mapw != NULL && write_map(o->w, sl->map, sl->fa.index,
	    err) != 0)
		return -1;
	t->frames++;
	for (int c = 0; c <= pl->nch; c++)
		t->sum[c] += score[c];
	if (score[pl->nch] < t->min_all) {
		t->min_all = score[pl->nch];
		t->min_frame = t->frames;
	}
	if (!s->summary_only)
		print_frame(s, pl, (int64_t)t->frames, score, o->fp);
	progress_update(&o->prog, t->frames);
	return 0;
}

enum { ACT_PRINT, ACT_READ, ACT_END };

/* What the main thread does next: print the oldest pair once scored,
 * else read into a free slot, else wait; ACT_END when all is printed
 * after the inputs ended. */
static int
next_action(struct pipeline *p, int ended)
{
	int act;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->nprinted < p->nread &&
		    p->slot[p->nprinted % p->nslot].state == SLOT_DONE) {
			act = ACT_PRINT;
			break;
		}
		if (!ended && p->nread - p->nprinted < p->nslot) {
			act = ACT_READ;
			break;
		}
		if (ended && p->nprinted == p->nread) {
			act = ACT_END;
			break;
		}
		pthread_cond_wait(&p->main_cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return act;
}

/* The main thread's loop once the workers run: returns 0, or -1 with the
 * first error in frame order. */
static int
pipeline_loop(struct pipeline *p, struct inputs *in, struct output *o,
	kv_err *err)
{
	int ended = 0, end_rc = 0;
	kv_err end_err;

	for (;;) {
		int act = next_action(p, ended);
		if (act == ACT_END)
			break;
		if (act == ACT_PRINT) {
			struct slot *sl = &p->slot[p->nprinted % p->nslot];
			if (print_pair(p->s, p->pl, o, sl, err) != 0)
				return -1;
			slot_release(sl);
			pthread_mutex_lock(&p->mu);
			p->nprinted++;
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		struct slot *sl = &p->slot[p->nread % p->nslot];
		int rc = slot_alloc(sl, p->pl, p->w, p->f) != 0 ?
		    kv_errf(&end_err, "out of memory") :
		    read_pair(p->s, in, p->nread, sl, &end_err);
		if (rc != 1) {
			/* print what was read before, then stop */
			ended = 1;
			end_rc = rc;
			continue;
		}
		pthread_mutex_lock(&p->mu);
		sl->state = SLOT_READY;
		p->nread++;
		pthread_cond_signal(&p->work_cv);
		pthread_mutex_unlock(&p->mu);
	}
	if (end_rc < 0) {
		*err = end_err;
		return -1;
	}
	return 0;
}

/* Read the first two pairs; with only one, score it here on all OpenMP
 * threads; else start the workers and run the pipeline. */
static int
run_pairs(struct pipeline *p, int nworkers, struct inputs *in,
	struct output *o, kv_err *err)
{
	pthread_t th[nworkers];
	int started = 0, rc = 0;

	while (p->nread < 2) {
		struct slot *sl = &p->slot[p->nread];
		rc = slot_alloc(sl, p->pl, p->w, p->f) != 0 ?
		    kv_errf(err, "out of memory") :
		    read_pair(p->s, in, p->nread, sl, err);
		if (rc != 1)
			break;
		p->nread++;
	}
	if (p->nread < 2) {
		for (int k = 0; k < p->nread; k++) {
			struct slot *sl = &p->slot[k];
			kv_err e;
			sl->failed = score_frame(p->s, p->pl, p->f, sl,
			    &sl->err) != 0;
			if (print_pair(p->s, p->pl, o, sl, &e) != 0) {
				*err = e;
				return -1;
			}
		}
		return rc < 0 ? -1 : 0;
	}
	for (int k = 0; k < 2; k++)
		p->slot[k].state = SLOT_READY;
	for (; started < nworkers; started++)
		if (pthread_create(&th[started], NULL, worker, p) != 0)
			break;
	if (started == 0)
		return kv_errf(err, "cannot start a thread");
	rc = pipeline_loop(p, in, o, err);
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return rc;
}

/* Score every pair, print the lines and the summary. */
static int
run(const struct settings *s, media_reader *ra, media_reader *rb,
	const struct plan *pl, struct work *w, FILE *out, kv_err *err)
{
	int nworkers = omp_get_max_threads();
	struct pipeline p = { .s = s, .pl = pl, .f = media_reader_format(ra),
	    .w = w, .nslot = nworkers + 2 };
	struct output o = { .fp = out, .w = w, .t = { .min_all = INFINITY } };
	struct inputs in = { .ra = ra, .rb = rb };
	int rc;

	p.slot = calloc((size_t)p.nslot, sizeof *p.slot);
	if (p.slot == NULL)
		return kv_errf(err, "out of memory");
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.work_cv, NULL);
	pthread_cond_init(&p.main_cv, NULL);
	progress_start(&o.prog, "frames", 0, s->quiet || s->summary_only);
	if (!s->summary_only)
		print_header(s, pl, out);
	inputs_start(&in);
	rc = run_pairs(&p, nworkers, &in, &o, err);
	inputs_stop(&in);
	for (int k = 0; k < p.nslot; k++)
		slot_free(&p.slot[k]);
	free(p.slot);
	pthread_cond_destroy(&p.main_cv);
	pthread_cond_destroy(&p.work_cv);
	pthread_mutex_destroy(&p.mu);
	if (rc != 0)
		return -1;
	if (o.prog.tty && !o.prog.quiet)
		progress_end(&o.prog);
	print_summary(s, pl, &o.t, out);
	return 0;
}

int
main(int argc, char **argv)
{
	struct settings set = { .sigma = NAN, .k1 = NAN, .k2 = NAN,
	    .data_range = NAN, .preset = SSIM_WANG };
	struct plan plan = { 0 };
	struct work work = { 0 };
	media_reader *ra, *rb;
	outfile *out;
	kv_err err;
	int rc, dthreads;

	cli_init("ssim");
	/* The demuxers allocate every frame's packet afresh and free it a
	 * few frames later; by default glibc hands such blocks (0.6 MB for
	 * 768x576, 3 MB for 1080p) back to the kernel and faults them in
	 * again, zeroed, each time: keep them in the heap. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	parse_options(argc, argv, &set);
	resolve_params(&set);
	/* The two inputs are decoded on two threads (see read_pair),
	 * beside one scoring thread per core (see run). A decoder's own
	 * threads (frame threads for most video codecs) cost CPU time in
	 * hand-offs, and only pay where decoding on one thread would hold
	 * the workers up: give each decoder half the scoring threads. With
	 * 2 cores one thread each took 10% less CPU time (200 frames of
	 * 768x576, Y4M against x264). */
	dthreads = omp_get_max_threads() / 2;
	if (dthreads < 1)
		dthreads = 1;
	if ((ra = media_open(set.ref, dthreads, &err)) == NULL ||
	    (rb = media_open(set.dist, dthreads, &err)) == NULL)
		cli_fail(&err);
	if (make_plan(&set, ra, rb, &plan, &err) != 0)
		cli_fail(&err);
	if ((out = outfile_open(set.output, &err)) == NULL)
		cli_fail(&err);
	rc = work_init(&work, &set, &plan, media_reader_format(ra), &err);
	if (rc == 0)
		rc = run(&set, ra, rb, &plan, &work, outfile_stream(out), &err);
	if (work.mapw != NULL) {
		if (rc == 0)
			rc = media_writer_close(work.mapw, &err);
		else
			media_writer_abort(work.mapw);
	}
	if (rc != 0) {
		outfile_abort(out);
		cli_fail(&err);
	}
	if (outfile_commit(out, &err) != 0)
		cli_fail(&err);
	media_close(ra);
	media_close(rb);
	free(work.map8);
	return 0;
}
