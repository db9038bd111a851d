/* frame_source.h: frames as a model takes them, from any input that
 * holds pictures: a video file, a still image, an image sequence pattern
 * ("frames/%04d.png"), a directory or a glob of images, or Y4M (or any
 * other stream libavformat reads without seeking) on stdin ("-").
 *
 * Every frame is converted with libswscale to the model's size and
 * channels, GRAY8 (1 channel) or RGB24 (3 channels), with the area
 * filter, then scaled to [-1, 1] as v / 127.5 - 1 and laid out planar
 * (C, H, W) as float. The conversion is the one of
 *
 *   ffmpeg -i IN -vf scale=W:H:flags=area,format=gray -f rawvideo -
 *
 * (format=rgb24 for 3 channels), frame for frame and byte for byte
 * before the scaling to [-1, 1]; tests/frame-source.bats checks it.
 *
 * The conversion starts from the decoder's own frame and sets
 * libswscale up as that command's scale filter does: see frame_scale.h
 * for what matters and what was measured. It is exact for every kind
 * of input tried (lavfi yuv420p and yuv444p, limited and full range,
 * BT.709, yuvj420p, RGB and grey PNG, JPEG, PGM, H.264 and MPEG-4 in
 * MP4, Y4M on a pipe): no tolerance is needed anywhere.
 *
 * One input is one sequence: a video's frames in order, the images of
 * a pattern, directory or glob in the order of their names (strverscmp,
 * so img2.png comes before img10.png). A pattern is read by libavformat's
 * image2 demuxer (the first number 0 to 4, then on while files follow);
 * a directory's images are its files with an image suffix (.png, .jpg,
 * .pgm, .ppm, .bmp, .tif, .webp, ...; hidden files skipped); a glob's
 * are the files it matches. Images of one sequence may differ in size
 * and format: each is scaled. Memory does not grow with the length of
 * the input: one decoded frame is held at a time.
 *
 * Failures name the input: "clip.mkv: frame 12: ..." for a read error,
 * and a damaged or truncated input is an error here, not a warning
 * ("clip.mkv: the input ends early, after frame N ..."), since a model
 * trained or a latent stream written from half a video is not what the
 * user asked for. The error comes as soon as the damage shows: a frame
 * the decoder concealed errors in is not handed out. */
#ifndef KVAE_FRAME_SOURCE_H
#define KVAE_FRAME_SOURCE_H

#include "core/err.h"
#include "core/input.h"

typedef struct frame_source frame_source;

/* Whether `path` names pictures rather than a kvae-seq(5) stream: a
 * directory, a name holding a printf pattern ("%d", "%04d") or glob
 * characters ("*", "?", "["), or an input whose first bytes (peeked
 * through `in`, which stays usable for the seq reader when the answer
 * is no) are an image or video (sniff.h: PGM/PPM, Y4M, or bytes that
 * are neither text nor a kvae-seq or sound signature). Returns 1, 0,
 * or -1 with a message: an unreadable input, or a sound file ("NAME: a
 * sound file, not pictures"). `in` may be NULL for a path that is not
 * "-"; then the path is opened and peeked here. */
int frame_input_is_media(const char *path, kv_input *in, kv_err *err);

/* Open `path` for frames of width x height and `channels` (1 or 3).
 * `in`, when not NULL, is the already-opened and peeked input of the
 * path (as frame_input_is_media had it; taken over and closed by the
 * source). Returns NULL with a message naming the path: missing,
 * unreadable, no pictures ("DIR: no images"), not a picture format. */
frame_source *frame_source_open(const char *path, kv_input *in, int width,
	int height, int channels, kv_err *err);

/* The next frame into out (channels x height x width floats in
 * [-1, 1]). Returns 1 with a frame, 0 at the end, -1 with a message
 * ("NAME: frame N: ..."; a damaged or cut input is an error). */
int frame_source_read(frame_source *s, float *out, kv_err *err);

/* The input's frame rate as a fraction (25/1 when the input does not
 * say, as for a directory of images). */
void frame_source_rate(const frame_source *s, int *num, int *den);

/* The input's own frame size (before scaling). */
void frame_source_size(const frame_source *s, int *width, int *height);

/* The name for messages ("stdin" for "-"). */
const char *frame_source_name(const frame_source *s);

/* Frames handed out so far. */
long frame_source_count(const frame_source *s);

/* Close and free; safe with NULL. */
void frame_source_close(frame_source *s);

#endif
