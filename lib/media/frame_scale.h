/* frame_scale.h: one decoded frame to a model's input: width x height,
 * GRAY8 (1 channel) or RGB24 (3 channels) through libswscale's area
 * filter, then v / 127.5 - 1 as planar (C, H, W) floats in [-1, 1].
 *
 * The 8-bit values are those of
 *
 *   ffmpeg -i IN -vf scale=W:H:flags=area,format=gray \
 *       -f rawvideo -pix_fmt gray -
 *
 * (rgb24 likewise) of FFmpeg 5.1, byte for byte: the conversion starts
 * from the decoder's own frame (its pixel format, not media_read's
 * planes) and sets libswscale up as that command's scale filter does.
 * What matters, measured (tests/frame-source.bats checks the result):
 *
 *   - flags SWS_AREA alone: the filter adds nothing to flags=area
 *     (ffmpeg -v debug shows flags 0x20); SWS_ACCURATE_RND or
 *     SWS_BITEXACT would change grey values by 1 in about a sixth of
 *     the pixels;
 *   - the colour details of sws_setColorspaceDetails as the filter
 *     sets them per frame: the input's matrix from the frame's
 *     colorspace (BT.601 when unspecified or one libswscale has no
 *     table for) and the same matrix for the output (without: RGB of
 *     BT.709 video off by up to 39), the input's range from the frame's
 *     color_range when it says one (without: full-range yuv420p that
 *     only the frame tags as such is off by up to 20 in grey), else
 *     libswscale's own from the pixel format (full for yuvj*); the
 *     output's range as libswscale sets it;
 *   - for yuv420p input the filter also sites chroma as MPEG-2 does
 *     (src_v_chr_pos 128); done here too, though with the area filter
 *     it changed no byte in any test.
 * The scaler is rebuilt when the frame's size, pixel format, range or
 * matrix changes (images of a directory may differ). */
#ifndef KVAE_FRAME_SCALE_H
#define KVAE_FRAME_SCALE_H

#include <stdint.h>

#include "core/err.h"

struct AVFrame;

typedef struct frame_scale frame_scale;

/* A converter to width x height x channels (1 or 3). Returns NULL with
 * a message on bad sizes or no memory. */
frame_scale *frame_scale_new(int width, int height, int channels,
	kv_err *err);

/* Convert `in` into out: channels x height x width floats (C, H, W),
 * v / 127.5 - 1 of the 8-bit values. Returns 0, or -1 with a message
 * ("cannot convert yuv410p 7x5 to gray 4x3") the caller prefixes with
 * the input's name and frame. */
int frame_scale_run(frame_scale *s, const struct AVFrame *in, float *out,
	kv_err *err);

/* The 8-bit values of the last frame converted: height rows of width x
 * channels bytes (packed RGB for 3 channels), `stride` bytes apart. */
const uint8_t *frame_scale_bytes(const frame_scale *s, int *stride);

/* Free; safe with NULL. */
void frame_scale_free(frame_scale *s);

#endif
