/* video.h: video and image files in and out, through libavformat and
 * libavcodec (FFmpeg 5.x send/receive API).
 *
 * Input is anything ffmpeg reads: a video file, a still image (PNG, BMP,
 * PGM/PPM, JPEG, TIFF, ...), an image sequence pattern ("frames/%04d.png")
 * or a stream on stdin ("-", e.g. Y4M). Frames come one at a time, with
 * their samples as stored: YUV stays YUV at its own range and depth (no
 * conversion to RGB or grey, no range stretching). Packed layouts (RGB24,
 * YUYV, NV12, a grey palette) are only rearranged into planes, never
 * rescaled. Alpha is dropped.
 *
 * Output writes frames of one format to a video file or a single image,
 * atomically (through outfile.h: nothing is left at the path on failure).
 *
 * Every failure fills kv_err with a message that names the file. */
#ifndef KVAE_MEDIA_H
#define KVAE_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define MEDIA_MAX_PLANES 3

/* How the samples of a plane are stored. */
enum media_sample {
	MEDIA_U8 = 1,	/* uint8_t, depth 1..8 */
	MEDIA_U16,	/* uint16_t (native endian), depth 9..16 */
	MEDIA_F32	/* float, nominal range 0..1 */
};

/* What the planes mean. */
enum media_color {
	MEDIA_GRAY = 1,	/* one plane: luma */
	MEDIA_YUV,	/* Y, U (Cb), V (Cr); chroma may be subsampled */
	MEDIA_RGB	/* R, G, B */
};

/* Which matrix relates YUV and RGB (for luma of RGB input, and as the
 * input says for YUV). */
enum media_matrix { MEDIA_BT601 = 1, MEDIA_BT709 };

/* The layout of every frame of a stream. */
typedef struct media_format {
	int width, height;		/* of plane 0, in pixels */
	int nplanes;			/* 1 or 3 */
	int has_alpha;			/* the input's alpha, not in the
					   planes (reader only) */
	int plane_w[MEDIA_MAX_PLANES];	/* plane sizes: chroma may be */
	int plane_h[MEDIA_MAX_PLANES];	/* smaller (ceil of the shift) */
	int log2_chroma_w, log2_chroma_h;
	enum media_sample sample;
	int depth;			/* significant bits: 1..16, or 32 */
	enum media_color color;
	enum media_matrix matrix;
	int full_range;			/* YUV: 0 limited (16-235), 1 full */
	int fps_num, fps_den;		/* frame rate; 25/1 when unknown */
	int tb_num, tb_den;		/* unit of media_frame pts and
					   duration (the input stream's time
					   base); 0/0 when frames carry no
					   times */
	char pix_fmt[32];		/* ffmpeg's name of the plane layout */
} media_format;

/* One frame: plane pointers in the order of media_color (Y,U,V or
 * R,G,B), strides in bytes. */
typedef struct media_frame {
	const void *plane[MEDIA_MAX_PLANES];
	ptrdiff_t stride[MEDIA_MAX_PLANES];
	int64_t index;			/* 0 for the first frame */
	int timed;			/* pts and duration are set */
	int64_t pts;			/* presentation time, in the format's
					   tb_num/tb_den (as the input has it) */
	int64_t duration;		/* in the same unit; 0 unknown */
} media_frame;

/* The largest value a sample can have: 2^depth - 1, or 1.0 for float. */
double media_sample_max(const media_format *f);

/* The luma of a frame as doubles, width x height row by row, in the
 * samples' own scale: plane 0 for GRAY and YUV; for RGB, Kr R + Kg G +
 * Kb B with BT.601 or BT.709 weights as f->matrix says (unrounded). */
void media_luma(const media_format *f, const media_frame *fr, double *out);

/* ---- input ---- */

typedef struct media_reader media_reader;

/* Open `path` ("-" is stdin) and its first video stream, decode up to
 * the first frame so the format is known. `threads` is the decoder's
 * thread count: 0 is the process's (core/threads.h), or when it has
 * none the codec's choice (fastest for one stream); 1 decodes in the
 * calling thread (for a caller that runs several readers in parallel
 * itself). The frames do not depend on it. Returns NULL with a message ("PATH: ...") when
 * the file is missing, unreadable, has no video or no decodable frame
 * ("PATH: no frames"). Owns everything it opens. */
media_reader *media_open(const char *path, int threads, kv_err *err);

/* Raw video (no container) as ffmpeg's rawvideo demuxer reads it: its
 * video_size ("32x24" or a name such as "cif"), pixel_format (ffmpeg's
 * name; NULL: yuv420p) and framerate (NULL: 25). */
typedef struct media_raw {
	const char *size, *pix_fmt, *rate;
} media_raw;

/* 0 when raw's size, pixel format and rate are ones ffmpeg parses; else
 * -1 with a message naming the option (--size, --pix-fmt, --rate). */
int media_raw_check(const media_raw *raw, kv_err *err);

/* As media_open, reading `path` as raw video laid out as `raw` says
 * (NULL: media_open). A last frame cut short is damage (see
 * media_reader_damage). Fails as media_open does, or as
 * media_raw_check does. */
media_reader *media_open_raw(const char *path, const media_raw *raw,
	int threads, kv_err *err);

/* A source of bytes for media_open_io: read up to n bytes into buf and
 * return how many, 0 at the end, -1 on a read error. */
typedef long media_read_fn(void *ctx, uint8_t *buf, size_t n);

/* As media_open, with the bytes coming from `read` (called with `ctx`)
 * instead of a file: an input whose first bytes were already read by a
 * caller that looked at them (see core/input.h), or one held in memory.
 * The source is read in order, never seeks, so containers that need to
 * seek (MP4 with its index at the end) fail as they do on a pipe. `name`
 * is for messages and, by its suffix, a hint of the format. */
media_reader *media_open_io(const char *name, media_read_fn *read, void *ctx,
	int threads, kv_err *err);

/* The format of the stream's frames; owned by the reader. */
const media_format *media_reader_format(const media_reader *r);

/* The name for messages: the path or "stdin". */
const char *media_reader_name(const media_reader *r);

/* Decode the next frame into *f. Returns 1 with a frame (valid until the
 * next call or media_close), 0 at the end of the stream (also an early
 * one, of a file cut short or damaged: see media_reader_damage), -1 with
 * a message ("PATH: frame N: ...") on a read error of the system's, or
 * when the frame size or layout changes mid-stream. */
int media_read(media_reader *r, media_frame *f, kv_err *err);

/* The frame media_read last handed out as the decoder made it: an
 * AVFrame of libavutil in the decoder's own pixel format, with its
 * colour range and matrix, before any rearranging into planes; for a
 * caller that converts with libswscale itself (frame_scale.h). Owned
 * by the reader, valid as the media_frame is. NULL before the first
 * media_read that returned 1. */
struct AVFrame;
const struct AVFrame *media_reader_avframe(const media_reader *r);

/* Whether the input, as far as it has been read, was damaged: frames
 * the decoder could not decode or concealed errors in (skipped or
 * handed out as decoded), a container that could not be read on (then
 * media_read ended the stream there, not with an error), or, once
 * media_read returned 0, an end before the one the container announces
 * (by more than two frames). Returns 1 with the facts in `why` ("PATH:
 * the input ends early, after frame N ...; K damaged frames, the first
 * near frame M (...)"), or 0. For the caller to warn, or to fail. */
int media_reader_damage(const media_reader *r, kv_err *why);

/* The streams of the input other than the one read (audio, subtitles,
 * other video, data; not cover pictures), which a program writing the
 * frames to `output` leaves behind: returns how many, with `why`
 * saying so ("PATH: 1 audio stream not copied to OUTPUT (video only)"),
 * or 0. For the caller to warn. */
int media_reader_dropped(const media_reader *r, const char *output,
	kv_err *why);

/* A frame kept past the next media_read: see media_keep. */
typedef struct media_kept media_kept;

/* Keep *f, the frame media_read last handed out: its planes (f's plane
 * pointers, pointed at the kept buffers) stay valid and unchanged through
 * later media_read calls, until media_kept_free, so a caller can decode
 * ahead while other threads work on earlier frames. Takes a reference
 * to the decoder's buffers, not a copy (frames that were rearranged
 * into planes are copied once, at the next media_read). Returns NULL
 * when out of memory. The kept frame does not depend on the reader: it
 * may be freed after media_close, from any thread. */
media_kept *media_keep(media_reader *r, media_frame *f);

/* Release a kept frame; safe with NULL. */
void media_kept_free(media_kept *k);

/* Close and free; safe with NULL. */
void media_close(media_reader *r);

/* ---- output ---- */

typedef struct media_writer media_writer;

/* Open `path` ("-" is stdout, then `container` must be given) for frames
 * of format `fmt` (the planes given to media_write; fps_num/fps_den set
 * the frame rate). The container follows `container` (an ffmpeg format
 * name such as "yuv4mpegpipe") or else the file name's suffix (.png,
 * .bmp, .pgm, .tiff: one image; .mp4, .mkv, .avi, .y4m, ...: a video);
 * the codec is `codec` (an encoder name such as "ffv1") or else the
 * container's default. Frames are converted to a pixel format the
 * encoder takes when it does not take `fmt` as it is. The encoder runs
 * on the calling thread alone, whatever the process's thread count:
 * libx264 makes other choices with other thread counts, and the bytes
 * written must not depend on the machine or on --threads. Returns NULL
 * with a message naming `path`. */
media_writer *media_writer_open(const char *path, const media_format *fmt,
	const char *container, const char *codec, kv_err *err);

/* As media_writer_open, with the frames encoded in the pixel format
 * `pix_fmt` (ffmpeg's name: "yuv420p" for H.264 that every player
 * plays, "bgr0" for lossless 8-bit RGB in FFV1) instead of the closest
 * one the encoder takes; NULL is media_writer_open. An encoder that
 * does not take `pix_fmt` is an error naming both. */
media_writer *media_writer_open_as(const char *path, const media_format *fmt,
	const char *container, const char *codec, const char *pix_fmt,
	kv_err *err);

/* Encode one frame. An image file takes exactly one frame: a second
 * one is an error ("PATH: an image holds one frame"). For frames of
 * pix_fmt "pal8" (nplanes 1: indices, for GIF), f->plane[1] is the
 * frame's palette, 256 uint32_t 0xAARRGGBB. Returns 0 or -1. */
int media_write(media_writer *w, const media_frame *f, kv_err *err);

/* Flush the encoder, finish the file and move it into place; frees the
 * writer. Returns 0, or -1 with a message (then nothing is left at the
 * path). */
int media_writer_close(media_writer *w, kv_err *err);

/* Throw the output away and free; safe with NULL. */
void media_writer_abort(media_writer *w);

#endif
