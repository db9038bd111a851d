/* frame_sink.h: frames a model made, written as a video or images
 * chosen by the output name, as ffmpeg chooses by suffix.
 *
 * Frames come as planar (C, H, W) floats with C 1 (grey) or 3 (RGB) in
 * [-1, 1] (values outside are clipped), and are stored as 8-bit values
 * round((v + 1) * 127.5), the inverse of frame_source.h's scaling, so
 * that frames -> FFV1 -> frames is exact. The output follows the name:
 *
 *   .mkv       FFV1 in Matroska (lossless), gray or, for RGB, bgr0
 *              (FFV1's 8-bit RGB, still lossless)
 *   .mp4       H.264 (libx264) in MP4, yuv420p (so even sizes only);
 *              when this FFmpeg has no H.264 encoder: an error saying
 *              so, naming .mkv instead
 *   .gif       GIF: grey as it is; RGB with a palette per frame from
 *              its colours (median cut; exact up to 256 colours)
 *   .y4m, "-"  YUV4MPEG2 (gray, exact; or limited-range BT.601 yuv444p
 *              for RGB), for `| ffplay -`; also a device or descriptor
 *              named without a suffix (/dev/stdout, /dev/fd/3)
 *   %04d.png   one PNG per frame, numbered from 1 as ffmpeg's image2
 *              muxer numbers them (any %d or %0Nd pattern in the file
 *              name, with .png, .pgm, .ppm, .bmp, .tif; .pgm holds the
 *              luma of RGB frames)
 *   .png etc.  a single image: only for a single frame
 *   .avi, .mov, .webm, ...: what media_writer_open chooses by suffix
 *
 * An unknown suffix is an error before anything is written. The frame
 * rate is fps_num/fps_den, constant: frame n is at n fps_den/fps_num s.
 * With out_width/out_height larger than the frames, each frame is
 * scaled up with libswscale (bicubic) for viewing (area when a side is
 * smaller). Output is atomic (core/outfile.h through media/video.h): on
 * failure, or frame_sink_abort, nothing is left at the path.
 *
 * An image pattern's files appear only at frame_sink_close: until then
 * the frames wait, as bytes, in an unnamed temporary file in $TMPDIR
 * (or /tmp), which vanishes however the process ends; the close encodes
 * them into a hidden directory beside the files (".kvae-frames.XXXXXX")
 * and renames them all into place, after checking that nothing (such
 * as a directory at a frame's name) would stop a rename. A rename that
 * fails all the same (an I/O error) removes every frame again (a file
 * that an earlier rename had replaced is then gone); only an interrupt
 * during the close can leave the hidden directory behind. */
#ifndef KVAE_FRAME_SINK_H
#define KVAE_FRAME_SINK_H

#include "core/err.h"

typedef struct frame_sink frame_sink;

typedef struct frame_sink_opts {
	int width, height, channels;	/* of the frames given */
	int out_width, out_height;	/* 0: as the frames */
	int fps_num, fps_den;		/* 0/0: 25/1 */
} frame_sink_opts;

/* Whether frame_sink_open would accept `path`'s name (suffix or
 * pattern): 1, or 0 with a message saying which names are known. For
 * checking before long work. */
int frame_sink_name_ok(const char *path, kv_err *err);

/* Open `path` ("-": Y4M on stdout). NULL with a message naming it. */
frame_sink *frame_sink_open(const char *path, const frame_sink_opts *o,
	kv_err *err);

/* Write one frame (channels x height x width floats). 0, or -1 with a
 * message (a NaN is an error naming its frame and place; the caller
 * then aborts). */
int frame_sink_write(frame_sink *s, const float *frame, kv_err *err);

/* Finish and move the output into place; frees. 0 or -1 (then nothing
 * is left at the path). */
int frame_sink_close(frame_sink *s, kv_err *err);

/* Throw the output away and free; safe with NULL. */
void frame_sink_abort(frame_sink *s);

#endif
