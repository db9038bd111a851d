/* pipeline.c: settings, the plan, the map output and the frame pipeline
 * of pipeline.h. */
#include "ssim/pipeline.h"

#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/threads.h"
#include "media/planes.h"

int
ssim_params_resolve(ssim_params *p, const ssim_overrides *o, kv_err *err)
{
	ssim_preset(p, o->preset);
	if (o->window) {
		if (p->window == SSIM_BLOCK8)
			return kv_errf(err, "--window: the ffmpeg preset has its "
			    "own 8x8 blocks");
		p->window = o->window;
	}
	if (o->win_size) {
		if (p->window == SSIM_BLOCK8)
			return kv_errf(err, "--win-size: the ffmpeg preset has "
			    "its own 8x8 blocks");
		p->win_size = o->win_size;
	}
	if (!isnan(o->sigma))
		p->sigma = o->sigma;
	if (!isnan(o->k1))
		p->k1 = o->k1;
	if (!isnan(o->k2))
		p->k2 = o->k2;
	if (o->downsample_set)
		p->downsample = o->downsample;
	p->ms_ssim = o->ms_ssim;
	if (p->window == SSIM_BLOCK8 && (p->ms_ssim || p->downsample != 1))
		return kv_errf(err, "the ffmpeg preset works on the stored "
		    "samples: no --ms-ssim or --downsample with it");
	return 0;
}

static const char *
color_name(enum media_color c)
{
	return c == MEDIA_RGB ? "RGB" : c == MEDIA_YUV ? "YUV" : "grey";
}

/* The plan for RGB against YUV or grey on luma: the RGB side's luma
 * mapped into the other side's representation. */
static int
mixed_luma_plan(ssim_plan *pl, const ssim_params *p, double data_range,
	const char *na, const char *nb, kv_err *err)
{
	int t = pl->side[0].color == MEDIA_RGB ? 1 : 0;	/* not RGB */
	const media_format *to = &pl->side[t], *rgb = &pl->side[1 - t];
	double rmax = media_sample_max(rgb), scale;

	if (p->window == SSIM_BLOCK8)
		return kv_errf(err, "%s is RGB: the ffmpeg preset scores the "
		    "stored planes (--channels rgb or all), not a computed "
		    "luma", t ? na : nb);
	pl->matrix = to->color == MEDIA_YUV ? to->matrix : rgb->matrix;
	if (to->color == MEDIA_YUV && !to->full_range &&
	    to->sample != MEDIA_F32) {
		scale = (double)(1u << to->depth) / 256;
		pl->gain[1 - t] = 219 * scale / rmax;
		pl->offset[1 - t] = 16 * scale;
	} else {
		pl->gain[1 - t] = media_sample_max(to) / rmax;
	}
	pl->nch = 1;
	pl->name[0] = 'Y';
	pl->plane[0] = -1;
	pl->weight[0] = 1;
	pl->L = isnan(data_range) ? media_sample_max(to) : data_range;
	pl->type = SSIM_F64;
	if (ssim_check(p, to->width, to->height, err) != 0)
		return kv_err_prefix(err, "%s: plane Y", t ? nb : na);
	return 0;
}

int
ssim_plan_make(ssim_plan *pl, const ssim_params *p,
	enum ssim_channels channels, double data_range,
	const media_reader *ra, const media_reader *rb, kv_err *err)
{
	const media_format *a = media_reader_format(ra);
	const media_format *b = media_reader_format(rb);
	const char *na = media_reader_name(ra), *nb = media_reader_name(rb);
	static const char yuv[] = "YUV", rgb[] = "RGB";
	double total = 0;

	int mixed;

	*pl = (ssim_plan){ 0 };
	if (a->width != b->width || a->height != b->height)
		return kv_errf(err, "sizes differ: %s is %dx%d, %s is %dx%d",
		    na, a->width, a->height, nb, b->width, b->height);
	pl->side[0] = *a;
	pl->side[1] = *b;
	pl->matrix = a->matrix;
	pl->gain[0] = pl->gain[1] = 1;
	mixed = channels == SSIM_CH_Y && a->color != b->color &&
	    (a->color == MEDIA_RGB || b->color == MEDIA_RGB);
	if (mixed)
		return mixed_luma_plan(pl, p, data_range, na, nb, err);
	if (a->color != b->color || a->nplanes != b->nplanes ||
	    a->log2_chroma_w != b->log2_chroma_w ||
	    a->log2_chroma_h != b->log2_chroma_h || a->sample != b->sample ||
	    a->depth != b->depth)
		return kv_errf(err, "pixel formats differ: %s is %s, %s is %s",
		    na, a->pix_fmt, nb, b->pix_fmt);
	switch (channels) {
	case SSIM_CH_Y:
		pl->nch = 1;
		pl->name[0] = 'Y';
		pl->plane[0] = a->color == MEDIA_RGB ? -1 : 0;
		if (pl->plane[0] < 0 && p->window == SSIM_BLOCK8)
			return kv_errf(err, "%s is RGB: the ffmpeg preset scores "
			    "the stored planes (--channels rgb or all), not a "
			    "computed luma", na);
		break;
	case SSIM_CH_RGB:
	case SSIM_CH_YUV: {
		enum media_color want = channels == SSIM_CH_RGB ? MEDIA_RGB :
		    MEDIA_YUV;
		if (a->color != want)
			return kv_errf(err, "--channels %s: %s is %s (%s); use "
			    "--channels y or all", want == MEDIA_RGB ? "rgb" :
			    "yuv", na, color_name(a->color), a->pix_fmt);
	}
		/* fall through */
	case SSIM_CH_ALL:
		pl->nch = a->nplanes;
		for (int c = 0; c < pl->nch; c++) {
			pl->name[c] = a->color == MEDIA_RGB ? rgb[c] : yuv[c];
			pl->plane[c] = c;
		}
		break;
	default:
		return kv_errf(err, "no such channel set: %d", (int)channels);
	}
	for (int c = 0; c < pl->nch; c++) {
		int k = pl->plane[c] < 0 ? 0 : pl->plane[c];
		pl->weight[c] = (double)a->plane_w[k] * a->plane_h[k];
		total += pl->weight[c];
	}
	for (int c = 0; c < pl->nch; c++)
		pl->weight[c] /= total;
	pl->L = isnan(data_range) ? media_sample_max(a) : data_range;
	pl->type = a->sample == MEDIA_U8 ? SSIM_U8 : a->sample == MEDIA_U16 ?
	    SSIM_U16 : SSIM_F32;
	for (int c = 0; c < pl->nch; c++) {
		int k = pl->plane[c] < 0 ? 0 : pl->plane[c];
		if (ssim_check(p, a->plane_w[k], a->plane_h[k], err) != 0)
			return kv_err_prefix(err, "%s: plane %c", na,
			    pl->name[c]);
	}
	return 0;
}

/* The two inputs are decoded on two threads (see read_pair), beside one
 * scoring thread per core (see ssim_pipeline_run). A decoder's own
 * threads (frame threads for most video codecs) cost CPU time in
 * hand-offs, and only pay where decoding on one thread would hold the
 * workers up: give each decoder half the scoring threads. With 2 cores
 * one thread each took 10% less CPU time (200 frames of 768x576, Y4M
 * against x264). */
int
ssim_decoder_threads(int threads)
{
	int n = (threads > 0 ? threads : threads_count()) / 2;

	return n < 1 ? 1 : n;
}

/* ---- the map output ---- */

struct ssim_map_out {
	int mw, mh;		/* the map */
	uint8_t *map8;		/* as an 8-bit grey frame, even size */
	int m8w, m8h;
	media_writer *w;
};

ssim_map_out *
ssim_map_open(const char *path, const ssim_params *p, const ssim_plan *pl,
	const media_format *f, kv_err *err)
{
	ssim_map_out *m = calloc(1, sizeof *m);
	int k = pl->plane[0] < 0 ? 0 : pl->plane[0];

	if (m == NULL) {
		kv_errf(err, "out of memory");
		return NULL;
	}
	ssim_map_size(p, f->plane_w[k], f->plane_h[k], &m->mw, &m->mh);
	/* Even sides, so that encoders with subsampled chroma take it. */
	m->m8w = (m->mw + 1) & ~1;
	m->m8h = (m->mh + 1) & ~1;
	m->map8 = malloc((size_t)m->m8w * m->m8h);
	if (m->map8 == NULL) {
		kv_errf(err, "out of memory");
		free(m);
		return NULL;
	}
	media_format mf = { .width = m->m8w, .height = m->m8h, .nplanes = 1,
	    .plane_w = { m->m8w }, .plane_h = { m->m8h }, .sample = MEDIA_U8,
	    .depth = 8, .color = MEDIA_GRAY, .matrix = MEDIA_BT601,
	    .full_range = 1, .fps_num = f->fps_num, .fps_den = f->fps_den,
	    .pix_fmt = "gray" };
	m->w = media_writer_open(path, &mf, NULL, NULL, err);
	if (m->w == NULL) {
		free(m->map8);
		free(m);
		return NULL;
	}
	return m;
}

/* One map (mw x mh doubles) as the next frame, edges repeated to the
 * even size. */
static int
map_write(ssim_map_out *m, const double *map, int64_t index, kv_err *err)
{
	media_frame fr = { .plane = { m->map8 }, .stride = { m->m8w },
	    .index = index };

	for (int y = 0; y < m->m8h; y++) {
		const double *src = map + (size_t)(y < m->mh ? y : m->mh - 1)
		    * m->mw;
		uint8_t *dst = m->map8 + (size_t)y * m->m8w;
		for (int x = 0; x < m->m8w; x++) {
			double v = src[x < m->mw ? x : m->mw - 1];
			v = v < 0 ? 0 : v > 1 ? 1 : v;
			dst[x] = (uint8_t)lround(v * 255);
		}
	}
	return media_write(m->w, &fr, err);
}

int
ssim_map_close(ssim_map_out *m, kv_err *err)
{
	int rc = media_writer_close(m->w, err);

	free(m->map8);
	free(m);
	return rc;
}

void
ssim_map_abort(ssim_map_out *m)
{
	if (m == NULL)
		return;
	media_writer_abort(m->w);
	free(m->map8);
	free(m);
}

/* ---- one frame pair ---- */

/* One frame pair on its way through the run: decoded and kept by the
 * main thread, scored by a worker, handed on by the main thread. */
enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

struct slot {
	int state;
	media_frame fa, fb;
	media_kept *ka, *kb;
	double score[SSIM_MAX_CH + 1];
	int failed;		/* scoring failed: err says why */
	kv_err err;
	double *luma[2];	/* RGB input scored on luma */
	double *map;		/* the first channel's map */
	int alloced;		/* slot_alloc ran */
};

/* The buffers of one slot, once, when it first takes a pair (so that
 * a short input with many threads does not allocate every slot): luma
 * planes for RGB input, the map. */
static int
slot_alloc(struct slot *sl, const ssim_plan *pl, const ssim_map_out *m,
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
	if (m != NULL && (sl->map = malloc((size_t)m->mw * m->mh *
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

static ssim_image
plane_image(const ssim_plan *pl, const media_format *f,
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

/* The luma of side s's frame as doubles (see ssim_plan). */
static void
side_luma(const ssim_plan *pl, int s, const media_frame *fr, double *out)
{
	media_format f = pl->side[s];
	size_t n = (size_t)f.width * f.height;

	if (f.color != MEDIA_RGB) {
		media_plane_get(out, &f, fr, 0);
		return;
	}
	f.matrix = pl->matrix;
	media_luma(&f, fr, out);
	if (pl->gain[s] != 1 || pl->offset[s] != 0)
		for (size_t i = 0; i < n; i++)
			out[i] = pl->gain[s] * out[i] + pl->offset[s];
}

/* Score the slot's pair: per channel, then All (last), into sl->score;
 * the first channel's map into sl->map when there is one. */
static int
score_frame(const ssim_params *p, const ssim_plan *pl,
	const media_format *f, struct slot *sl, kv_err *err)
{
	double *score = sl->score;

	score[pl->nch] = 0;
	if (pl->plane[0] < 0) {
		side_luma(pl, 0, &sl->fa, sl->luma[0]);
		side_luma(pl, 1, &sl->fb, sl->luma[1]);
	}
	for (int c = 0; c < pl->nch; c++) {
		ssim_image x = plane_image(pl, f, &sl->fa, c, sl->luma[0]);
		ssim_image y = plane_image(pl, f, &sl->fb, c, sl->luma[1]);
		if (ssim_compute(p, &x, &y, pl->L, &score[c],
		    c == 0 ? sl->map : NULL, err) != 0)
			return kv_err_prefix(err, "frame %lld: plane %c",
			    (long long)sl->fa.index + 1, pl->name[c]);
		score[pl->nch] += pl->weight[c] * score[c];
	}
	if (p->window == SSIM_BLOCK8) {
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

/* ---- the pipeline ---- */

/* The frame loop runs as a pipeline, so that decoding and scoring
 * overlap and no core waits for the other: the main thread decodes
 * pair k + 1 (the reference itself, the distorted input on a second
 * thread; both kept, by reference) while worker threads score earlier
 * pairs, each pair on one thread, and hands the scores on in frame
 * order. A ring of slots bounds the frames in memory. An input of one
 * pair (two images) is scored on the main thread instead, its rows
 * split among the OpenMP threads. */
struct pipeline {
	const ssim_params *p;
	const ssim_plan *pl;
	const media_format *f;
	const ssim_run_opts *o;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;	/* a pair is ready to score, or quit */
	pthread_cond_t main_cv;	/* a pair is scored */
	struct slot *slot;	/* pair k in slot[k % nslot] */
	int nslot;
	int64_t nread;		/* pairs decoded and handed over */
	int64_t ntaken;		/* pairs taken by workers */
	int64_t nhanded;	/* pairs handed on and let go */
	int quit;
	ssim_totals *t;
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
		sl->failed = score_frame(p->p, p->pl, p->f, sl, &sl->err) != 0;
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
 * when both inputs end (or one does, with `shortest`), -1 with a
 * message: a decoding error, or one input ending before the other
 * (`done` pairs were read before). */
static int
read_pair(int shortest, struct inputs *in, int64_t done, struct slot *sl,
	kv_err *err)
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
	if (ea == eb || shortest)
		return 0;
	return kv_errf(err, "frame counts differ: %s has %lld frame%s, %s has "
	    "more (--shortest compares the first %lld)",
	    media_reader_name(ea == 0 ? in->ra : in->rb), (long long)done,
	    done == 1 ? "" : "s", media_reader_name(ea == 0 ? in->rb :
	    in->ra), (long long)done);
}

/* Hand a scored pair on (its map to the map output, its scores to
 * on_frame); add it to the totals. */
static int
hand_on(struct pipeline *p, const struct slot *sl, kv_err *err)
{
	const double *score = sl->score;
	const ssim_run_opts *o = p->o;
	ssim_totals *t = p->t;
	int nch = p->pl->nch;

	if (sl->failed) {
		*err = sl->err;
		return -1;
	}
	if (o->map != NULL && map_write(o->map, sl->map, sl->fa.index,
	    err) != 0)
		return -1;
	t->frames++;
	for (int c = 0; c <= nch; c++)
		t->sum[c] += score[c];
	if (score[nch] < t->min_all) {
		t->min_all = score[nch];
		t->min_frame = t->frames;
	}
	if (o->on_frame != NULL && o->on_frame(o->ctx, (int64_t)t->frames,
	    score, err) != 0)
		return -1;
	return 0;
}

enum { ACT_HAND_ON, ACT_READ, ACT_END };

/* What the main thread does next: hand on the oldest pair once scored,
 * else read into a free slot, else wait; ACT_END when all is handed on
 * after the inputs ended. */
static int
next_action(struct pipeline *p, int ended)
{
	int act;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->nhanded < p->nread &&
		    p->slot[p->nhanded % p->nslot].state == SLOT_DONE) {
			act = ACT_HAND_ON;
			break;
		}
		if (!ended && p->nread - p->nhanded < p->nslot) {
			act = ACT_READ;
			break;
		}
		if (ended && p->nhanded == p->nread) {
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
pipeline_loop(struct pipeline *p, struct inputs *in, kv_err *err)
{
	int ended = 0, end_rc = 0;
	kv_err end_err;

	for (;;) {
		int act = next_action(p, ended);
		if (act == ACT_END)
			break;
		if (act == ACT_HAND_ON) {
			struct slot *sl = &p->slot[p->nhanded % p->nslot];
			if (hand_on(p, sl, err) != 0)
				return -1;
			slot_release(sl);
			pthread_mutex_lock(&p->mu);
			p->nhanded++;
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		struct slot *sl = &p->slot[p->nread % p->nslot];
		int rc = slot_alloc(sl, p->pl, p->o->map, p->f) != 0 ?
		    kv_errf(&end_err, "out of memory") :
		    read_pair(p->o->shortest, in, p->nread, sl, &end_err);
		if (rc != 1) {
			/* hand on what was read before, then stop */
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

/* One thread: read, score and hand on each pair in turn, here. */
static int
run_serial(struct pipeline *p, struct inputs *in, kv_err *err)
{
	struct slot *sl = &p->slot[0];

	for (;;) {
		int rc = slot_alloc(sl, p->pl, p->o->map, p->f) != 0 ?
		    kv_errf(err, "out of memory") :
		    read_pair(p->o->shortest, in, p->nread, sl, err);
		if (rc != 1)
			return rc < 0 ? -1 : 0;
		p->nread++;
		sl->failed = score_frame(p->p, p->pl, p->f, sl, &sl->err) != 0;
		rc = hand_on(p, sl, err);
		slot_release(sl);
		if (rc != 0)
			return -1;
	}
}

/* Read the first two pairs; with only one, score it here on all OpenMP
 * threads; else start the workers and run the pipeline. */
static int
run_pairs(struct pipeline *p, int nworkers, struct inputs *in, kv_err *err)
{
	pthread_t th[nworkers];
	int started = 0, rc = 0;

	while (p->nread < 2) {
		struct slot *sl = &p->slot[p->nread];
		rc = slot_alloc(sl, p->pl, p->o->map, p->f) != 0 ?
		    kv_errf(err, "out of memory") :
		    read_pair(p->o->shortest, in, p->nread, sl, err);
		if (rc != 1)
			break;
		p->nread++;
	}
	if (p->nread < 2) {
		for (int k = 0; k < p->nread; k++) {
			struct slot *sl = &p->slot[k];
			kv_err e;
			sl->failed = score_frame(p->p, p->pl, p->f, sl,
			    &sl->err) != 0;
			if (hand_on(p, sl, &e) != 0) {
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
	rc = pipeline_loop(p, in, err);
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return rc;
}

int
ssim_pipeline_run(const ssim_params *prm, const ssim_plan *pl,
	media_reader *ra, media_reader *rb, const ssim_run_opts *o,
	ssim_totals *t, kv_err *err)
{
	int nworkers = o->threads > 0 ? o->threads : threads_count();
	struct pipeline p = { .p = prm, .pl = pl, .f = media_reader_format(ra),
	    .o = o, .nslot = nworkers + 2, .t = t };
	struct inputs in = { .ra = ra, .rb = rb };
	int rc;

	*t = (ssim_totals){ .min_all = INFINITY };
	p.slot = calloc((size_t)p.nslot, sizeof *p.slot);
	if (p.slot == NULL)
		return kv_errf(err, "out of memory");
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.work_cv, NULL);
	pthread_cond_init(&p.main_cv, NULL);
	if (nworkers == 1) {
		rc = run_serial(&p, &in, err);
	} else {
		inputs_start(&in);
		rc = run_pairs(&p, nworkers, &in, err);
		inputs_stop(&in);
	}
	for (int k = 0; k < p.nslot; k++)
		slot_free(&p.slot[k]);
	free(p.slot);
	pthread_cond_destroy(&p.main_cv);
	pthread_cond_destroy(&p.work_cv);
	pthread_mutex_destroy(&p.mu);
	return rc != 0 ? -1 : 0;
}
