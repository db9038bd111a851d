/* test_rangecoder: round trips of adaptive bits, trees and raw bits;
 * compressed size against the source entropy; truncation detected;
 * garbage decoded without reading out of bounds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "check.h"
#include "mek/rangecoder.h"

enum { N = 200000 };

static void
test_bits(gsl_rng *rng, double p1)
{
	unsigned char *bits = malloc(N);
	rc_encoder e;
	rc_decoder d;
	rc_prob pe = RC_PROB_INIT, pd = RC_PROB_INIT;
	uint8_t *buf;
	size_t len, bad = (size_t)-1;
	kv_err err = { "" };

	for (size_t i = 0; i < N; i++)
		bits[i] = gsl_rng_uniform(rng) < p1;
	rc_encoder_init(&e);
	for (size_t i = 0; i < N; i++)
		rc_encode_bit(&e, &pe, bits[i]);
	CHECK(rc_encoder_finish(&e, &buf, &len, &err) == 0, "finish");
	rc_decoder_init(&d, buf, len);
	for (size_t i = 0; i < N && bad == (size_t)-1; i++)
		if (rc_decode_bit(&d, &pd) != bits[i])
			bad = i;
	CHECK(bad == (size_t)-1, "p(1)=%g: %d bits round trip (first "
	    "mismatch %zd)", p1, N, (ssize_t)bad);
	CHECK(rc_decoder_overrun(&d) == 0, "complete stream: no overrun");
	double h = p1 <= 0 || p1 >= 1 ? 0 :
	    -(p1 * log2(p1) + (1 - p1) * log2(1 - p1));
	double got = 8.0 * (double)len / N;
	/* A shift-5 model keeps p >= 31/4096 and jitters around the true
	 * probability: about 0.011 bits/bit at p = 0, ~6%% more near 0.01. */
	CHECK(got <= h * 1.08 + 0.012, "p(1)=%g: %.4f bits/bit vs entropy "
	    "%.4f (within 8%% + 0.012)", p1, got, h);

	/* Truncated: decoding asks for bytes that are not there. */
	rc_decoder_init(&d, buf, len / 2);
	pd = RC_PROB_INIT;
	for (size_t i = 0; i < N; i++)
		rc_decode_bit(&d, &pd);
	CHECK(rc_decoder_overrun(&d) > 0, "half the stream: overrun %zu "
	    "bytes reported", rc_decoder_overrun(&d));
	free(buf);
	free(bits);
}

static void
test_tree_and_direct(gsl_rng *rng)
{
	uint32_t *sym = malloc(N * sizeof *sym), *raw = malloc(N * sizeof *raw);
	rc_prob te[64], td[64];
	rc_encoder e;
	rc_decoder d;
	uint8_t *buf;
	size_t len, bad = (size_t)-1;
	kv_err err = { "" };

	for (size_t i = 0; i < N; i++) {
		/* geometric-ish 6-bit symbols and 17-bit raw values */
		uint32_t s = 0;
		while (s < 63 && gsl_rng_uniform(rng) < 0.7)
			s++;
		sym[i] = s;
		raw[i] = (uint32_t)gsl_rng_uniform_int(rng, 1u << 17);
	}
	rc_probs_init(te, 64);
	rc_probs_init(td, 64);
	rc_encoder_init(&e);
	for (size_t i = 0; i < N; i++) {
		rc_encode_tree(&e, te, 6, sym[i]);
		rc_encode_direct(&e, raw[i], 17);
	}
	CHECK(rc_encoder_finish(&e, &buf, &len, &err) == 0, "finish");
	rc_decoder_init(&d, buf, len);
	for (size_t i = 0; i < N && bad == (size_t)-1; i++) {
		uint32_t s = rc_decode_tree(&d, td, 6);
		uint32_t r = rc_decode_direct(&d, 17);
		if (s != sym[i] || r != raw[i])
			bad = i;
	}
	CHECK(bad == (size_t)-1, "6-bit tree + 17 raw bits: %d symbols round "
	    "trip (first mismatch %zd)", N, (ssize_t)bad);
	/* entropy of the geometric part: sum -p log p */
	double h = 0;
	for (int s = 0; s < 64; s++) {
		double p = s < 63 ? pow(0.7, s) * 0.3 : pow(0.7, 63);
		h -= p * log2(p);
	}
	double got = 8.0 * (double)len / N - 17;
	CHECK(got <= h * 1.03, "tree: %.4f bits/symbol vs entropy %.4f (3%%)",
	    got, h);

	/* Garbage in: must decode without reading out of bounds. */
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)gsl_rng_uniform_int(rng, 256);
	rc_decoder_init(&d, buf, len / 8);	/* shorter than N symbols need */
	rc_probs_init(td, 64);
	for (size_t i = 0; i < N; i++)
		rc_decode_tree(&d, td, 6);
	CHECK(d.pos <= d.len && rc_decoder_overrun(&d) > 0,
	    "random bytes: read %zu of its %zu bytes, counted %zu asked for "
	    "past the end", d.pos, d.len, rc_decoder_overrun(&d));
	free(buf);
	free(sym);
	free(raw);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(rng, 3);
	test_bits(rng, 0.5);
	test_bits(rng, 0.1);
	test_bits(rng, 0.01);
	test_bits(rng, 0);
	test_tree_and_direct(rng);
	gsl_rng_free(rng);
	return check_done();
}
