/* frame_sink.c: model frames to a video or images, through media_writer
 * (video.h), which chooses the container and converts pixel formats. */
#include "media/frame_sink.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "media/pattern.h"
#include "media/video.h"

struct frame_sink {
	char *path;
	frame_sink_opts o;
	media_format fmt;		/* of the frames written */
	media_writer *w;		/* a video; NULL for an image pattern */
	const char *container, *codec;
	struct SwsContext *sws;		/* --size */
	uint8_t *pix, *big;		/* 8-bit planes, frame and scaled */
	long frames;
	char **written;			/* pattern: files written so far */
};

static int
is_pattern(const char *path)
{
	const char *end;

	return pattern_is_image_name(path) && pattern_find(path, &end) != NULL;
}

int
frame_sink_name_ok(const char *path, kv_err *err)
{
	const char *dot = strrchr(path, '.');

	if (strcmp(path, "-") == 0 || is_pattern(path))
		return 1;
	if (dot == NULL || strchr(dot, '/') != NULL ||
	    av_guess_format(NULL, path, NULL) == NULL) {
		kv_errf(err, "%s: no known video or image format by that name "
		    "(use .mkv, .mp4, .gif, .y4m, a pattern such as f%%04d.png, "
		    "or - for Y4M on stdout)", path);
		return 0;
	}
	if (strcasecmp(dot, ".mp4") == 0 &&
	    avcodec_find_encoder_by_name("libx264") == NULL) {
		kv_errf(err, "%s: this FFmpeg has no H.264 encoder (libx264); "
		    "write .mkv (FFV1, lossless) instead", path);
		return 0;
	}
	return 1;
}

/* The container and codec a name asks for (NULL: media_writer's
 * choice by suffix). */
static void
choose_output(frame_sink *s)
{
	const char *dot = strrchr(s->path, '.');

	if (strcmp(s->path, "-") == 0)
		s->container = "yuv4mpegpipe";
	else if (dot != NULL && strcasecmp(dot, ".mkv") == 0)
		s->codec = "ffv1";
	else if (dot != NULL && strcasecmp(dot, ".mp4") == 0)
		s->codec = "libx264";
}

/* The layout of the 8-bit frames handed to the writer. */
static void
set_format(frame_sink *s)
{
	media_format *f = &s->fmt;
	int w = s->o.out_width ? s->o.out_width : s->o.width;
	int h = s->o.out_height ? s->o.out_height : s->o.height;

	memset(f, 0, sizeof *f);
	f->width = w;
	f->height = h;
	f->nplanes = s->o.channels;
	for (int i = 0; i < f->nplanes; i++) {
		f->plane_w[i] = w;
		f->plane_h[i] = h;
	}
	f->sample = MEDIA_U8;
	f->depth = 8;
	f->color = s->o.channels == 1 ? MEDIA_GRAY : MEDIA_RGB;
	f->matrix = MEDIA_BT601;
	f->full_range = 1;
	f->fps_num = s->o.fps_num > 0 ? s->o.fps_num : 25;
	f->fps_den = s->o.fps_num > 0 ? s->o.fps_den : 1;
	snprintf(f->pix_fmt, sizeof f->pix_fmt, "%s", s->o.channels == 1 ?
	    "gray" : "gbrp");
}

static int
open_scaler(frame_sink *s, kv_err *err)
{
	enum AVPixelFormat pf = s->o.channels == 1 ? AV_PIX_FMT_GRAY8 :
	    AV_PIX_FMT_GBRP;

	if (s->fmt.width == s->o.width && s->fmt.height == s->o.height)
		return 0;
	s->sws = sws_getContext(s->o.width, s->o.height, pf, s->fmt.width,
	    s->fmt.height, pf, SWS_BICUBIC, NULL, NULL, NULL);
	s->big = malloc((size_t)s->o.channels * s->fmt.width * s->fmt.height);
	if (s->sws == NULL || s->big == NULL)
		return kv_errf(err, "%s: cannot scale %dx%d frames to %dx%d",
		    s->path, s->o.width, s->o.height, s->fmt.width,
		    s->fmt.height);
	return 0;
}

frame_sink *
frame_sink_open(const char *path, const frame_sink_opts *o, kv_err *err)
{
	frame_sink *s;

	if (o->channels != 1 && o->channels != 3) {
		kv_errf(err, "%s: frames of %d channels (1 or 3 only)", path,
		    o->channels);
		return NULL;
	}
	if (!frame_sink_name_ok(path, err))
		return NULL;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		free(s);
		kv_errf(err, "out of memory");
		return NULL;
	}
	s->o = *o;
	set_format(s);
	choose_output(s);
	s->pix = malloc((size_t)o->channels * o->width * o->height);
	if (s->pix == NULL) {
		kv_errf(err, "out of memory");
		goto fail;
	}
	if (open_scaler(s, err))
		goto fail;
	if (!is_pattern(path) && (s->w = media_writer_open(path, &s->fmt,
	    s->container, s->codec, err)) == NULL)
		goto fail;
	return s;
fail:
	frame_sink_abort(s);
	return NULL;
}

/* frame (C, H, W) in [-1, 1] to 8-bit planes, scaled up when asked;
 * returns the planes to write. */
static const uint8_t *
to_pixels(frame_sink *s, const float *frame)
{
	size_t n = (size_t)s->o.channels * s->o.width * s->o.height;
	size_t plane = (size_t)s->o.width * s->o.height;
	size_t big = (size_t)s->fmt.width * s->fmt.height;

	for (size_t i = 0; i < n; i++) {
		float v = (frame[i] + 1.0f) * 127.5f;
		s->pix[i] = (uint8_t)(v > 0 ? (v < 255 ? lrintf(v) : 255) : 0);
	}
	if (s->sws == NULL)
		return s->pix;
	{
		/* gbrp holds G, B, R; our planes are R, G, B */
		static const int order[3] = { 1, 2, 0 };
		const uint8_t *src[4] = { 0 };
		uint8_t *dst[4] = { 0 };
		int ss[4] = { 0 }, ds[4] = { 0 };
		for (int c = 0; c < s->o.channels; c++) {
			int p = s->o.channels == 1 ? 0 : order[c];
			src[p] = s->pix + c * plane;
			dst[p] = s->big + c * big;
			ss[p] = s->o.width;
			ds[p] = s->fmt.width;
		}
		sws_scale(s->sws, src, ss, 0, s->o.height, dst, ds);
	}
	return s->big;
}

/* One image of a pattern, written atomically; remembered for abort. */
static int
write_image(frame_sink *s, const media_frame *f, kv_err *err)
{
	char name[4096], **t;
	media_writer *w;

	if (pattern_expand(s->path, s->frames + 1, name, sizeof name))
		return kv_errf(err, "%s: the name is too long", s->path);
	if ((t = realloc(s->written, (size_t)(s->frames + 1) * sizeof *t)) == NULL)
		return kv_errf(err, "out of memory");
	s->written = t;
	if ((w = media_writer_open(name, &s->fmt, NULL, NULL, err)) == NULL)
		return -1;
	if (media_write(w, f, err) || media_writer_close(w, err))
		return -1;
	if ((s->written[s->frames] = strdup(name)) == NULL) {
		unlink(name);
		return kv_errf(err, "out of memory");
	}
	return 0;
}

int
frame_sink_write(frame_sink *s, const float *frame, kv_err *err)
{
	const uint8_t *pix = to_pixels(s, frame);
	size_t plane = (size_t)s->fmt.width * s->fmt.height;
	media_frame f = { .index = s->frames };
	int rc;

	for (int c = 0; c < s->o.channels; c++) {
		f.plane[c] = pix + c * plane;
		f.stride[c] = s->fmt.width;
	}
	rc = s->w != NULL ? media_write(s->w, &f, err) : write_image(s, &f, err);
	if (rc == 0)
		s->frames++;
	return rc;
}

static void
sink_free(frame_sink *s)
{
	for (long i = 0; s->written != NULL && i < s->frames; i++)
		free(s->written[i]);
	free(s->written);
	sws_freeContext(s->sws);
	free(s->pix);
	free(s->big);
	free(s->path);
	free(s);
}

int
frame_sink_close(frame_sink *s, kv_err *err)
{
	int rc = 0;

	if (s->w != NULL)
		rc = media_writer_close(s->w, err);
	else if (s->frames == 0)
		rc = kv_errf(err, "%s: no frames to write", s->path);
	s->w = NULL;
	if (rc != 0) {
		frame_sink_abort(s);
		return -1;
	}
	sink_free(s);
	return 0;
}

void
frame_sink_abort(frame_sink *s)
{
	if (s == NULL)
		return;
	media_writer_abort(s->w);
	for (long i = 0; s->written != NULL && i < s->frames; i++)
		if (s->written[i] != NULL)
			unlink(s->written[i]);
	sink_free(s);
}
