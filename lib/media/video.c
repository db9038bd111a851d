/* video.c: decoding and encoding of video and images through FFmpeg's
 * libraries, frames handed over with their planes as stored. */
#include "media/video.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/outfile.h"
#include "core/threads.h"

#define HAVE_BIGENDIAN_ (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

/* libav* would print its own diagnostics; the library reports through
 * kv_err only. */
static void
quiet_libav(void)
{
	av_log_set_level(AV_LOG_QUIET);
}

static const char *
av_err(int code, char *buf, size_t n)
{
	if (av_strerror(code, buf, n) < 0)
		snprintf(buf, n, "error %d", code);
	return buf;
}

#define AVERR(code) av_err((code), (char[AV_ERROR_MAX_STRING_SIZE]){ 0 }, \
	AV_ERROR_MAX_STRING_SIZE)

double
media_sample_max(const media_format *f)
{
	if (f->sample == MEDIA_F32)
		return 1.0;
	return (double)((1u << f->depth) - 1);
}

static double
sample_of(const media_format *f, const media_frame *fr, int c, int x, int y)
{
	const char *row = (const char *)fr->plane[c] + (ptrdiff_t)y *
	    fr->stride[c];

	switch (f->sample) {
	case MEDIA_U8:
		return ((const uint8_t *)row)[x];
	case MEDIA_U16:
		return ((const uint16_t *)row)[x];
	default:
		return ((const float *)row)[x];
	}
}

void
media_luma(const media_format *f, const media_frame *fr, double *out)
{
	double kr = f->matrix == MEDIA_BT709 ? 0.2126 : 0.299;
	double kb = f->matrix == MEDIA_BT709 ? 0.0722 : 0.114;
	double kg = 1 - kr - kb;

	for (int y = 0; y < f->height; y++) {
		double *o = out + (size_t)y * f->width;
		for (int x = 0; x < f->width; x++)
			o[x] = f->color != MEDIA_RGB ? sample_of(f, fr, 0, x, y) :
			    kr * sample_of(f, fr, 0, x, y) +
			    kg * sample_of(f, fr, 1, x, y) +
			    kb * sample_of(f, fr, 2, x, y);
	}
}

/* ---- pixel format analysis ---- */

/* Components that carry picture (alpha dropped). */
static int
colour_components(const AVPixFmtDescriptor *d)
{
	int n = d->nb_components;

	if (d->flags & AV_PIX_FMT_FLAG_ALPHA)
		n--;
	return n >= 3 ? 3 : 1;
}

static int
is_float(const AVPixFmtDescriptor *d)
{
	return (d->flags & AV_PIX_FMT_FLAG_FLOAT) != 0;
}

static int
sample_bytes(const AVPixFmtDescriptor *d)
{
	if (is_float(d))
		return 4;
	return d->comp[0].depth > 8 ? 2 : 1;
}

/* Whether the frames can be handed over as they are: one plane per
 * component, one sample per element, native endian, no shifts. */
static int
native_planar(const AVPixFmtDescriptor *d)
{
	int n = colour_components(d), bytes = sample_bytes(d);
	unsigned used = 0;

	if (d->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
	    AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BAYER))
		return 0;
	if (bytes > 1 && !!(d->flags & AV_PIX_FMT_FLAG_BE) != HAVE_BIGENDIAN_)
		return 0;
	if (is_float(d) && d->comp[0].depth != 32)
		return 0;
	for (int c = 0; c < n; c++) {
		const AVComponentDescriptor *k = &d->comp[c];
		if (k->step != bytes || k->offset != 0 || k->shift != 0 ||
		    k->depth != d->comp[0].depth || (used & (1u << k->plane)))
			return 0;
		used |= 1u << k->plane;
	}
	return 1;
}

/* "gray", "gray10le", "grayf32le"; "gbrp", ... */
static void
family_name(char *name, size_t n, const char *base, int fl, int depth,
	const char *ne)
{
	if (fl)
		snprintf(name, n, "%sf32%s", base, ne);
	else if (depth <= 8)
		snprintf(name, n, "%s", base);
	else
		snprintf(name, n, "%s%d%s", base, depth, ne);
}

/* The planar format with the same components, depth and subsampling. */
static enum AVPixelFormat
planar_equivalent(const AVPixFmtDescriptor *d)
{
	static const struct { int w, h; const char *name; } sub[] = {
		{ 0, 0, "444" }, { 1, 0, "422" }, { 1, 1, "420" },
		{ 2, 0, "411" }, { 2, 2, "410" }, { 0, 1, "440" },
	};
	const char *ne = HAVE_BIGENDIAN_ ? "be" : "le";
	int depth = d->comp[0].depth, fl = is_float(d);
	const char *s = "444";
	char name[32];

	if (!fl && depth > 8)
		depth = depth <= 9 ? 9 : depth <= 10 ? 10 : depth <= 12 ? 12 :
		    depth <= 14 ? 14 : 16;
	if (colour_components(d) == 1) {
		family_name(name, sizeof name, "gray", fl, depth, ne);
	} else if (d->flags & AV_PIX_FMT_FLAG_RGB) {
		family_name(name, sizeof name, "gbrp", fl, depth, ne);
	} else {
		for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
			if (sub[i].w == d->log2_chroma_w &&
			    sub[i].h == d->log2_chroma_h)
				s = sub[i].name;
		if (depth <= 8)
			snprintf(name, sizeof name, "yuv%sp", s);
		else
			snprintf(name, sizeof name, "yuv%sp%d%s", s, depth, ne);
		if (av_get_pix_fmt(name) == AV_PIX_FMT_NONE)
			snprintf(name, sizeof name, depth <= 8 ? "yuv444p" :
			    "yuv444p16%s", ne);
	}
	return av_get_pix_fmt(name);
}

/* Fill the media_format of planar pixel format `pf`. */
static int
describe(media_format *m, enum AVPixelFormat pf, int w, int h, kv_err *err)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pf);

	if (d == NULL)
		return kv_errf(err, "unknown pixel format");
	m->width = w;
	m->height = h;
	m->nplanes = colour_components(d);
	m->log2_chroma_w = m->nplanes > 1 ? d->log2_chroma_w : 0;
	m->log2_chroma_h = m->nplanes > 1 ? d->log2_chroma_h : 0;
	for (int c = 0; c < m->nplanes; c++) {
		int cw = c > 0 && c < 3 ? m->log2_chroma_w : 0;
		int ch = c > 0 && c < 3 ? m->log2_chroma_h : 0;
		m->plane_w[c] = AV_CEIL_RSHIFT(w, cw);
		m->plane_h[c] = AV_CEIL_RSHIFT(h, ch);
	}
	m->depth = d->comp[0].depth;
	m->sample = is_float(d) ? MEDIA_F32 : m->depth > 8 ? MEDIA_U16 :
	    MEDIA_U8;
	m->color = m->nplanes == 1 ? MEDIA_GRAY :
	    (d->flags & AV_PIX_FMT_FLAG_RGB) ? MEDIA_RGB : MEDIA_YUV;
	snprintf(m->pix_fmt, sizeof m->pix_fmt, "%s", d->name);
	return 0;
}

/* ---- input ---- */

enum { PAL_NONE, PAL_GRAY, PAL_RGB };

struct media_reader {
	char *name;
	AVFormatContext *fmt;
	AVCodecContext *dec;
	int stream;
	AVPacket *pkt;
	AVFrame *frame;		/* as decoded */
	AVFrame *conv;		/* rearranged into planes, when needed */
	struct SwsContext *sws;
	enum AVPixelFormat src_fmt, dst_fmt;
	int src_w, src_h;
	int pal;		/* PAL8 input: PAL_GRAY or PAL_RGB */
	int comp_plane[MEDIA_MAX_PLANES];
	media_format format;
	int pending;		/* the first frame is decoded, not handed out */
	int flushing, ended;
	int64_t count;
	int64_t last_pts, last_duration;	/* of the last frame out */
	int64_t bad;		/* packets or frames the decoder reported */
	int64_t first_bad;	/* the frame (1-based) near the first */
	char bad_msg[96];	/* and its error */
	int last_short;		/* the last packet was cut short */
	int64_t last_end;	/* the byte after the last packet */
	int cut;		/* the container could not be read on */
	int64_t cut_at;		/* frames out when it stopped */
	char cut_msg[96];
	AVIOContext *io;	/* media_open_io: ours to free */
	media_read_fn *read;	/* its source */
	void *read_ctx;
};

const media_format *
media_reader_format(const media_reader *r)
{
	return &r->format;
}

const char *
media_reader_name(const media_reader *r)
{
	return r->name;
}

int
media_reader_dropped(const media_reader *r, const char *output, kv_err *why)
{
	static const struct { enum AVMediaType type; const char *what; } k[] = {
		{ AVMEDIA_TYPE_VIDEO, "video" },
		{ AVMEDIA_TYPE_AUDIO, "audio" },
		{ AVMEDIA_TYPE_SUBTITLE, "subtitle" },
		{ AVMEDIA_TYPE_DATA, "data" },
	};
	char list[160] = "";
	size_t len = 0;
	int total = 0;

	for (size_t t = 0; t < sizeof k / sizeof k[0]; t++) {
		int n = 0;
		for (unsigned i = 0; i < r->fmt->nb_streams; i++)
			if ((int)i != r->stream &&
			    r->fmt->streams[i]->codecpar->codec_type == k[t].type &&
			    !(r->fmt->streams[i]->disposition &
			    AV_DISPOSITION_ATTACHED_PIC))
				n++;
		if (n > 0 && len < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len,
			    "%s%d %s stream%s", len ? " and " : "", n, k[t].what,
			    n > 1 ? "s" : "");
		total += n;
	}
	if (total == 0)
		return 0;
	kv_errf(why, "%s: %s not copied to %s (video only)", r->name, list,
	    output);
	return total;
}

/* A decoding error the stream goes on after: counted for
 * media_reader_damage. */
static void
note_bad(media_reader *r, int code)
{
	if (r->bad++ == 0) {
		r->first_bad = r->count + 1;
		if (code != 0)
			av_err(code, r->bad_msg, sizeof r->bad_msg);
		else
			snprintf(r->bad_msg, sizeof r->bad_msg, "concealed "
			    "errors");
	}
}

/* Whether a read error is the file's own (damaged or cut short: the
 * frames so far are kept) rather than the system's. */
static int
damaged_input(int code)
{
	return code != AVERROR(EIO) && code != AVERROR(ENOMEM) &&
	    code != AVERROR(EINTR) && code != AVERROR_EXIT;
}

/* Whether a raw container (Y4M, raw video: no index, no duration) has
 * bytes after the last whole frame, which its demuxer drops silently. */
static int
raw_tail(media_reader *r)
{
	const char *n = r->fmt->iformat->name;

	if (strcmp(n, "yuv4mpegpipe") != 0 && strcmp(n, "rawvideo") != 0)
		return 0;
	return r->last_end > 0 && avio_tell(r->fmt->pb) > r->last_end;
}

/* Decode into r->frame: 1 a frame, 0 end, -1 error. Damaged packets
 * and frames are counted (note_bad) and skipped; a container that
 * cannot be read on ends the stream (r->cut). */
static int
decode_next(media_reader *r, kv_err *err)
{
	for (;;) {
		int rc = avcodec_receive_frame(r->dec, r->frame);
		if (rc == 0) {
			if ((r->frame->flags & AV_FRAME_FLAG_CORRUPT) ||
			    r->frame->decode_error_flags != 0)
				note_bad(r, 0);
			return 1;
		}
		if (rc == AVERROR_EOF)
			return 0;
		if (rc != AVERROR(EAGAIN)) {
			if (rc == AVERROR(ENOMEM))
				return kv_errf(err, "out of memory");
			note_bad(r, rc);
			continue;
		}
		if (r->flushing)
			return 0;
		rc = av_read_frame(r->fmt, r->pkt);
		if (rc < 0 && rc != AVERROR_EOF && damaged_input(rc)) {
			r->cut = 1;
			r->cut_at = r->count;
			av_err(rc, r->cut_msg, sizeof r->cut_msg);
			rc = AVERROR_EOF;
		}
		if (rc == AVERROR_EOF && !r->cut && (r->last_short ||
		    raw_tail(r))) {
			r->cut = 1;
			r->cut_at = r->count;
			snprintf(r->cut_msg, sizeof r->cut_msg, "its last "
			    "frame is cut short");
		}
		if (rc == AVERROR_EOF) {
			r->flushing = 1;
			rc = avcodec_send_packet(r->dec, NULL);
		} else if (rc < 0) {
			return kv_errf(err, "%s: %s", r->name, AVERR(rc));
		} else if (r->pkt->stream_index != r->stream) {
			av_packet_unref(r->pkt);
			continue;
		} else {
			/* a packet the demuxer got fewer bytes for than it
			 * announced: the file is cut there, or damaged */
			r->last_short = (r->pkt->flags & AV_PKT_FLAG_CORRUPT) != 0;
			if (r->pkt->pos >= 0)
				r->last_end = r->pkt->pos + r->pkt->size;
			if (r->last_short)
				note_bad(r, AVERROR_INVALIDDATA);
			rc = avcodec_send_packet(r->dec, r->pkt);
			av_packet_unref(r->pkt);
		}
		if (rc == AVERROR(ENOMEM))
			return kv_errf(err, "out of memory");
		if (rc < 0 && rc != AVERROR_EOF && rc != AVERROR(EAGAIN))
			note_bad(r, rc);
	}
}

/* The end the container announces and the end of the frames read, in
 * seconds from the stream's start; 0 when nothing is announced. */
static int
announced_end(const media_reader *r, double *announced, double *read)
{
	const AVStream *st = r->fmt->streams[r->stream];
	const media_format *m = &r->format;
	double tb = av_q2d(st->time_base), start = 0, fps;
	int64_t ticks = st->duration > 0 && st->duration != AV_NOPTS_VALUE ?
	    st->duration : 0;

	if (st->nb_frames > ticks)
		ticks = st->nb_frames;

	if (m->tb_num <= 0 || r->count == 0)
		return 0;
	if (st->start_time != AV_NOPTS_VALUE)
		start = st->start_time * tb;
	/* Frames are at least one tick apart, so the frame count (AVI's
	 * header has it; cut short, its index and duration are gone) in
	 * ticks is a lower bound of the duration. */
	if (ticks > 0)
		*announced = ticks * tb;
	else if (r->fmt->nb_streams == 1 && r->fmt->duration > 0 &&
	    r->fmt->duration != AV_NOPTS_VALUE)
		*announced = (double)r->fmt->duration / AV_TIME_BASE;
	else
		return 0;
	fps = (double)m->fps_num / m->fps_den;
	*read = (r->last_pts + r->last_duration) * tb - start;
	if (r->last_duration <= 0)
		*read += 1 / fps;
	return 1;
}

int
media_reader_damage(const media_reader *r, kv_err *why)
{
	const media_format *m = &r->format;
	double announced = 0, read = 0;
	char cut[256] = "", bad[256] = "";
	int late;

	/* two frames' slack, at the nominal rate or the rate read (an AVI
	 * of variable rate declares its fine time base as its rate) */
	late = r->ended && !r->cut && announced_end(r, &announced, &read) &&
	    read < announced - 2.0 * fmax((double)m->fps_den / m->fps_num,
	    read / (double)r->count) - 0.001;
	if (r->cut)
		snprintf(cut, sizeof cut, "the input ends early, after frame "
		    "%lld (%s)", (long long)(r->ended ? r->count : r->cut_at),
		    r->cut_msg);
	else if (late)
		snprintf(cut, sizeof cut, "the input ends early, after frame "
		    "%lld at %.3f s of the %.3f s it announces",
		    (long long)r->count, read, announced);
	if (r->bad > 0)
		snprintf(bad, sizeof bad, "%lld damaged frame%s, the first "
		    "near frame %lld (%s)", (long long)r->bad,
		    r->bad == 1 ? "" : "s", (long long)r->first_bad,
		    r->bad_msg);
	if (cut[0] == '\0' && bad[0] == '\0')
		return 0;
	kv_errf(why, "%s: %s%s%s", r->name, cut, cut[0] && bad[0] ? "; " : "",
	    bad);
	return 1;
}

static int
palette_is_gray(const AVFrame *f)
{
	const uint32_t *pal = (const uint32_t *)f->data[1];

	for (int i = 0; i < 256; i++) {
		uint32_t c = pal[i];
		if (((c >> 16) & 255) != (c & 255) || ((c >> 8) & 255) != (c & 255))
			return 0;
	}
	return 1;
}

/* Decide how the decoded frames become planes, from the first frame. */
static int
setup_layout(media_reader *r, kv_err *err)
{
	const AVFrame *f = r->frame;
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	media_format *m = &r->format;
	AVStream *st = r->fmt->streams[r->stream];
	AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate :
	    st->r_frame_rate;

	if (d == NULL || (d->flags & (AV_PIX_FMT_FLAG_HWACCEL |
	    AV_PIX_FMT_FLAG_BAYER)) || f->format == AV_PIX_FMT_XYZ12LE ||
	    f->format == AV_PIX_FMT_XYZ12BE)
		return kv_errf(err, "%s: unsupported pixel format %s", r->name,
		    d ? d->name : "?");
	r->src_fmt = f->format;
	r->src_w = f->width;
	r->src_h = f->height;
	if (d->flags & AV_PIX_FMT_FLAG_PAL) {
		r->pal = palette_is_gray(f) ? PAL_GRAY : PAL_RGB;
		r->dst_fmt = r->pal == PAL_GRAY ? AV_PIX_FMT_GRAY8 :
		    AV_PIX_FMT_GBRP;
	} else if (native_planar(d)) {
		r->dst_fmt = f->format;
	} else {
		r->dst_fmt = planar_equivalent(d);
		if (r->dst_fmt == AV_PIX_FMT_NONE)
			return kv_errf(err, "%s: unsupported pixel format %s",
			    r->name, d->name);
		r->sws = sws_getContext(f->width, f->height, f->format,
		    f->width, f->height, r->dst_fmt, SWS_POINT, NULL, NULL,
		    NULL);
		if (r->sws == NULL)
			return kv_errf(err, "%s: cannot rearrange %s into planes",
			    r->name, d->name);
	}
	if (r->dst_fmt != r->src_fmt) {
		r->conv = av_frame_alloc();
		if (r->conv == NULL)
			return kv_errf(err, "out of memory");
		r->conv->format = r->dst_fmt;
		r->conv->width = f->width;
		r->conv->height = f->height;
		if (av_frame_get_buffer(r->conv, 0) < 0)
			return kv_errf(err, "out of memory");
	}
	if (describe(m, r->dst_fmt, f->width, f->height, err) != 0)
		return kv_err_prefix(err, "%s", r->name);
	/* a palette's alpha is not looked at (pal8 always has the flag) */
	m->has_alpha = (d->flags & AV_PIX_FMT_FLAG_ALPHA) &&
	    !(d->flags & AV_PIX_FMT_FLAG_PAL);
	d = av_pix_fmt_desc_get(r->dst_fmt);
	for (int c = 0; c < m->nplanes; c++)
		r->comp_plane[c] = d->comp[c].plane;
	m->matrix = f->colorspace == AVCOL_SPC_BT709 ? MEDIA_BT709 :
	    MEDIA_BT601;
	m->full_range = f->color_range == AVCOL_RANGE_JPEG ||
	    strncmp(d->name, "yuvj", 4) == 0;
	m->fps_num = fr.num > 0 && fr.den > 0 ? fr.num : 25;
	m->fps_den = fr.num > 0 && fr.den > 0 ? fr.den : 1;
	m->tb_num = st->time_base.num;
	m->tb_den = st->time_base.den;
	if (m->tb_num <= 0 || m->tb_den <= 0)
		m->tb_num = m->tb_den = 0;
	return 0;
}

/* The frame's time: as decoded, else one frame after the last. */
static void
stamp(media_reader *r, media_frame *out)
{
	const AVFrame *f = r->frame;
	const media_format *m = &r->format;
	int64_t pts = f->best_effort_timestamp;

	out->timed = m->tb_num > 0;
	if (!out->timed) {
		out->pts = out->duration = 0;
		return;
	}
	out->duration = f->pkt_duration > 0 ? f->pkt_duration : 0;
	if (pts == AV_NOPTS_VALUE) {
		int64_t step = av_rescale_q(1, (AVRational){ m->fps_den,
		    m->fps_num }, (AVRational){ m->tb_num, m->tb_den });
		pts = r->count == 0 ? 0 : r->last_pts + (r->last_duration > 0 ?
		    r->last_duration : step > 0 ? step : 1);
	}
	out->pts = pts;
	r->last_pts = pts;
	r->last_duration = out->duration;
}

/* PAL8 into grey or planar RGB through the palette. */
static int
expand_palette(media_reader *r, kv_err *err)
{
	const AVFrame *f = r->frame;
	const uint32_t *pal = (const uint32_t *)f->data[1];
	AVFrame *o = r->conv;

	if (r->pal == PAL_GRAY && !palette_is_gray(f))
		return kv_errf(err, "%s: frame %lld: the palette is no longer "
		    "grey", r->name, (long long)r->count + 1);
	for (int y = 0; y < f->height; y++) {
		const uint8_t *s = f->data[0] + (ptrdiff_t)y * f->linesize[0];
		uint8_t *p0 = o->data[0] + (ptrdiff_t)y * o->linesize[0];
		for (int x = 0; x < f->width; x++) {
			uint32_t c = pal[s[x]];
			p0[x] = c & 255;	/* grey, or G of GBRP */
			if (r->pal == PAL_RGB) {
				o->data[1][(ptrdiff_t)y * o->linesize[1] + x] =
				    c & 255;
				o->data[2][(ptrdiff_t)y * o->linesize[2] + x] =
				    (c >> 16) & 255;
				p0[x] = (c >> 8) & 255;
			}
		}
	}
	return 0;
}

/* Hand r->frame over as planes (rearranged when needed). */
static int
deliver(media_reader *r, media_frame *out, kv_err *err)
{
	const AVFrame *f = r->frame, *src = f;

	if (f->format != r->src_fmt || f->width != r->src_w ||
	    f->height != r->src_h)
		return kv_errf(err, "%s: frame %lld: the frame changes from "
		    "%dx%d %s to %dx%d %s mid-stream", r->name,
		    (long long)r->count + 1, r->src_w, r->src_h,
		    av_get_pix_fmt_name(r->src_fmt), f->width, f->height,
		    av_get_pix_fmt_name(f->format));
	if (r->conv != NULL) {
		if (av_frame_make_writable(r->conv) < 0)
			return kv_errf(err, "out of memory");
		if (r->pal != PAL_NONE) {
			if (expand_palette(r, err) != 0)
				return -1;
		} else if (sws_scale(r->sws, (const uint8_t *const *)f->data,
		    f->linesize, 0, f->height, r->conv->data,
		    r->conv->linesize) != f->height) {
			return kv_errf(err, "%s: frame %lld: conversion failed",
			    r->name, (long long)r->count + 1);
		}
		src = r->conv;
	}
	for (int c = 0; c < r->format.nplanes; c++) {
		out->plane[c] = src->data[r->comp_plane[c]];
		out->stride[c] = src->linesize[r->comp_plane[c]];
	}
	stamp(r, out);
	out->index = r->count++;
	return 0;
}

static int
open_decoder(media_reader *r, int threads, kv_err *err)
{
	const AVCodec *codec = NULL;
	int rc;

	rc = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec,
	    0);
	if (rc < 0)
		return kv_errf(err, "%s: no video or image in the file",
		    r->name);
	r->stream = rc;
	r->dec = avcodec_alloc_context3(codec);
	if (r->dec == NULL)
		return kv_errf(err, "out of memory");
	rc = avcodec_parameters_to_context(r->dec,
	    r->fmt->streams[r->stream]->codecpar);
	if (rc < 0)
		return kv_errf(err, "%s: %s", r->name, AVERR(rc));
	r->dec->thread_count = threads > 0 ? threads : threads_limit();
	rc = avcodec_open2(r->dec, codec, NULL);
	if (rc < 0)
		return kv_errf(err, "%s: cannot open the %s decoder: %s",
		    r->name, codec->name, AVERR(rc));
	return 0;
}

/* A reader with its name and buffers, nothing opened. */
static media_reader *
reader_new(const char *name, kv_err *err)
{
	media_reader *r = calloc(1, sizeof *r);

	quiet_libav();
	if (r == NULL) {
		kv_errf(err, "out of memory");
		return NULL;
	}
	r->name = strdup(name);
	r->pkt = av_packet_alloc();
	r->frame = av_frame_alloc();
	if (r->name == NULL || r->pkt == NULL || r->frame == NULL) {
		kv_errf(err, "out of memory");
		media_close(r);
		return NULL;
	}
	return r;
}

/* Open the container at `url` (through r->fmt->pb when the caller set
 * it), its decoder, and decode up to the first frame. Closes r on
 * failure. */
static media_reader *
open_common(media_reader *r, const char *url, const media_raw *raw,
	int threads, kv_err *err)
{
	const AVInputFormat *ifmt = NULL;
	AVDictionary *opts = NULL;
	int rc;

	if (raw != NULL) {
		ifmt = av_find_input_format("rawvideo");
		av_dict_set(&opts, "video_size", raw->size, 0);
		if (raw->pix_fmt)
			av_dict_set(&opts, "pixel_format", raw->pix_fmt, 0);
		if (raw->rate)
			av_dict_set(&opts, "framerate", raw->rate, 0);
	}
	rc = avformat_open_input(&r->fmt, url, ifmt, &opts);
	av_dict_free(&opts);
	if (rc < 0) {
		kv_errf(err, "%s: %s", r->name, AVERR(rc));
		goto fail;
	}
	rc = avformat_find_stream_info(r->fmt, NULL);
	if (rc < 0) {
		kv_errf(err, "%s: %s", r->name, AVERR(rc));
		goto fail;
	}
	if (open_decoder(r, threads, err) != 0)
		goto fail;
	rc = decode_next(r, err);
	if (rc == 0)
		kv_errf(err, "%s: no frames", r->name);
	if (rc <= 0 || setup_layout(r, err) != 0)
		goto fail;
	r->pending = 1;
	return r;
fail:
	media_close(r);
	return NULL;
}

media_reader *
media_open(const char *path, int threads, kv_err *err)
{
	media_reader *r = reader_new(infile_name(path), err);

	if (r == NULL)
		return NULL;
	return open_common(r, path_is_std(path) ? "pipe:0" : path, NULL,
	    threads, err);
}

int
media_raw_check(const media_raw *raw, kv_err *err)
{
	int w, h;
	AVRational q;

	if (raw->size == NULL)
		return kv_errf(err, "raw video needs --size WxH");
	if (av_parse_video_size(&w, &h, raw->size) < 0)
		return kv_errf(err, "--size: '%s' is not WxH (as 32x24) or a "
		    "size name (as cif)", raw->size);
	if (raw->pix_fmt && (av_get_pix_fmt(raw->pix_fmt) == AV_PIX_FMT_NONE ||
	    (av_pix_fmt_desc_get(av_get_pix_fmt(raw->pix_fmt))->flags &
	    AV_PIX_FMT_FLAG_HWACCEL)))
		return kv_errf(err, "--pix-fmt: '%s' is not a pixel format "
		    "(ffmpeg -pix_fmts lists them)", raw->pix_fmt);
	if (raw->rate && (av_parse_video_rate(&q, raw->rate) < 0 ||
	    q.num <= 0 || q.den <= 0))
		return kv_errf(err, "--rate: '%s' is not a frame rate (as 25 "
		    "or 30000/1001)", raw->rate);
	return 0;
}

media_reader *
media_open_raw(const char *path, const media_raw *raw, int threads,
	kv_err *err)
{
	media_reader *r;

	if (raw != NULL && media_raw_check(raw, err) != 0)
		return NULL;
	if ((r = reader_new(infile_name(path), err)) == NULL)
		return NULL;
	return open_common(r, path_is_std(path) ? "pipe:0" : path, raw,
	    threads, err);
}

/* AVIOContext's read callback over a media_read_fn. */
static int
io_read(void *opaque, uint8_t *buf, int size)
{
	media_reader *r = opaque;
	long got = r->read(r->read_ctx, buf, (size_t)size);

	if (got < 0)
		return AVERROR(EIO);
	return got == 0 ? AVERROR_EOF : (int)got;
}

media_reader *
media_open_io(const char *name, media_read_fn *read, void *ctx, int threads,
	kv_err *err)
{
	media_reader *r = reader_new(name, err);
	unsigned char *buf;

	if (r == NULL)
		return NULL;
	r->read = read;
	r->read_ctx = ctx;
	r->fmt = avformat_alloc_context();
	buf = av_malloc(1 << 16);
	if (r->fmt == NULL || buf == NULL || (r->io = avio_alloc_context(buf,
	    1 << 16, 0, r, io_read, NULL, NULL)) == NULL) {
		av_free(buf);
		kv_errf(err, "out of memory");
		media_close(r);
		return NULL;
	}
	r->io->seekable = 0;
	r->fmt->pb = r->io;
	r->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	return open_common(r, name, NULL, threads, err);
}

int
media_read(media_reader *r, media_frame *f, kv_err *err)
{
	int rc;

	if (r->pending) {
		r->pending = 0;
		return deliver(r, f, err) == 0 ? 1 : -1;
	}
	if (r->ended)
		return 0;
	av_frame_unref(r->frame);
	rc = decode_next(r, err);
	if (rc <= 0) {
		r->ended = rc == 0;
		return rc;
	}
	return deliver(r, f, err) == 0 ? 1 : -1;
}

const struct AVFrame *
media_reader_avframe(const media_reader *r)
{
	return r->count > 0 && !r->pending ? r->frame : NULL;
}

/* A reference to the buffers of the frame last handed out (r->conv, if
 * used, becomes shared: deliver's av_frame_make_writable then gives it a
 * new buffer before writing). */
media_kept *
media_keep(media_reader *r, media_frame *f)
{
	AVFrame *k = av_frame_clone(r->conv != NULL ? r->conv : r->frame);

	if (k == NULL)
		return NULL;
	for (int c = 0; c < r->format.nplanes; c++) {
		f->plane[c] = k->data[r->comp_plane[c]];
		f->stride[c] = k->linesize[r->comp_plane[c]];
	}
	return (media_kept *)k;
}

void
media_kept_free(media_kept *k)
{
	AVFrame *f = (AVFrame *)k;

	av_frame_free(&f);
}

void
media_close(media_reader *r)
{
	if (r == NULL)
		return;
	sws_freeContext(r->sws);
	av_frame_free(&r->conv);
	av_frame_free(&r->frame);
	av_packet_free(&r->pkt);
	avcodec_free_context(&r->dec);
	avformat_close_input(&r->fmt);
	if (r->io != NULL) {
		av_freep(&r->io->buffer);
		avio_context_free(&r->io);
	}
	free(r->name);
	free(r);
}

/* ---- output ---- */

struct media_writer {
	char *path;
	outfile *out;
	AVFormatContext *fmt;
	AVIOContext *io;
	AVCodecContext *enc;
	AVStream *st;
	AVPacket *pkt;
	AVFrame *frame;		/* what the encoder gets */
	struct SwsContext *sws;
	enum AVPixelFormat in_fmt;
	enum AVPixelFormat want_fmt;	/* the caller's encoder format, or
					   AV_PIX_FMT_NONE: the closest */
	int comp_plane[MEDIA_MAX_PLANES];
	media_format format;
	int single_image;
	int header_written;	/* the trailer frees muxer state (GIF's
				   held packet): aborts write it to nowhere */
	int timed;		/* frames' own pts in the encoder's time base */
	int64_t count;
	int64_t last_pts;	/* the last pts given to the encoder */
};

/* opaque NULL: a writer being aborted, whose bytes go nowhere. */
static int
io_write(void *opaque, uint8_t *buf, int n)
{
	FILE *fp = opaque;

	if (fp == NULL)
		return n;
	return fwrite(buf, 1, (size_t)n, fp) == (size_t)n ? n : AVERROR(EIO);
}

static int64_t
io_seek(void *opaque, int64_t off, int whence)
{
	FILE *fp = opaque;
	struct stat sb;

	if (fp == NULL)		/* aborting */
		return AVERROR(ENOSYS);
	if (whence & AVSEEK_SIZE) {
		if (fflush(fp) != 0 || fstat(fileno(fp), &sb) != 0)
			return AVERROR(errno);
		return sb.st_size;
	}
	whence &= ~AVSEEK_FORCE;
	if (fseeko(fp, off, whence) != 0)
		return AVERROR(errno);
	return ftello(fp);
}

/* The suffix of w->path for messages: ".xyz", or "(none)". */
static const char *
suffix_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	return dot != NULL && dot[1] != '\0' ? dot : "(none)";
}

/* Container (into *of) and encoder (returned): as given, else from the
 * file name. NULL, with a message, if either is unknown. */
static const AVCodec *
guess_output(media_writer *w, const char *container, const char *codec,
	const AVOutputFormat **of, kv_err *err)
{
	const AVOutputFormat *g;
	const AVCodec *enc;
	enum AVCodecID id;

	g = container ? av_guess_format(container, NULL, NULL) :
	    av_guess_format(NULL, w->path, NULL);
	if (g == NULL) {
		if (container)
			kv_errf(err, "%s: unknown container '%s'", w->path,
			    container);
		else
			kv_errf(err, "%s: no known format for the suffix %s "
			    "(try .png or .mp4)", w->path, suffix_of(w->path));
		return NULL;
	}
	id = av_guess_codec(g, NULL, w->path, NULL, AVMEDIA_TYPE_VIDEO);
	if (strcmp(g->name, "image2") == 0) {
		/* One image, written through our own (atomic) stream. */
		g = av_guess_format("image2pipe", NULL, NULL);
		w->single_image = 1;
	}
	enc = codec ? avcodec_find_encoder_by_name(codec) :
	    id == AV_CODEC_ID_NONE ? NULL : avcodec_find_encoder(id);
	if (g == NULL || enc == NULL || enc->type != AVMEDIA_TYPE_VIDEO) {
		if (codec)
			kv_errf(err, "%s: no video encoder named %s", w->path,
			    codec);
		else
			kv_errf(err, "%s: no video encoder for the suffix %s "
			    "(%s)", w->path, suffix_of(w->path),
			    id == AV_CODEC_ID_NONE ? "the format holds no "
			    "video" : "ffmpeg was built without it");
		return NULL;
	}
	*of = g;
	return enc;
}

/* The pixel formats a container takes from an encoder that would take
 * any (wrapped_avframe, rawvideo), or NULL when it takes any. */
static const enum AVPixelFormat *
container_pix_fmts(const AVOutputFormat *of)
{
	static const enum AVPixelFormat y4m[] = {
		AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV420P,
		AV_PIX_FMT_YUV411P, AV_PIX_FMT_GRAY8,
		AV_PIX_FMT_YUV444P9, AV_PIX_FMT_YUV422P9, AV_PIX_FMT_YUV420P9,
		AV_PIX_FMT_YUV444P10, AV_PIX_FMT_YUV422P10, AV_PIX_FMT_YUV420P10,
		AV_PIX_FMT_YUV444P12, AV_PIX_FMT_YUV422P12, AV_PIX_FMT_YUV420P12,
		AV_PIX_FMT_YUV444P14, AV_PIX_FMT_YUV422P14, AV_PIX_FMT_YUV420P14,
		AV_PIX_FMT_YUV444P16, AV_PIX_FMT_YUV422P16, AV_PIX_FMT_YUV420P16,
		AV_PIX_FMT_GRAY9, AV_PIX_FMT_GRAY10, AV_PIX_FMT_GRAY12,
		AV_PIX_FMT_GRAY16, AV_PIX_FMT_NONE
	};

	if (strcmp(of->name, "yuv4mpegpipe") == 0)
		return y4m;
	return NULL;
}

static int
is_yuvj(enum AVPixelFormat pf)
{
	const char *name = av_get_pix_fmt_name(pf);

	return name != NULL && strncmp(name, "yuvj", 4) == 0;
}

static int
is_yuv(enum AVPixelFormat pf)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pf);

	return d != NULL && colour_components(d) == 3 &&
	    !(d->flags & AV_PIX_FMT_FLAG_RGB);
}

/* The pixel format to encode frames of `in` in: `in` itself when the
 * encoder and the container take it, else ffmpeg's pick of the closest
 * of those they take. Full-range YUV ("yuvj") only when the input is
 * full-range YUV or the encoder takes nothing else. */
static enum AVPixelFormat
choose_pix_fmt(const AVCodec *codec, const AVOutputFormat *of,
	enum AVPixelFormat in, int full_range)
{
	const enum AVPixelFormat *cl = codec->pix_fmts;
	const enum AVPixelFormat *ml = container_pix_fmts(of);
	enum AVPixelFormat cand[AV_PIX_FMT_NB + 1], best;
	int n = 0, nj = 0;

	if (cl == NULL && ml == NULL)
		return in;
	for (const enum AVPixelFormat *p = cl ? cl : ml; *p != AV_PIX_FMT_NONE;
	    p++) {
		int ok = 1;
		if (cl != NULL && ml != NULL) {
			ok = 0;
			for (const enum AVPixelFormat *q = ml;
			    *q != AV_PIX_FMT_NONE; q++)
				ok |= *q == *p;
		}
		if (ok && *p == in)
			return in;
		if (ok && n < AV_PIX_FMT_NB)
			cand[n++] = *p;
	}
	/* Limited-range formats first, unless the input is full-range YUV
	 * or the codec is JPEG (whose yuvj formats are its own). */
	if (!(full_range && is_yuv(in)) && codec->id != AV_CODEC_ID_MJPEG) {
		for (int i = 0; i < n; i++)
			if (!is_yuvj(cand[i]))
				cand[nj++] = cand[i];
		if (nj > 0)
			n = nj;
	}
	cand[n] = AV_PIX_FMT_NONE;
	if (n == 0)
		return AV_PIX_FMT_NONE;
	best = avcodec_find_best_pix_fmt_of_list(cand, in, 0, NULL);
	return best == AV_PIX_FMT_NONE ? cand[0] : best;
}

/* Whether samples of format pf (with the caller's flag for YUV) are
 * full range: RGB and grey always, yuvj always. */
static int
range_full(enum AVPixelFormat pf, int yuv_full)
{
	return !is_yuv(pf) || is_yuvj(pf) || yuv_full;
}

/* The converter from the caller's frames to the encoder's, told the
 * ranges and matrix so that the samples are what the tags say. */
static int
open_converter(media_writer *w, enum AVPixelFormat pf, int dst_full,
	kv_err *err)
{
	const media_format *m = &w->format;
	int cs = m->matrix == MEDIA_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601;
	const int *table = sws_getCoefficients(cs);

	w->sws = sws_getContext(m->width, m->height, w->in_fmt, m->width,
	    m->height, pf, SWS_BICUBIC | SWS_ACCURATE_RND |
	    SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
	if (w->sws == NULL)
		return kv_errf(err, "%s: cannot convert %s to %s", w->path,
		    m->pix_fmt, av_get_pix_fmt_name(pf));
	sws_setColorspaceDetails(w->sws, table,
	    range_full(w->in_fmt, m->full_range), table, dst_full, 0, 1 << 16,
	    1 << 16);
	return 0;
}

/* The encoder's time base: the frames' own (their pts are kept) when the
 * container stores times, else one tick per frame. Encoders of the
 * MPEG-4 part 2 family take denominators up to 65535 only. */
static void
choose_time_base(media_writer *w, const AVCodec *codec)
{
	const media_format *m = &w->format;
	AVRational tb = { m->fps_den, m->fps_num };

	if (codec->supported_framerates != NULL) {
		/* MPEG-1/2: the nearest of the rates the standard has */
		AVRational fps = codec->supported_framerates[
		    av_find_nearest_q_idx((AVRational){ m->fps_num,
		    m->fps_den }, codec->supported_framerates)];
		tb = av_inv_q(fps);
		w->enc->framerate = fps;
		w->timed = m->tb_num > 0 && m->tb_den > 0 && !w->single_image &&
		    !(w->fmt->oformat->flags & AVFMT_NOTIMESTAMPS);
		w->enc->time_base = tb;
		return;
	}
	w->timed = 0;
	if (m->tb_num > 0 && m->tb_den > 0 && !w->single_image &&
	    !(w->fmt->oformat->flags & AVFMT_NOTIMESTAMPS)) {
		tb = (AVRational){ m->tb_num, m->tb_den };
		if (tb.den > 65535 && (codec->id == AV_CODEC_ID_MPEG4 ||
		    codec->id == AV_CODEC_ID_H263 ||
		    codec->id == AV_CODEC_ID_MSMPEG4V3 ||
		    codec->id == AV_CODEC_ID_MSMPEG4V2)) {
			tb = (AVRational){ 1, 1000 };
		}
		w->timed = 1;
	}
	w->enc->time_base = tb;
}

static int
open_encoder(media_writer *w, const AVCodec *codec, kv_err *err)
{
	const media_format *m = &w->format;
	int in_full = range_full(w->in_fmt, m->full_range), out_full, rc;
	enum AVPixelFormat pf = choose_pix_fmt(codec, w->fmt->oformat,
	    w->in_fmt, in_full);

	if (w->want_fmt != AV_PIX_FMT_NONE) {
		pf = AV_PIX_FMT_NONE;
		for (const enum AVPixelFormat *p = codec->pix_fmts;
		    p != NULL && *p != AV_PIX_FMT_NONE; p++)
			if (*p == w->want_fmt)
				pf = *p;
		if (codec->pix_fmts == NULL)
			pf = w->want_fmt;
		if (pf == AV_PIX_FMT_NONE)
			return kv_errf(err, "%s: the %s encoder takes no %s",
			    w->path, codec->name,
			    av_get_pix_fmt_name(w->want_fmt));
	}
	if (pf == AV_PIX_FMT_NONE)
		return kv_errf(err, "%s: the %s encoder has no pixel format "
		    "the suffix %s takes", w->path, codec->name,
		    suffix_of(w->path));
	/* YUV keeps its range; RGB and grey become limited-range YUV, as
	 * ffmpeg makes them, unless only full range is on offer. */
	out_full = is_yuvj(pf) || !is_yuv(pf) ||
	    (is_yuv(w->in_fmt) && in_full);
	w->enc = avcodec_alloc_context3(codec);
	if (w->enc == NULL)
		return kv_errf(err, "out of memory");
	w->enc->width = m->width;
	w->enc->height = m->height;
	w->enc->pix_fmt = pf;
	w->enc->framerate = (AVRational){ m->fps_num, m->fps_den };
	choose_time_base(w, codec);
	w->enc->color_range = out_full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
	if (is_yuv(pf) && (!is_yuv(w->in_fmt) || m->matrix == MEDIA_BT709))
		w->enc->colorspace = m->matrix == MEDIA_BT709 ?
		    AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
	if (w->fmt->oformat->flags & AVFMT_GLOBALHEADER)
		w->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	/* one thread: libx264 writes other bytes with another thread count
	 * (its default: 1.5 per core); see video.h */
	w->enc->thread_count = 1;
	rc = avcodec_open2(w->enc, codec, NULL);
	if (rc < 0)
		return kv_errf(err, "%s: the suffix %s takes no %dx%d %s at "
		    "%d/%d fps from the %s encoder: %s", w->path,
		    suffix_of(w->path), m->width, m->height,
		    av_get_pix_fmt_name(pf), w->enc->framerate.num,
		    w->enc->framerate.den, codec->name, AVERR(rc));
	w->frame = av_frame_alloc();
	if (w->frame == NULL)
		return kv_errf(err, "out of memory");
	w->frame->format = pf;
	w->frame->width = m->width;
	w->frame->height = m->height;
	w->frame->color_range = w->enc->color_range;
	w->frame->colorspace = w->enc->colorspace;
	if (av_frame_get_buffer(w->frame, 0) < 0)
		return kv_errf(err, "out of memory");
	if ((pf != w->in_fmt || in_full != out_full) &&
	    open_converter(w, pf, out_full, err) != 0)
		return -1;
	return 0;
}

static int
open_container(media_writer *w, kv_err *err)
{
	unsigned char *buf;
	int rc;

	w->st = avformat_new_stream(w->fmt, NULL);
	if (w->st == NULL)
		return kv_errf(err, "out of memory");
	rc = avcodec_parameters_from_context(w->st->codecpar, w->enc);
	if (rc < 0)
		return kv_errf(err, "%s: %s", w->path, AVERR(rc));
	w->st->time_base = w->enc->time_base;
	w->st->avg_frame_rate = w->enc->framerate;
	if ((w->out = outfile_open(w->path, err)) == NULL)
		return -1;
	buf = av_malloc(1 << 16);
	if (buf == NULL)
		return kv_errf(err, "out of memory");
	w->io = avio_alloc_context(buf, 1 << 16, 1, outfile_stream(w->out),
	    NULL, io_write, path_is_std(w->path) ? NULL : io_seek);
	if (w->io == NULL) {
		av_free(buf);
		return kv_errf(err, "out of memory");
	}
	w->fmt->pb = w->io;
	/* the same frames give the same bytes: no random Matroska segment
	 * UID, no library version in the tags */
	w->fmt->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_BITEXACT;
	if (container_pix_fmts(w->fmt->oformat) != NULL)
		w->fmt->strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL;
	rc = avformat_write_header(w->fmt, NULL);
	w->header_written = rc >= 0;
	if (rc < 0)
		return kv_errf(err, "%s: the suffix %s takes no %s video from "
		    "the %s encoder: %s", w->path, suffix_of(w->path),
		    av_get_pix_fmt_name(w->enc->pix_fmt), w->enc->codec->name,
		    AVERR(rc));
	return 0;
}

media_writer *
media_writer_open(const char *path, const media_format *fmt,
	const char *container, const char *codec, kv_err *err)
{
	return media_writer_open_as(path, fmt, container, codec, NULL, err);
}

media_writer *
media_writer_open_as(const char *path, const media_format *fmt,
	const char *container, const char *codec, const char *pix_fmt,
	kv_err *err)
{
	media_writer *w = calloc(1, sizeof *w);
	const AVOutputFormat *of = NULL;
	const AVPixFmtDescriptor *d;
	const AVCodec *enc = NULL;

	quiet_libav();
	if (w == NULL || (w->path = strdup(path ? path : "-")) == NULL ||
	    (w->pkt = av_packet_alloc()) == NULL) {
		kv_errf(err, "out of memory");
		goto fail;
	}
	w->format = *fmt;
	if (w->format.fps_num <= 0 || w->format.fps_den <= 0) {
		w->format.fps_num = 25;
		w->format.fps_den = 1;
	}
	w->want_fmt = AV_PIX_FMT_NONE;
	if (pix_fmt != NULL &&
	    (w->want_fmt = av_get_pix_fmt(pix_fmt)) == AV_PIX_FMT_NONE) {
		kv_errf(err, "%s: unknown pixel format '%s'", w->path, pix_fmt);
		goto fail;
	}
	w->in_fmt = av_get_pix_fmt(fmt->pix_fmt);
	if (w->in_fmt == AV_PIX_FMT_NONE ||
	    (d = av_pix_fmt_desc_get(w->in_fmt)) == NULL) {
		kv_errf(err, "%s: unknown pixel format '%s'", w->path,
		    fmt->pix_fmt);
		goto fail;
	}
	for (int c = 0; c < fmt->nplanes; c++)
		w->comp_plane[c] = d->comp[c].plane;
	if ((enc = guess_output(w, container, codec, &of, err)) == NULL)
		goto fail;
	if (avformat_alloc_output_context2(&w->fmt, of, NULL, NULL) < 0) {
		kv_errf(err, "out of memory");
		goto fail;
	}
	if (open_encoder(w, enc, err) != 0 || open_container(w, err) != 0)
		goto fail;
	return w;
fail:
	media_writer_abort(w);
	return NULL;
}

/* Move the encoder's packets into the container. */
static int
drain(media_writer *w, kv_err *err)
{
	int rc;

	while ((rc = avcodec_receive_packet(w->enc, w->pkt)) == 0) {
		av_packet_rescale_ts(w->pkt, w->enc->time_base,
		    w->st->time_base);
		w->pkt->stream_index = w->st->index;
		rc = av_interleaved_write_frame(w->fmt, w->pkt);
		if (rc < 0)
			return kv_errf(err, "%s: %s", w->path, AVERR(rc));
	}
	if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF)
		return kv_errf(err, "%s: %s", w->path, AVERR(rc));
	return 0;
}

int
media_write(media_writer *w, const media_frame *f, kv_err *err)
{
	const media_format *m = &w->format;
	const uint8_t *src[4] = { 0 };
	int stride[4] = { 0 };
	int rc;

	if (w->single_image && w->count > 0)
		return kv_errf(err, "%s: an image holds one frame; give a "
		    "video file name (e.g. .mp4) for more", w->path);
	if (av_frame_make_writable(w->frame) < 0)
		return kv_errf(err, "out of memory");
	for (int c = 0; c < m->nplanes; c++) {
		src[w->comp_plane[c]] = f->plane[c];
		stride[w->comp_plane[c]] = (int)f->stride[c];
	}
	if (w->in_fmt == AV_PIX_FMT_PAL8) {
		if (f->plane[1] == NULL)
			return kv_errf(err, "%s: a pal8 frame without its "
			    "palette", w->path);
		src[1] = f->plane[1];	/* 256 x 0xAARRGGBB */
		stride[1] = 4;
	}
	if (w->sws != NULL) {
		sws_scale(w->sws, src, stride, 0, m->height, w->frame->data,
		    w->frame->linesize);
	} else {
		av_image_copy(w->frame->data, w->frame->linesize, src, stride,
		    w->in_fmt, m->width, m->height);
	}
	w->frame->pts = w->count;
	w->frame->pkt_duration = 0;
	if (w->timed && f->timed) {
		AVRational in = { m->tb_num, m->tb_den };
		w->frame->pts = av_rescale_q(f->pts, in, w->enc->time_base);
		w->frame->pkt_duration = av_rescale_q(f->duration, in,
		    w->enc->time_base);
	} else if (w->timed) {
		w->frame->pts = av_rescale_q(w->count, (AVRational){
		    m->fps_den, m->fps_num }, w->enc->time_base);
	}
	if (w->count > 0 && w->frame->pts <= w->last_pts)
		w->frame->pts = w->last_pts + 1;
	w->last_pts = w->frame->pts;
	w->count++;
	rc = avcodec_send_frame(w->enc, w->frame);
	if (rc < 0)
		return kv_errf(err, "%s: frame %lld: %s", w->path,
		    (long long)w->count, AVERR(rc));
	return drain(w, err);
}

static void
writer_free(media_writer *w)
{
	if (w->io != NULL) {
		av_freep(&w->io->buffer);
		avio_context_free(&w->io);
	}
	if (w->fmt != NULL)
		w->fmt->pb = NULL;
	avformat_free_context(w->fmt);
	sws_freeContext(w->sws);
	av_frame_free(&w->frame);
	av_packet_free(&w->pkt);
	avcodec_free_context(&w->enc);
	free(w->path);
	free(w);
}

int
media_writer_close(media_writer *w, kv_err *err)
{
	int rc;

	if (w->count == 0) {
		kv_errf(err, "%s: no frames to write", w->path);
		media_writer_abort(w);
		return -1;
	}
	rc = avcodec_send_frame(w->enc, NULL);
	if (rc < 0 || drain(w, err) != 0) {
		if (rc < 0)
			kv_errf(err, "%s: %s", w->path, AVERR(rc));
		media_writer_abort(w);
		return -1;
	}
	rc = av_write_trailer(w->fmt);
	w->header_written = 0;	/* the trailer is written, or failed */
	avio_flush(w->io);
	if (rc < 0 || w->io->error < 0) {
		kv_errf(err, "%s: %s", w->path, AVERR(rc < 0 ? rc :
		    w->io->error));
		media_writer_abort(w);
		return -1;
	}
	rc = outfile_commit(w->out, err);
	w->out = NULL;
	writer_free(w);
	return rc;
}

void
media_writer_abort(media_writer *w)
{
	if (w == NULL)
		return;
	if (w->header_written && w->io != NULL) {
		w->io->opaque = NULL;
		w->io->seekable = 0;
		av_write_trailer(w->fmt);
	}
	outfile_abort(w->out);
	writer_free(w);
}
