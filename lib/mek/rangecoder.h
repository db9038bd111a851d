/* rangecoder.h: an adaptive binary range coder (the carry-less-cache
 * scheme of LZMA's coder: 32-bit range, 12-bit probabilities adapted by a
 * shift of 5 after every bit).
 *
 * Multi-bit symbols go through binary trees of such models
 * (rc_encode_tree), or as raw equiprobable bits (rc_encode_direct).
 * The encoder writes into a growing buffer it owns until
 * rc_encoder_finish hands it over. The decoder reads from a caller's
 * buffer; reading past its end yields zero bytes and is counted, so a
 * truncated stream never reads out of bounds and can be detected with
 * rc_decoder_overrun. */
#ifndef KVAE_RANGECODER_H
#define KVAE_RANGECODER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RC_PROB_BITS 12
#define RC_PROB_INIT (1u << (RC_PROB_BITS - 1))	/* p(0) = 1/2 */

typedef uint16_t rc_prob;	/* probability that the next bit is 0 */

/* Set n models to 1/2. */
void rc_probs_init(rc_prob *p, size_t n);

typedef struct rc_encoder {
	uint8_t *buf;		/* owned until rc_encoder_finish */
	size_t len, cap;
	uint64_t low;
	uint32_t range;
	uint8_t cache;
	uint64_t cache_size;
	int oom;		/* an allocation failed; reported at finish */
} rc_encoder;

void rc_encoder_init(rc_encoder *e);
void rc_encode_bit(rc_encoder *e, rc_prob *p, int bit);
/* The low nbits (<= 32) of v, most significant first, at probability 1/2. */
void rc_encode_direct(rc_encoder *e, uint32_t v, int nbits);
/* The low nbits of sym through the tree probs[1 .. 2^nbits - 1]. */
void rc_encode_tree(rc_encoder *e, rc_prob *probs, int nbits, uint32_t sym);
/* Flush; on success *out (malloc'd, caller frees) and *len hold the
 * stream and 0 is returned; -1 if memory ran out (the buffer is freed). */
int rc_encoder_finish(rc_encoder *e, uint8_t **out, size_t *len,
	kv_err *err);
/* Free the buffer of an encoder not finished. */
void rc_encoder_free(rc_encoder *e);

typedef struct rc_decoder {
	const uint8_t *buf;	/* not owned */
	size_t len, pos;
	size_t overrun;		/* bytes asked for past the end */
	uint32_t range, code;
} rc_decoder;

void rc_decoder_init(rc_decoder *d, const uint8_t *buf, size_t len);
int rc_decode_bit(rc_decoder *d, rc_prob *p);
uint32_t rc_decode_direct(rc_decoder *d, int nbits);
uint32_t rc_decode_tree(rc_decoder *d, rc_prob *probs, int nbits);
/* Bytes the decoder wanted beyond the buffer. A complete stream decoded
 * with the same models needs none. */
size_t rc_decoder_overrun(const rc_decoder *d);

#endif
