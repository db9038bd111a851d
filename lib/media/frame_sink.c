/* frame_sink.c: a model's frames, as bytes, to the video or images the
 * output name asks for. The encoding is media_writer's (video.h); here
 * are only the choice by name, the mapping of [-1, 1] to bytes, the
 * scaling for viewing and the image patterns. */
#include "media/frame_sink.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/outfile.h"
#include "media/video.h"

#define KNOWN_NAMES "known: .mkv (FFV1, lossless), .mp4 (H.264), .gif, " \
	".y4m or - (Y4M on stdout), an image pattern such as out%04d.png " \
	"(also .pgm, .ppm, .bmp, .tif), a single image (.png, ...), or " \
	"another video suffix ffmpeg writes (.avi, .mov, .webm, ...)"

/* The largest frame side taken: keeps every size product in range. */
#define MAX_SIDE 16384

enum sink_kind { SINK_VIDEO, SINK_PATTERN };

/* How a name is written: media_writer_open_as's arguments. */
typedef struct sink_plan {
	enum sink_kind kind;
	const char *container;	/* NULL: by the suffix */
	const char *codec;	/* NULL: the container's default */
	const char *pix_gray;	/* encoder pixel format, or NULL: the */
	const char *pix_rgb;	/* closest one the encoder takes */
	int palette;		/* RGB as pal8, a palette per frame */
} sink_plan;

/* A colour of a frame (0xRRGGBB), how many pixels have it, and its
 * palette index. */
typedef struct sink_colour {
	uint32_t rgb, n;
	int index;
} sink_colour;

struct frame_sink {
	char *path;
	sink_plan plan;
	int width, height, channels;	/* of the frames given */
	media_format fmt;		/* of the bytes the writer gets */
	media_writer *w;		/* SINK_VIDEO */
	struct SwsContext *sws;		/* to the output size, or NULL */
	uint8_t *bytes;			/* (C, height, width) */
	uint8_t *out;			/* (C, fmt.height, fmt.width): bytes
					   itself when not scaled */
	FILE *spool;			/* SINK_PATTERN: frames until close */
	uint8_t *index;			/* plan.palette: (height, width) */
	uint32_t palette[256];		/* 0xAARRGGBB */
	sink_colour *colours;		/* (width x height) */
	int64_t count;
};

static const char *const image_suffixes[] = {
	".png", ".pgm", ".ppm", ".bmp", ".tif", ".tiff", NULL
};

/* The suffix of the last component of path (".mkv"), or NULL. */
static const char *
suffix(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	return dot != NULL && dot[1] != '\0' ? dot : NULL;
}

static int
is_image_suffix(const char *suf)
{
	for (int i = 0; suf != NULL && image_suffixes[i] != NULL; i++)
		if (strcasecmp(suf, image_suffixes[i]) == 0)
			return 1;
	return 0;
}

/* Whether path is an image2-style pattern ("%d", "%04d"): libavformat's
 * own reading of it, so that names are those ffmpeg would write. */
static int
is_pattern(const char *path)
{
	char buf[4096];

	return strchr(path, '%') != NULL &&
	    av_get_frame_filename2(buf, sizeof buf, path, 1, 0) == 0;
}

/* A name without a suffix for a descriptor or device ("/dev/stdout",
 * "/dev/fd/3"): written as Y4M, as "-" is. */
static int
is_stream_name(const char *path)
{
	return path_is_std(path) || (suffix(path) == NULL &&
	    (strncmp(path, "/dev/", 5) == 0 ||
	    strncmp(path, "/proc/self/fd/", 14) == 0));
}

/* How `path` is written, or -1 with a message naming it. */
static int
plan_for(const char *path, sink_plan *p, kv_err *err)
{
	const char *suf = suffix(path);
	const AVOutputFormat *of;

	memset(p, 0, sizeof *p);
	p->kind = SINK_VIDEO;
	if (is_stream_name(path)) {
		p->container = "yuv4mpegpipe";
		p->pix_rgb = "yuv444p";
		return 0;
	}
	if (is_pattern(path)) {
		const char *slash = strrchr(path, '/');
		if (!is_image_suffix(suf))
			return kv_errf(err, "%s: an image pattern ends in .png, "
			    ".pgm, .ppm, .bmp or .tif (%s)", path,
			    KNOWN_NAMES);
		if (slash != NULL && memchr(path, '%', (size_t)(slash - path)))
			return kv_errf(err, "%s: a pattern is for the file "
			    "name, not the directory", path);
		p->kind = SINK_PATTERN;
		return 0;
	}
	if (suf == NULL)
		return kv_errf(err, "%s: no suffix to choose the output by "
		    "(%s)", path, KNOWN_NAMES);
	if (strcasecmp(suf, ".mkv") == 0) {
		p->codec = "ffv1";
		p->pix_rgb = "bgr0";	/* FFV1's lossless 8-bit RGB */
		return 0;
	}
	if (strcasecmp(suf, ".mp4") == 0) {
		if (avcodec_find_encoder_by_name("libx264") == NULL)
			return kv_errf(err, "%s: this FFmpeg has no H.264 "
			    "encoder (libx264) for .mp4; write .mkv instead "
			    "(FFV1, lossless)", path);
		p->codec = "libx264";
		p->pix_gray = p->pix_rgb = "yuv420p";
		return 0;
	}
	if (strcasecmp(suf, ".gif") == 0) {
		p->palette = 1;	/* grey is exact as it is */
		return 0;
	}
	if (strcasecmp(suf, ".y4m") == 0) {
		p->pix_rgb = "yuv444p";
		return 0;
	}
	/* Anything else media_writer would take by its suffix. */
	of = av_guess_format(NULL, path, NULL);
	if (of != NULL) {
		enum AVCodecID id = av_guess_codec(of, NULL, path, NULL,
		    AVMEDIA_TYPE_VIDEO);
		if (id != AV_CODEC_ID_NONE && avcodec_find_encoder(id) != NULL)
			return 0;
	}
	return kv_errf(err, "%s: unknown output suffix %s (%s)", path, suf,
	    KNOWN_NAMES);
}

int
frame_sink_name_ok(const char *path, kv_err *err)
{
	sink_plan p;

	return plan_for(path ? path : "-", &p, err) == 0;
}

/* The name of frame i (0-based) of a pattern: numbered from 1, as
 * ffmpeg's image2 muxer numbers them. */
static int
frame_name(char *buf, size_t n, const char *pattern, int64_t i)
{
	if (i + 1 > INT32_MAX)
		return -1;
	return av_get_frame_filename2(buf, (int)n, pattern, (int)(i + 1), 0);
}

static void
sink_free(frame_sink *s)
{
	if (s->out != s->bytes)
		free(s->out);
	free(s->index);
	free(s->colours);
	free(s->bytes);
	sws_freeContext(s->sws);
	if (s->spool != NULL)
		fclose(s->spool);
	free(s->path);
	free(s);
}

/* An unnamed temporary file in $TMPDIR (or /tmp): gone when closed or
 * when the process ends, however it ends. */
static FILE *
spool_open(const char *path, kv_err *err)
{
	const char *dir = getenv("TMPDIR");
	char name[4096];
	FILE *fp;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(name, sizeof name, "%s/kvae-frames.XXXXXX", dir);
	if ((fd = mkstemp(name)) < 0) {
		kv_errf(err, "%s: a temporary file in %s: %s", path, dir,
		    strerror(errno));
		return NULL;
	}
	unlink(name);
	if ((fp = fdopen(fd, "w+b")) == NULL) {
		kv_errf(err, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return fp;
}

/* The format of the bytes media_writer gets. */
static void
bytes_format(media_format *m, int w, int h, int channels, int fps_num,
	int fps_den)
{
	memset(m, 0, sizeof *m);
	m->width = w;
	m->height = h;
	m->nplanes = channels;
	for (int c = 0; c < channels; c++) {
		m->plane_w[c] = w;
		m->plane_h[c] = h;
	}
	m->sample = MEDIA_U8;
	m->depth = 8;
	m->color = channels == 1 ? MEDIA_GRAY : MEDIA_RGB;
	m->matrix = MEDIA_BT601;
	m->full_range = 1;
	m->fps_num = fps_num;
	m->fps_den = fps_den;
	snprintf(m->pix_fmt, sizeof m->pix_fmt, "%s",
	    channels == 1 ? "gray" : "gbrp");
}

/* Plane pointers of a (C, H, W) byte buffer in the order libswscale
 * has them: gray, or gbrp's G, B, R. */
static void
sws_planes(uint8_t *buf, int channels, int w, int h, uint8_t *p[4],
	int stride[4])
{
	size_t n = (size_t)w * h;

	memset(p, 0, 4 * sizeof *p);
	memset(stride, 0, 4 * sizeof *stride);
	if (channels == 1) {
		p[0] = buf;
		stride[0] = w;
		return;
	}
	p[0] = buf + n;		/* G */
	p[1] = buf + 2 * n;	/* B */
	p[2] = buf;		/* R */
	stride[0] = stride[1] = stride[2] = w;
}

static const char *
pix_for(const frame_sink *s)
{
	return s->channels == 1 ? s->plan.pix_gray : s->plan.pix_rgb;
}

frame_sink *
frame_sink_open(const char *path, const frame_sink_opts *o, kv_err *err)
{
	frame_sink *s;
	int ow, oh, fn, fd;
	size_t n;

	if (path == NULL)
		path = "-";
	if (o->channels != 1 && o->channels != 3) {
		kv_errf(err, "%s: frames of %d channels (1 grey or 3 RGB)",
		    path, o->channels);
		return NULL;
	}
	ow = o->out_width > 0 ? o->out_width : o->width;
	oh = o->out_height > 0 ? o->out_height : o->height;
	if (o->width <= 0 || o->height <= 0 || o->width > MAX_SIDE ||
	    o->height > MAX_SIDE || ow > MAX_SIDE || oh > MAX_SIDE ||
	    o->out_width < 0 || o->out_height < 0) {
		kv_errf(err, "%s: frame size %dx%d (output %dx%d): sides are "
		    "1 to %d", path, o->width, o->height, ow, oh, MAX_SIDE);
		return NULL;
	}
	fn = o->fps_num;
	fd = o->fps_den;
	if (fn == 0 && fd == 0) {
		fn = 25;
		fd = 1;
	}
	if (fn <= 0 || fd <= 0) {
		kv_errf(err, "%s: frame rate %d/%d", path, o->fps_num,
		    o->fps_den);
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		kv_errf(err, "out of memory");
		free(s);
		return NULL;
	}
	s->width = o->width;
	s->height = o->height;
	s->channels = o->channels;
	if (plan_for(path, &s->plan, err) != 0)
		goto fail;
	if (s->plan.codec && strcmp(s->plan.codec, "libx264") == 0 &&
	    (ow % 2 != 0 || oh % 2 != 0)) {
		kv_errf(err, "%s: H.264 in yuv420p takes even sizes only, not "
		    "%dx%d; scale to an even size or write .mkv", path, ow, oh);
		goto fail;
	}
	bytes_format(&s->fmt, ow, oh, o->channels, fn, fd);
	n = (size_t)o->width * o->height * o->channels;
	if ((s->bytes = malloc(n)) == NULL) {
		kv_errf(err, "out of memory");
		goto fail;
	}
	s->out = s->bytes;
	if (ow != o->width || oh != o->height) {
		int flags = SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT |
		    SWS_FULL_CHR_H_INP | (ow < o->width || oh < o->height ?
		    SWS_AREA : SWS_BICUBIC);
		enum AVPixelFormat pf = o->channels == 1 ? AV_PIX_FMT_GRAY8 :
		    AV_PIX_FMT_GBRP;
		s->sws = sws_getContext(o->width, o->height, pf, ow, oh, pf,
		    flags, NULL, NULL, NULL);
		s->out = malloc((size_t)ow * oh * o->channels);
		if (s->sws == NULL || s->out == NULL) {
			kv_errf(err, "%s: cannot scale %dx%d to %dx%d", path,
			    o->width, o->height, ow, oh);
			goto fail;
		}
	}
	if (s->plan.palette && o->channels == 3) {
		s->index = malloc((size_t)ow * oh);
		s->colours = malloc(sizeof *s->colours * ow * oh);
		if (s->index == NULL || s->colours == NULL) {
			kv_errf(err, "out of memory");
			goto fail;
		}
		s->fmt.nplanes = 1;
		snprintf(s->fmt.pix_fmt, sizeof s->fmt.pix_fmt, "pal8");
	}
	if (s->plan.kind == SINK_PATTERN) {
		char first[4096];
		if (frame_name(first, sizeof first, path, 0) != 0) {
			kv_errf(err, "%s: a bad pattern", path);
			goto fail;
		}
		if (outfile_check(first, err) != 0 ||
		    (s->spool = spool_open(path, err)) == NULL)
			goto fail;
		return s;
	}
	s->w = media_writer_open_as(path, &s->fmt, s->plan.container,
	    s->plan.codec, pix_for(s), err);
	if (s->w == NULL)
		goto fail;
	return s;
fail:
	sink_free(s);
	return NULL;
}

/* ---- a palette per frame, for GIF: median cut ---- */

static int
by_rgb(const void *a, const void *b)
{
	uint32_t x = ((const sink_colour *)a)->rgb;
	uint32_t y = ((const sink_colour *)b)->rgb;

	return (x > y) - (x < y);
}

#define BY_CHANNEL(name, shift) \
static int \
name(const void *a, const void *b) \
{ \
	uint32_t x = ((const sink_colour *)a)->rgb >> (shift) & 255; \
	uint32_t y = ((const sink_colour *)b)->rgb >> (shift) & 255; \
	return (x > y) - (x < y); \
}
BY_CHANNEL(by_red, 16)
BY_CHANNEL(by_green, 8)
BY_CHANNEL(by_blue, 0)

/* A box of colours: cols[start .. start + len). */
typedef struct cut_box {
	size_t start, len;
	int range, channel;	/* the widest channel (shift) and its range */
} cut_box;

static void
box_measure(const sink_colour *cols, cut_box *b)
{
	int best = -1;

	for (int shift = 0; shift <= 16; shift += 8) {
		int lo = 255, hi = 0;
		for (size_t i = b->start; i < b->start + b->len; i++) {
			int v = cols[i].rgb >> shift & 255;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		if (hi - lo > best) {
			best = hi - lo;
			b->channel = shift;
		}
	}
	b->range = best;
}

/* s->index and s->palette for the RGB frame in s->out: the frame's own
 * colours when it has at most 256 (then exact), else 256 boxes by
 * median cut (split the box with the widest channel range at the
 * pixel-weighted median of that channel), each colour given its box's
 * weighted mean. */
static void
quantize(frame_sink *s)
{
	size_t np = (size_t)s->fmt.width * s->fmt.height, m = 0;
	const uint8_t *r = s->out, *g = r + np, *b = g + np;
	sink_colour *cols = s->colours;
	cut_box box[256];
	int nb = 1;

	for (size_t i = 0; i < np; i++)
		cols[i] = (sink_colour){ (uint32_t)r[i] << 16 |
		    (uint32_t)g[i] << 8 | b[i], 1, 0 };
	qsort(cols, np, sizeof *cols, by_rgb);
	for (size_t i = 0; i < np; i++) {
		if (m > 0 && cols[m - 1].rgb == cols[i].rgb)
			cols[m - 1].n++;
		else
			cols[m++] = cols[i];
	}
	box[0] = (cut_box){ 0, m, 0, 0 };
	box_measure(cols, &box[0]);
	while (nb < 256) {
		int k = -1;
		uint64_t total = 0, half = 0;
		size_t cut;
		for (int i = 0; i < nb; i++)
			if (box[i].len > 1 && (k < 0 ||
			    box[i].range > box[k].range))
				k = i;
		if (k < 0)
			break;
		qsort(cols + box[k].start, box[k].len, sizeof *cols,
		    box[k].channel == 16 ? by_red : box[k].channel == 8 ?
		    by_green : by_blue);
		for (size_t i = box[k].start; i < box[k].start + box[k].len; i++)
			total += cols[i].n;
		for (cut = box[k].start; cut < box[k].start + box[k].len - 1;
		    cut++) {
			half += cols[cut].n;
			if (2 * half >= total)
				break;
		}
		cut++;	/* the first colour of the second box */
		box[nb] = (cut_box){ cut, box[k].start + box[k].len - cut,
		    0, 0 };
		box[k].len = cut - box[k].start;
		box_measure(cols, &box[k]);
		box_measure(cols, &box[nb]);
		nb++;
	}
	memset(s->palette, 0, sizeof s->palette);
	for (int k = 0; k < nb; k++) {
		double sum[3] = { 0 }, n = 0;
		for (size_t i = box[k].start; i < box[k].start + box[k].len;
		    i++) {
			for (int c = 0; c < 3; c++)
				sum[c] += (double)(cols[i].rgb >> (16 - 8 * c) &
				    255) * cols[i].n;
			n += cols[i].n;
			cols[i].index = k;
		}
		s->palette[k] = 0xFF000000u;
		for (int c = 0; c < 3; c++)
			s->palette[k] |= (uint32_t)floor(sum[c] / n + 0.5) <<
			    (16 - 8 * c);
	}
	qsort(cols, m, sizeof *cols, by_rgb);
	for (size_t i = 0; i < np; i++) {
		sink_colour key = { (uint32_t)r[i] << 16 |
		    (uint32_t)g[i] << 8 | b[i], 0, 0 };
		const sink_colour *hit = bsearch(&key, cols, m, sizeof *cols,
		    by_rgb);
		s->index[i] = (uint8_t)hit->index;
	}
}

/* The model's values as bytes: clipped to [-1, 1], round((v + 1) 127.5).
 * NaN is an error: no byte says "missing". */
static int
to_bytes(frame_sink *s, const float *frame, kv_err *err)
{
	size_t n = (size_t)s->width * s->height * s->channels;

	for (size_t i = 0; i < n; i++) {
		double v = frame[i];
		if (isnan(v)) {
			size_t plane = (size_t)s->width * s->height;
			return kv_errf(err, "%s: frame %lld: NaN at channel "
			    "%zu, row %zu, column %zu", s->path,
			    (long long)s->count + 1, i / plane,
			    i % plane / (size_t)s->width,
			    i % (size_t)s->width);
		}
		v = v < -1 ? -1 : v > 1 ? 1 : v;
		s->bytes[i] = (uint8_t)floor((v + 1) * 127.5 + 0.5);
	}
	return 0;
}

int
frame_sink_write(frame_sink *s, const float *frame, kv_err *err)
{
	const media_format *m = &s->fmt;
	size_t plane = (size_t)m->width * m->height;

	if (to_bytes(s, frame, err) != 0)
		return -1;
	if (s->sws != NULL) {
		uint8_t *src[4], *dst[4];
		int ss[4], ds[4];
		sws_planes(s->bytes, s->channels, s->width, s->height, src,
		    ss);
		sws_planes(s->out, s->channels, m->width, m->height, dst, ds);
		sws_scale(s->sws, (const uint8_t *const *)src, ss, 0,
		    s->height, dst, ds);
	}
	if (s->plan.kind == SINK_PATTERN) {
		if (fwrite(s->out, 1, plane * m->nplanes, s->spool) !=
		    plane * m->nplanes)
			return kv_errf(err, "%s: frame %lld: a temporary file: "
			    "%s", s->path, (long long)s->count + 1,
			    strerror(errno));
		s->count++;
		return 0;
	}
	media_frame f = { .index = s->count };
	for (int c = 0; c < m->nplanes; c++) {
		f.plane[c] = s->out + c * plane;
		f.stride[c] = m->width;
	}
	if (s->index != NULL) {
		quantize(s);
		f.plane[0] = s->index;
		f.plane[1] = s->palette;
	}
	s->count++;
	return media_write(s->w, &f, err);
}

/* Remove the first n files of a pattern written into dir, and dir. */
static void
remove_temps(const char *dir, const char *pattern, int64_t n)
{
	char name[4096], tmp[8192];

	for (int64_t i = 0; i < n; i++) {
		if (frame_name(name, sizeof name, pattern, i) != 0)
			continue;
		const char *base = strrchr(name, '/');
		snprintf(tmp, sizeof tmp, "%s/%s", dir, base ? base + 1 : name);
		unlink(tmp);
	}
	rmdir(dir);
}

/* Encode the spooled frames of a pattern, each into a file of its name
 * in a temporary directory beside the pattern's files, then move them
 * all into place. A failure before the moves leaves nothing, and what
 * would make a move fail (a directory at a frame's name) is looked for
 * first; the moves are renames within one directory, so one that still
 * fails (an I/O error) is rare: then the frames already moved are
 * removed again and the rest thrown away (no half set, but a file that
 * was at a moved frame's name is gone). An interrupt during this close
 * may leave the hidden temporary directory behind. */
static int
close_pattern(frame_sink *s, kv_err *err)
{
	const media_format *m = &s->fmt;
	size_t size = (size_t)m->width * m->height * m->nplanes;
	char dir[4096], name[4096], tmp[8192];
	const char *slash = strrchr(s->path, '/');
	int64_t i = 0, moved = 0;

	if (s->count == 0)
		return kv_errf(err, "%s: no frames to write", s->path);
	if (slash != NULL)
		snprintf(dir, sizeof dir, "%.*s/.kvae-frames.XXXXXX",
		    (int)(slash - s->path), s->path);
	else
		snprintf(dir, sizeof dir, ".kvae-frames.XXXXXX");
	if (fflush(s->spool) != 0 || fseeko(s->spool, 0, SEEK_SET) != 0)
		return kv_errf(err, "%s: a temporary file: %s", s->path,
		    strerror(errno));
	if (mkdtemp(dir) == NULL)
		return kv_errf(err, "%s: a temporary directory beside it: %s",
		    s->path, strerror(errno));
	for (i = 0; i < s->count; i++) {
		media_writer *w;
		media_frame f = { .index = 0 };
		const char *base;
		if (fread(s->out, 1, size, s->spool) != size) {
			kv_errf(err, "%s: frame %lld: a temporary file: %s",
			    s->path, (long long)i + 1, strerror(errno));
			goto fail;
		}
		frame_name(name, sizeof name, s->path, i);
		base = strrchr(name, '/');
		snprintf(tmp, sizeof tmp, "%s/%s", dir, base ? base + 1 : name);
		for (int c = 0; c < m->nplanes; c++) {
			f.plane[c] = s->out + (size_t)c * m->width * m->height;
			f.stride[c] = m->width;
		}
		w = media_writer_open_as(tmp, m, NULL, NULL, pix_for(s), err);
		if (w == NULL || media_write(w, &f, err) != 0) {
			media_writer_abort(w);
			kv_err_prefix(err, "%s: frame %lld", name,
			    (long long)i + 1);
			goto fail;
		}
		if (media_writer_close(w, err) != 0) {
			kv_err_prefix(err, "%s: frame %lld", name,
			    (long long)i + 1);
			goto fail;
		}
	}
	/* What would make a rename fail, before any is made. */
	for (i = 0; i < s->count; i++) {
		struct stat sb;
		frame_name(name, sizeof name, s->path, i);
		if (lstat(name, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			kv_errf(err, "%s: a directory is there", name);
			goto fail;
		}
	}
	for (moved = 0; moved < s->count; moved++) {
		const char *base;
		frame_name(name, sizeof name, s->path, moved);
		base = strrchr(name, '/');
		snprintf(tmp, sizeof tmp, "%s/%s", dir, base ? base + 1 : name);
		if (rename(tmp, name) != 0) {
			kv_errf(err, "%s: %s", name, strerror(errno));
			for (int64_t k = 0; k < moved; k++)
				if (frame_name(name, sizeof name, s->path,
				    k) == 0)
					unlink(name);
			goto fail;
		}
	}
	rmdir(dir);
	return 0;
fail:
	remove_temps(dir, s->path, s->count);
	return -1;
}

int
frame_sink_close(frame_sink *s, kv_err *err)
{
	int rc;

	if (s->plan.kind == SINK_PATTERN) {
		rc = close_pattern(s, err);
	} else {
		rc = media_writer_close(s->w, err);
		s->w = NULL;
	}
	sink_free(s);
	return rc;
}

void
frame_sink_abort(frame_sink *s)
{
	if (s == NULL)
		return;
	media_writer_abort(s->w);
	sink_free(s);
}
