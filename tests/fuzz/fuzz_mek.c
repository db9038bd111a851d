/* fuzz_mek: libFuzzer harness for the .mek decoder and the PGM/PPM
 * parser. Any input must decode or be refused cleanly; with its CRC
 * patched to match, the decoder itself meets garbage models and
 * payloads; and any image that parses must survive compression and
 * decompression bit-exact, and within E with --max-error E. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_init.h"
#include "mek/codec.h"
#include "media/pnm.h"

static void
try_decode(const uint8_t *data, size_t size)
{
	media_image im;
	kv_err err;

	if (mek_decompress(&im, data, size, &err) == 0)
		free(im.pix);
}

static void
round_trip(const media_image *im, unsigned near, unsigned order)
{
	mek_params par = { near, order };
	media_image back;
	uint8_t *buf;
	size_t len, n = (size_t)im->width * im->height * im->channels;
	kv_err err;

	if (mek_compress(&buf, &len, im, &par, &err) != 0)
		return;		/* e.g. near > maxval / 2 */
	if (mek_decompress(&back, buf, len, &err) != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		int d = (int)back.pix[i] - (int)im->pix[i];
		if (d > (int)near || d < -(int)near)
			abort();
	}
	free(back.pix);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	media_image im;
	kv_err err;

	try_decode(data, size);
	if (size >= 12 && mek_is_mek(data, size)) {
		uint8_t *cp = malloc(size);
		memcpy(cp, data, size);
		uint32_t crc = mek_crc32(cp, size - 4);
		for (int i = 0; i < 4; i++)
			cp[size - 4 + i] = (uint8_t)(crc >> (8 * i));
		try_decode(cp, size);
		free(cp);
	}
	if (pnm_parse(&im, data, size, &err) == 0) {
		if (im.width * im.height <= 4096) {
			round_trip(&im, 0, 1 + size % MEK_MAX_ORDER);
			round_trip(&im, 1 + size % 3, MEK_DEFAULT_ORDER);
		}
		free(im.pix);
	}
	return 0;
}
