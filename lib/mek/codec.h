/* codec.h: predictive image compression with the maximum-entropy model,
 * the .mek container.
 *
 * Each channel plane is predicted, pixel by pixel in raster order, from
 * its causal neighbours (W, N, NW, NE, WW, NN, ... the first `order` of
 * them) and, for channels after the first, from the previous channel at
 * the same place, W and N. The predictor is the 2-D form of the ME
 * normal equations R a = r (eq. 13 of Avesta & Aboulnasr): R and r are
 * the image's correlations over that neighbourhood, mean removed,
 * solved by Cholesky; the coefficients are rounded to 12 fractional bits
 * and stored, so encoder and decoder predict with the same integer
 * arithmetic on the reconstructed pixels.
 *
 * The model is classified: each pixel's neighbourhood falls in one of 32
 * classes, the pattern of which of W=NW, N=NW, N=NE, W=WW, N=NN hold.
 * The encoder solves the normal equations of every class; a class whose
 * own predictor saves more bits than it costs (estimated from the
 * residuals' bit-length entropy in each gradient context) keeps it, and
 * its own coding contexts; the others share one predictor. This is what
 * an upsampled or pixel-replicated image needs (scikit-image's moon is a
 * 256x256 image with every pixel copied into a 2x2 block: three of the
 * four phases are copies of W or N, each phase has its own pattern, and
 * no single linear predictor of the whole image can see that).
 *
 * The prediction error is corrected by the mean error seen so far in its
 * context (local gradient and the signs of N-NW, W-NW, NE-N, as JPEG-LS's
 * bias cancellation, per class group), quantised as JPEG-LS does with
 * NEAR = max_error (0: lossless; E > 0: every reconstructed pixel within
 * E of the original) and coded with the adaptive binary range coder: a
 * zero flag, then the bit length and the bits below it, contexts chosen
 * by the class group and the local activity (the gradient sum plus the
 * reconstruction errors at W and N, as CALIC's error energy). With E > 0 the classes are
 * met on the reconstruction, where fewer equalities survive, so the
 * encoder also codes the image without classes and keeps the smaller.
 *
 * The file (all integers little-endian):
 *   0   8  magic "\x89MEK\r\n\x1a\n"
 *   8   1  version (2; version 1 files are still read)
 *   9   1  channels (1..4)
 *   10  2  maxval (1..65535; 255 for 8-bit images)
 *   12  4  width, 16 4 height (each >= 1; pixels * channels <= 2^30)
 *   20  2  max_error
 *   22  1  order (spatial neighbours, 1..MEK_MAX_ORDER)
 *   23  1  reserved, 0
 *   24     per channel: uint32 class mask (bit k: class k has its own
 *          predictor), the shared predictor, then each own predictor in
 *          class order; a predictor is an int64 bias and int32
 *          coefficients (order, +3 for channels after the first), all
 *          scaled by 4096
 *   then   uint64 payload length, the payload, uint32 CRC-32 (IEEE) of
 *          every byte before it.
 * Version 1 had no class masks (one predictor per channel), no zero flag
 * and no errors in the activity. A file of another
 * length, a bad checksum, or a field out of range is refused with a
 * message saying which. */
#ifndef KVAE_MEK_H
#define KVAE_MEK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "media/image.h"

#define MEK_MAGIC "\x89MEK\r\n\x1a\n"
#define MEK_VERSION 2
#define MEK_MAX_ORDER 12
#define MEK_DEFAULT_ORDER 4
#define MEK_MAX_CHANNELS 4
#define MEK_MAX_SAMPLES MEDIA_IMAGE_MAX_SAMPLES

typedef struct mek_params {
	unsigned max_error;	/* 0: lossless */
	unsigned order;		/* spatial neighbours, 1..MEK_MAX_ORDER */
} mek_params;

/* Compress img into a .mek file image: *out (malloc'd, caller frees),
 * *len bytes. Fails on an image or parameters out of range (a sample
 * above maxval is named by place). */
int mek_compress(uint8_t **out, size_t *len, const media_image *img,
	const mek_params *par, kv_err *err);

/* Decompress a whole .mek file image. On success img->pix is malloc'd
 * (caller frees). Fails, with img untouched, on anything but a complete,
 * intact file of a version this code reads. */
int mek_decompress(media_image *img, const uint8_t *buf, size_t len,
	kv_err *err);

/* Whether buf starts with the .mek magic (len >= 8). */
int mek_is_mek(const uint8_t *buf, size_t len);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of n bytes. */
uint32_t mek_crc32(const uint8_t *p, size_t n);

#endif
