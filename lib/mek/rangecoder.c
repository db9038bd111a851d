/* rangecoder.c: adaptive binary range coder; see rangecoder.h. */
#include <stdlib.h>

#include "mek/rangecoder.h"

#define TOP (1u << 24)
#define ADAPT 5

void
rc_probs_init(rc_prob *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = RC_PROB_INIT;
}

void
rc_encoder_init(rc_encoder *e)
{
	*e = (rc_encoder){ .range = 0xFFFFFFFFu, .cache_size = 1 };
}

static void
put_byte(rc_encoder *e, uint8_t b)
{
	if (e->oom)
		return;
	if (e->len == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 4096;
		uint8_t *nb = realloc(e->buf, cap);
		if (!nb) {
			e->oom = 1;
			return;
		}
		e->buf = nb;
		e->cap = cap;
	}
	e->buf[e->len++] = b;
}

/* Emit the top byte of low, holding back 0xFF bytes until a carry out of
 * the 32-bit window is known or ruled out. */
static void
shift_low(rc_encoder *e)
{
	if ((uint32_t)e->low < 0xFF000000u || (e->low >> 32) != 0) {
		uint8_t carry = (uint8_t)(e->low >> 32), b = e->cache;
		do {
			put_byte(e, (uint8_t)(b + carry));
			b = 0xFF;
		} while (--e->cache_size != 0);
		e->cache = (uint8_t)(e->low >> 24);
	}
	e->cache_size++;
	e->low = (e->low & 0x00FFFFFFu) << 8;
}

void
rc_encode_bit(rc_encoder *e, rc_prob *p, int bit)
{
	uint32_t bound = (e->range >> RC_PROB_BITS) * *p;

	if (!bit) {
		e->range = bound;
		*p += ((1u << RC_PROB_BITS) - *p) >> ADAPT;
	} else {
		e->low += bound;
		e->range -= bound;
		*p -= *p >> ADAPT;
	}
	while (e->range < TOP) {
		e->range <<= 8;
		shift_low(e);
	}
}

void
rc_encode_direct(rc_encoder *e, uint32_t v, int nbits)
{
	for (int i = nbits - 1; i >= 0; i--) {
		e->range >>= 1;
		if ((v >> i) & 1)
			e->low += e->range;
		while (e->range < TOP) {
			e->range <<= 8;
			shift_low(e);
		}
	}
}

void
rc_encode_tree(rc_encoder *e, rc_prob *probs, int nbits, uint32_t sym)
{
	uint32_t node = 1;

	for (int i = nbits - 1; i >= 0; i--) {
		int bit = (sym >> i) & 1;
		rc_encode_bit(e, &probs[node], bit);
		node = (node << 1) | (uint32_t)bit;
	}
}

int
rc_encoder_finish(rc_encoder *e, uint8_t **out, size_t *len, kv_err *err)
{
	for (int i = 0; i < 5; i++)
		shift_low(e);
	if (e->oom) {
		rc_encoder_free(e);
		return kv_errf(err, "out of memory in the range coder");
	}
	*out = e->buf;
	*len = e->len;
	e->buf = NULL;
	e->len = e->cap = 0;
	return 0;
}

void
rc_encoder_free(rc_encoder *e)
{
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
}

static uint8_t
next_byte(rc_decoder *d)
{
	if (d->pos < d->len)
		return d->buf[d->pos++];
	d->overrun++;
	return 0;
}

void
rc_decoder_init(rc_decoder *d, const uint8_t *buf, size_t len)
{
	*d = (rc_decoder){ .buf = buf, .len = len, .range = 0xFFFFFFFFu };
	for (int i = 0; i < 5; i++)	/* the first byte is the cache's 0 */
		d->code = (d->code << 8) | next_byte(d);
}

int
rc_decode_bit(rc_decoder *d, rc_prob *p)
{
	uint32_t bound = (d->range >> RC_PROB_BITS) * *p;
	int bit;

	if (d->code < bound) {
		d->range = bound;
		*p += ((1u << RC_PROB_BITS) - *p) >> ADAPT;
		bit = 0;
	} else {
		d->code -= bound;
		d->range -= bound;
		*p -= *p >> ADAPT;
		bit = 1;
	}
	while (d->range < TOP) {
		d->range <<= 8;
		d->code = (d->code << 8) | next_byte(d);
	}
	return bit;
}

uint32_t
rc_decode_direct(rc_decoder *d, int nbits)
{
	uint32_t v = 0;

	for (int i = 0; i < nbits; i++) {
		d->range >>= 1;
		uint32_t bit = d->code >= d->range;
		if (bit)
			d->code -= d->range;
		v = (v << 1) | bit;
		while (d->range < TOP) {
			d->range <<= 8;
			d->code = (d->code << 8) | next_byte(d);
		}
	}
	return v;
}

uint32_t
rc_decode_tree(rc_decoder *d, rc_prob *probs, int nbits)
{
	uint32_t node = 1;

	for (int i = 0; i < nbits; i++)
		node = (node << 1) | (uint32_t)rc_decode_bit(d, &probs[node]);
	return node - (1u << nbits);
}

size_t
rc_decoder_overrun(const rc_decoder *d)
{
	return d->overrun;
}
