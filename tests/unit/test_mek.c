/* test_mek: lossless round trips (8/16-bit grey, RGB, odd sizes),
 * near-lossless error bound, compression on smooth images, and every
 * truncation, byte flip and header fault refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "mek/codec.h"

/* A smooth scene (gradients, a disc, a sine texture) plus noise. */
static media_image
make_image(gsl_rng *rng, uint32_t w, uint32_t h, uint32_t C, uint32_t maxval,
	double noise)
{
	media_image im = { w, h, C, maxval, malloc((size_t)w * h * C * 2) };
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			for (uint32_t c = 0; c < C; c++) {
				double v = 0.3 + 0.4 * x / (w + 1.0) +
				    0.1 * sin(0.3 * y + c) +
				    ((x - w / 2.0) * (x - w / 2.0) +
				    (y - h / 3.0) * (y - h / 3.0) <
				    (w * w) / 16.0 ? 0.2 : 0);
				v = v * maxval + gsl_ran_gaussian(rng,
				    noise * maxval);
				v = v < 0 ? 0 : v > maxval ? maxval : v;
				im.pix[((size_t)y * w + x) * C + c] =
				    (uint16_t)lround(v);
			}
	return im;
}

static long
max_diff(const media_image *a, const media_image *b)
{
	long worst = 0;
	size_t n = (size_t)a->width * a->height * a->channels;
	for (size_t i = 0; i < n; i++)
		{ long d = labs((long)a->pix[i] - b->pix[i]); worst = d > worst ? d : worst; }
	return worst;
}

static void
round_trip(gsl_rng *rng, uint32_t w, uint32_t h, uint32_t C, uint32_t maxval,
	unsigned near, unsigned order)
{
	media_image im = make_image(rng, w, h, C, maxval, 0.01), back;
	mek_params par = { near, order };
	uint8_t *buf;
	size_t len;
	kv_err err = { "" };

	int rc = mek_compress(&buf, &len, &im, &par, &err);
	CHECK(rc == 0, "compress %ux%ux%u maxval %u E=%u order %u: %s", w, h,
	    C, maxval, near, order, err.msg);
	if (rc != 0)
		return;
	rc = mek_decompress(&back, buf, len, &err);
	CHECK(rc == 0, "decompress: %s", err.msg);
	if (rc == 0) {
		long d = max_diff(&im, &back);
		int same = back.width == w && back.height == h &&
		    back.channels == C && back.maxval == maxval;
		double bpp = 8.0 * len / ((double)w * h * C);
		if (near == 0)
			CHECK(same && d == 0, "lossless %ux%ux%u maxval %u: "
			    "bit-exact (max |diff| %ld), %.3f bits/sample",
			    w, h, C, maxval, d, bpp);
		else
			CHECK(same && d <= (long)near, "E=%u %ux%ux%u maxval "
			    "%u: max |diff| %ld <= %u, %.3f bits/sample", near,
			    w, h, C, maxval, d, near, bpp);
		free(back.pix);
	}
	free(buf);
	free(im.pix);
}

static void
test_compresses(gsl_rng *rng)
{
	media_image im = make_image(rng, 128, 96, 1, 255, 0.004);
	mek_params par = { 0, MEK_DEFAULT_ORDER }, near = { 2, 6 };
	uint8_t *a, *b;
	size_t la, lb;
	kv_err err = { "" };

	mek_compress(&a, &la, &im, &par, &err);
	mek_compress(&b, &lb, &im, &near, &err);
	/* noise sd ~1 grey level: entropy of a unit Gaussian is ~2.05 bits */
	double bpp = 8.0 * la / (128 * 96);
	CHECK(bpp < 3.0, "smooth 8-bit image with noise sd 1: %.3f bits/pixel "
	    "lossless (< 3)", bpp);
	CHECK(lb < la, "E=2 smaller than lossless: %zu < %zu bytes", lb, la);
	free(a);
	free(b);
	free(im.pix);
}

static void
test_refused(gsl_rng *rng)
{
	media_image im = make_image(rng, 20, 10, 3, 255, 0.02), back;
	mek_params par = { 0, 6 };
	uint8_t *buf, *cp;
	size_t len, fails = 0, tried = 0;
	kv_err err = { "" };

	mek_compress(&buf, &len, &im, &par, &err);
	cp = malloc(len + 1);
	for (size_t n = 0; n < len; n++) {	/* every truncation */
		memcpy(cp, buf, n);
		fails += mek_decompress(&back, cp, n, &err) != 0;
	}
	CHECK(fails == len, "all %zu truncations refused (%zu were)", len,
	    fails);
	mek_decompress(&back, buf, len - 7, &err);
	CHECK(strstr(err.msg, "truncated") != NULL, "truncated: %s", err.msg);
	memcpy(cp, buf, len);
	cp[len] = 0;
	CHECK(mek_decompress(&back, cp, len + 1, &err) != 0 &&
	    strstr(err.msg, "trailing"), "one extra byte: %s", err.msg);

	fails = 0;
	for (size_t i = 0; i < len; i++)	/* every single-byte flip */
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(cp, buf, len);
			cp[i] ^= (uint8_t)(1u << bit);
			tried++;
			fails += mek_decompress(&back, cp, len, &err) != 0;
		}
	CHECK(fails == tried, "all %zu bit flips refused (%zu were)", tried,
	    fails);
	memcpy(cp, buf, len);
	cp[len / 2] ^= 0x40;
	mek_decompress(&back, cp, len, &err);
	CHECK(strstr(err.msg, "checksum") != NULL, "payload flip: %s", err.msg);
	memcpy(cp, buf, len);
	cp[8] = MEK_VERSION + 1;
	mek_decompress(&back, cp, len, &err);
	CHECK(strstr(err.msg, "version 3 is not supported") != NULL,
	    "version 3: %s", err.msg);
	memcpy(cp, buf, len);
	cp[0] = 'X';
	mek_decompress(&back, cp, len, &err);
	CHECK(strstr(err.msg, "magic") != NULL, "bad magic: %s", err.msg);

	im.pix[17] = 256;
	CHECK(mek_compress(&cp, &len, &im, &par, &err) != 0 &&
	    strstr(err.msg, "exceeds maxval"), "sample > maxval: %s", err.msg);
	im.pix[17] = 0;
	par.max_error = 200;
	CHECK(mek_compress(&cp, &len, &im, &par, &err) != 0,
	    "max error 200 > maxval/2 refused: %s", err.msg);
	par = (mek_params){ 0, 13 };
	CHECK(mek_compress(&cp, &len, &im, &par, &err) != 0,
	    "order 13 refused: %s", err.msg);
	free(cp);
	free(buf);
	free(im.pix);
}

static void
test_crc(void)
{
	/* The check value of CRC-32/ISO-HDLC. */
	CHECK(mek_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u,
	    "CRC-32 of \"123456789\" is cbf43926");
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_set_error_handler_off();
	gsl_rng_set(rng, 11);
	test_crc();
	round_trip(rng, 64, 48, 1, 255, 0, 6);
	round_trip(rng, 64, 48, 1, 65535, 0, 6);
	round_trip(rng, 33, 17, 1, 1023, 0, 12);
	round_trip(rng, 40, 30, 3, 255, 0, 6);
	round_trip(rng, 40, 30, 3, 65535, 0, 4);
	round_trip(rng, 1, 1, 1, 255, 0, 6);
	round_trip(rng, 1, 37, 3, 255, 0, 6);
	round_trip(rng, 37, 1, 1, 255, 0, 1);
	round_trip(rng, 31, 29, 1, 1, 0, 6);
	round_trip(rng, 64, 48, 1, 255, 1, 6);
	round_trip(rng, 64, 48, 1, 255, 3, 6);
	round_trip(rng, 40, 30, 3, 255, 2, 6);
	round_trip(rng, 40, 30, 3, 65535, 100, 6);
	test_compresses(rng);
	test_refused(rng);
	gsl_rng_free(rng);
	return check_done();
}
