/* kvae-balls: the KVAE paper's bouncing-ball videos (test data for
 * kvae-train). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "common/cli.h"
#include "core/outfile.h"
#include "media/balls.h"
#include "media/video.h"
#include "stream/seq.h"

static const char usage[] =
"Usage: kvae-balls [OPTION]... [-o OUT]\n"
"Write videos of white balls bouncing in a black box, as in the KVAE\n"
"paper's \"box\" data: elastic bounces off the walls and off each other,\n"
"sub-pixel positions drawn with exact area coverage, grey 8-bit frames.\n"
"With several sequences OUT holds a %d (e.g. train-%03d.mkv): one video\n"
"per sequence, numbered from 0. OUT \"-\" (the default, not a terminal)\n"
"writes one Y4M stream of all the sequences' frames, one after another.\n"
"\n"
"  -o, --output=OUT         the video(s); .mkv is lossless FFV1 (default -)\n"
"  -T, --frames=T           frames per sequence (default 50)\n"
"  -n, --sequences=S        how many sequences (default 1)\n"
"      --size=N             frame width and height in pixels (default 32)\n"
"      --balls=N            balls in the box (default 1)\n"
"      --radius=R           ball radius in pixels (default 3 x size/32)\n"
"      --dt=DT              time from frame to frame (default 0.2)\n"
"      --speed=MIN[,MAX]    speeds drawn uniformly in [MIN, MAX], pixels\n"
"                           per unit time (default 10,15 x size/32)\n"
"      --seed=N             random seed (default 1)\n"
"      --fps=F              frame rate written in the video (default 10)\n"
"      --codec=NAME         ffmpeg encoder (default ffv1 for .mkv, else\n"
"                           the container's own)\n"
"      --positions=FILE     also write the balls' centres, x,y per ball, one\n"
"                           record per frame, as a kvae-seq(5) CSV stream\n"
"      --threads=N          taken for scripts that give it to every\n"
"                           program: kvae-balls runs on one thread, its\n"
"                           video encoder too\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Example:\n"
"  kvae-balls -n 100 -T 20 --seed 1234 -o train-%03d.mkv --positions train.csv\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

enum { OPT_SIZE = 256, OPT_BALLS, OPT_RADIUS, OPT_DT, OPT_SPEED, OPT_SEED,
	OPT_FPS, OPT_CODEC, OPT_POSITIONS, OPT_THREADS };

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "frames", required_argument, NULL, 'T' },
	{ "sequences", required_argument, NULL, 'n' },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "balls", required_argument, NULL, OPT_BALLS },
	{ "radius", required_argument, NULL, OPT_RADIUS },
	{ "dt", required_argument, NULL, OPT_DT },
	{ "speed", required_argument, NULL, OPT_SPEED },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "fps", required_argument, NULL, OPT_FPS },
	{ "codec", required_argument, NULL, OPT_CODEC },
	{ "positions", required_argument, NULL, OPT_POSITIONS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct settings {
	const char *output, *positions, *codec, *speed;
	long frames, sequences, size, balls, fps;
	double radius, dt;		/* NAN: the size's default */
	unsigned long seed;
};

/* An output name with a sequence number: the text before and after one
 * printf conversion %d, %Nd or %0Nd ("%%" is a literal %). */
struct pattern {
	char *head, *tail;
	int width, zero;
};

/* Split `name` at its conversion into *p (1; free p->head and p->tail),
 * or 0 when it has none, -1 when it has a % that is not one of those or
 * more than one (then *p holds nothing to free). */
static int
pattern_parse(const char *name, struct pattern *p)
{
	size_t n = strlen(name), len = 0;
	int found = 0;
	char *out;

	p->head = calloc(n + 1, 1);
	p->tail = calloc(n + 1, 1);
	p->width = p->zero = 0;
	if (p->head == NULL || p->tail == NULL)
		cli_die("out of memory");
	out = p->head;
	for (const char *s = name; *s != '\0' && found >= 0; s++) {
		if (*s != '%') {
			out[len++] = *s;
		} else if (s[1] == '%') {
			out[len++] = '%';
			s++;
		} else if (found) {
			found = -1;		/* a second conversion */
		} else {
			if (*++s == '0') {
				p->zero = 1;
				s++;
			}
			while (*s >= '0' && *s <= '9' && p->width < 1000)
				p->width = p->width * 10 + (*s++ - '0');
			if (*s != 'd') {
				found = -1;	/* not a %d */
				break;
			}
			found = 1;
			out = p->tail;
			len = 0;
		}
	}
	if (found != 1) {
		free(p->head);
		free(p->tail);
	}
	return found;
}

/* The name of sequence k. */
static char *
pattern_name(const struct pattern *p, long k)
{
	char *name;
	int rc = p->zero ?
	    asprintf(&name, "%s%0*ld%s", p->head, p->width, k, p->tail) :
	    asprintf(&name, "%s%*ld%s", p->head, p->width, k, p->tail);

	if (rc < 0)
		cli_die("out of memory");
	return name;
}

/* --speed MIN[,MAX] */
static void
parse_speed(const char *arg, balls_params *bp)
{
	char *copy = strdup(arg), *comma;

	if (copy == NULL)
		cli_die("out of memory");
	comma = strchr(copy, ',');
	if (comma != NULL)
		*comma = '\0';
	bp->speed_min = cli_parse_double("--speed", copy, 0, 1e6);
	bp->speed_max = comma == NULL ? bp->speed_min :
	    cli_parse_double("--speed", comma + 1, 0, 1e6);
	if (bp->speed_max < bp->speed_min)
		cli_usage_error("--speed: '%s': MAX is below MIN", arg);
	free(copy);
}

static void
parse_options(int argc, char **argv, struct settings *s)
{
	int c;

	while ((c = getopt_long(argc, argv, "o:T:n:hV", options, NULL)) != -1) {
		switch (c) {
		case 'o': s->output = optarg; break;
		case 'T': s->frames = cli_parse_int("--frames", optarg, 1, 1L << 24); break;
		case 'n': s->sequences = cli_parse_int("--sequences", optarg, 1, 1L << 24); break;
		case OPT_SIZE: s->size = cli_parse_int("--size", optarg, 8, 4096); break;
		case OPT_BALLS: s->balls = cli_parse_int("--balls", optarg, 1, 100); break;
		case OPT_RADIUS: s->radius = cli_parse_double("--radius", optarg, 1e-3, 4096); break;
		case OPT_DT: s->dt = cli_parse_double("--dt", optarg, 1e-9, 1e6); break;
		case OPT_SPEED: s->speed = optarg; break;
		case OPT_SEED: s->seed = (unsigned long)cli_parse_int("--seed", optarg, 0, 4294967295LL); break;
		case OPT_FPS: s->fps = cli_parse_int("--fps", optarg, 1, 1000); break;
		case OPT_CODEC: s->codec = optarg; break;
		case OPT_POSITIONS: s->positions = optarg; break;
		case OPT_THREADS: cli_threads(optarg); break;
		default: cli_standard_option(c, usage);
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
}

/* ffv1 for .mkv (lossless grey), else what the user or the suffix says. */
static const char *
choose_codec(const char *codec, const char *path)
{
	size_t n = strlen(path);

	if (codec == NULL && n >= 4 && strcasecmp(path + n - 4, ".mkv") == 0)
		return "ffv1";
	return codec;
}

int
main(int argc, char **argv)
{
	struct settings s = { .frames = 50, .sequences = 1, .size = 32,
	    .balls = 1, .fps = 10, .radius = NAN, .dt = NAN, .seed = 1 };
	struct pattern pat = { 0 };
	balls_params bp;
	balls_ball *b;
	media_format fmt;
	media_writer *w = NULL;
	outfile *pout = NULL;
	seq_writer *pw = NULL;
	seq_layout pl = { .format = SEQ_CSV, .scalar = SEQ_F64 };
	char **names, **colnames;
	uint8_t *img;
	double *work, *xy;
	gsl_rng *rng;
	int numbered, to_stdout;
	kv_err err;

	cli_init("kvae-balls");
	parse_options(argc, argv, &s);
	balls_params_default(&bp, (int)s.size);
	bp.nballs = (int)s.balls;
	if (!isnan(s.radius))
		bp.radius = s.radius;
	if (!isnan(s.dt))
		bp.dt = s.dt;
	if (s.speed != NULL)
		parse_speed(s.speed, &bp);
	if (balls_params_check(&bp, &err) != 0)
		cli_usage_error("%s", err.msg);

	/* the outputs, all checked before any work */
	if (s.output == NULL)
		s.output = "-";
	to_stdout = path_is_std(s.output);
	if (to_stdout && isatty(STDOUT_FILENO))
		cli_usage_error("will not write video to a terminal; give -o "
		    "FILE or a pipe");
	if (s.positions != NULL && to_stdout && path_is_std(s.positions))
		cli_usage_error("the video and --positions cannot both go to "
		    "stdout");
	numbered = to_stdout ? 0 : pattern_parse(s.output, &pat);
	if (s.sequences > 1 && !to_stdout && numbered != 1)
		cli_usage_error("-o %s: with %ld sequences the name needs one "
		    "%%d (e.g. train-%%03d.mkv)%s", s.output, s.sequences,
		    numbered < 0 ? "; write a literal % as %%" : "");
	if (numbered != 1)
		numbered = 0;
	names = calloc((size_t)s.sequences, sizeof *names);
	if (names == NULL)
		cli_die("out of memory");
	for (long k = 0; k < s.sequences; k++) {
		names[k] = numbered ? pattern_name(&pat, k) : strdup(s.output);
		if (names[k] == NULL)
			cli_die("out of memory");
		if (!to_stdout)
			cli_check_output(names[k]);
	}
	cli_check_output(s.positions);

	b = calloc((size_t)bp.nballs, sizeof *b);
	xy = calloc(2 * (size_t)bp.nballs, sizeof *xy);
	colnames = calloc(2 * (size_t)bp.nballs, sizeof *colnames);
	img = malloc((size_t)bp.size * bp.size);
	work = malloc((size_t)bp.size * bp.size * sizeof *work);
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (b == NULL || xy == NULL || colnames == NULL || img == NULL ||
	    work == NULL || rng == NULL)
		cli_die("out of memory");
	gsl_rng_set(rng, s.seed);
	for (int k = 0; k < 2 * bp.nballs; k++)
		if (asprintf(&colnames[k], "%c%d", k % 2 ? 'y' : 'x',
		    k / 2) < 0)
			cli_die("out of memory");
	pl.dim = 2 * (size_t)bp.nballs;
	pl.names = colnames;
	if (s.positions != NULL && ((pout = outfile_open(s.positions,
	    &err)) == NULL || (pw = seq_writer_open(outfile_stream(pout),
	    outfile_name(pout), &pl, &err)) == NULL))
		cli_fail(&err);

	fmt = (media_format){ .width = bp.size, .height = bp.size,
	    .nplanes = 1, .plane_w = { bp.size }, .plane_h = { bp.size },
	    .sample = MEDIA_U8, .depth = 8, .color = MEDIA_GRAY,
	    .matrix = MEDIA_BT601, .full_range = 1, .fps_num = (int)s.fps,
	    .fps_den = 1, .pix_fmt = "gray" };
	for (long k = 0; k < s.sequences; k++) {
		if (w == NULL && (w = media_writer_open(names[k], &fmt,
		    to_stdout ? "yuv4mpegpipe" : NULL,
		    choose_codec(s.codec, names[k]), &err)) == NULL)
			goto fail;
		if (balls_start(b, &bp, rng, &err) != 0)
			goto fail;
		for (long t = 0; t < s.frames; t++) {
			media_frame fr = { .plane = { img },
			    .stride = { bp.size }, .index = t };

			if (t > 0 && balls_step(b, &bp, bp.dt, &err) != 0)
				goto fail;
			balls_render(img, bp.size, work, b, &bp);
			if (media_write(w, &fr, &err) != 0)
				goto fail;
			for (int i = 0; i < bp.nballs; i++) {
				xy[2 * i] = b[i].x;
				xy[2 * i + 1] = b[i].y;
			}
			if (pw != NULL && seq_write(pw, xy, NULL, &err) != 0)
				goto fail;
		}
		if (pw != NULL && seq_write_break(pw, &err) != 0)
			goto fail;
		if (!to_stdout || k == s.sequences - 1) {
			if (media_writer_close(w, &err) != 0) {
				w = NULL;
				goto fail;
			}
			w = NULL;
		}
	}
	if (pw != NULL && (seq_writer_close(pw, &err) != 0 ||
	    outfile_commit(pout, &err) != 0))
		cli_fail(&err);
	for (long k = 0; k < s.sequences; k++)
		free(names[k]);
	for (int k = 0; k < 2 * bp.nballs; k++)
		free(colnames[k]);
	free(names);
	free(colnames);
	free(b);
	free(xy);
	free(img);
	free(work);
	gsl_rng_free(rng);
	if (numbered) {
		free(pat.head);
		free(pat.tail);
	}
	return 0;
fail:
	media_writer_abort(w);
	seq_writer_close(pw, NULL);
	outfile_abort(pout);
	cli_fail(&err);
}
