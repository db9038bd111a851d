/* frame_scale.c: a decoded frame to (C, H, W) floats in [-1, 1] through
 * libswscale, set up as FFmpeg 5.1's scale filter sets it; see
 * frame_scale.h. */
#include "media/frame_scale.h"

#include <stdlib.h>

#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

struct frame_scale {
	int width, height, channels;
	enum AVPixelFormat dst_fmt;
	uint8_t *buf;			/* height x stride bytes */
	int stride;
	struct SwsContext *sws;
	/* what sws was made for */
	int src_w, src_h, src_fmt, src_range, src_space;
};

frame_scale *
frame_scale_new(int width, int height, int channels, kv_err *err)
{
	frame_scale *s;

	if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
		kv_errf(err, "frame size %dx%d: give 1 to 16384 pixels each "
		    "way", width, height);
		return NULL;
	}
	if (channels != 1 && channels != 3) {
		kv_errf(err, "%d channels: give 1 (grey) or 3 (RGB)", channels);
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		kv_errf(err, "out of memory");
		return NULL;
	}
	s->width = width;
	s->height = height;
	s->channels = channels;
	s->dst_fmt = channels == 1 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
	/* rows padded to 64 bytes, as libavfilter's buffers are */
	s->stride = FFALIGN(width * channels, 64);
	s->buf = av_malloc((size_t)s->stride * height);
	if (s->buf == NULL) {
		free(s);
		kv_errf(err, "out of memory");
		return NULL;
	}
	return s;
}

/* The matrix the scale filter's in_color_matrix=auto takes: the frame's
 * own, BT.601 for one libswscale has no table for. */
static const int *
matrix_of(enum AVColorSpace cs)
{
	if (cs < 1 || cs > 7)
		cs = AVCOL_SPC_BT470BG;
	return sws_getCoefficients(cs);
}

/* A scaler for frames like f. */
static int
setup(frame_scale *s, const AVFrame *f, kv_err *err)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	struct SwsContext *c;
	int *inv, *tab, in_full, out_full, bri, con, sat;
	const int *m;

	sws_freeContext(s->sws);
	s->sws = NULL;
	if (d == NULL || !sws_isSupportedInput(f->format))
		return kv_errf(err, "libswscale cannot read pixel format %s",
		    d ? d->name : "?");
	c = sws_alloc_context();
	if (c == NULL)
		return kv_errf(err, "out of memory");
	av_opt_set_int(c, "srcw", f->width, 0);
	av_opt_set_int(c, "srch", f->height, 0);
	av_opt_set_int(c, "src_format", f->format, 0);
	av_opt_set_int(c, "dstw", s->width, 0);
	av_opt_set_int(c, "dsth", s->height, 0);
	av_opt_set_int(c, "dst_format", s->dst_fmt, 0);
	av_opt_set_int(c, "sws_flags", SWS_AREA, 0);
	/* the scale filter's MPEG-2 chroma siting, for this format only */
	if (f->format == AV_PIX_FMT_YUV420P)
		av_opt_set_int(c, "src_v_chr_pos", 128, 0);
	if (sws_init_context(c, NULL, NULL) < 0) {
		sws_freeContext(c);
		return kv_errf(err, "cannot convert %s %dx%d to %s %dx%d",
		    d->name, f->width, f->height,
		    av_get_pix_fmt_name(s->dst_fmt), s->width, s->height);
	}
	sws_getColorspaceDetails(c, &inv, &in_full, &tab, &out_full, &bri,
	    &con, &sat);
	m = matrix_of(f->colorspace);
	if (f->color_range != AVCOL_RANGE_UNSPECIFIED)
		in_full = f->color_range == AVCOL_RANGE_JPEG;
	sws_setColorspaceDetails(c, m, in_full, m, out_full, bri, con, sat);
	s->sws = c;
	s->src_w = f->width;
	s->src_h = f->height;
	s->src_fmt = f->format;
	s->src_range = f->color_range;
	s->src_space = f->colorspace;
	return 0;
}

int
frame_scale_run(frame_scale *s, const AVFrame *f, float *out, kv_err *err)
{
	size_t plane = (size_t)s->width * s->height;
	uint8_t *dst[4] = { s->buf };
	int dst_stride[4] = { s->stride };

	if ((s->sws == NULL || f->width != s->src_w || f->height != s->src_h ||
	    f->format != s->src_fmt || (int)f->color_range != s->src_range ||
	    (int)f->colorspace != s->src_space) && setup(s, f, err) != 0)
		return -1;
	if (sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0,
	    f->height, dst, dst_stride) != s->height)
		return kv_errf(err, "libswscale failed on a %dx%d %s frame",
		    f->width, f->height, av_get_pix_fmt_name(f->format));
	for (int y = 0; y < s->height; y++) {
		const uint8_t *row = s->buf + (size_t)y * s->stride;
		for (int x = 0; x < s->width; x++)
			for (int c = 0; c < s->channels; c++)
				out[c * plane + (size_t)y * s->width + x] =
				    row[x * s->channels + c] / 127.5f - 1.0f;
	}
	return 0;
}

const uint8_t *
frame_scale_bytes(const frame_scale *s, int *stride)
{
	*stride = s->stride;
	return s->buf;
}

void
frame_scale_free(frame_scale *s)
{
	if (s == NULL)
		return;
	sws_freeContext(s->sws);
	av_free(s->buf);
	free(s);
}
