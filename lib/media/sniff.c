/* sniff.c: what an input holds; see sniff.h. */
#include "media/sniff.h"

#include <string.h>

#include <sndfile.h>

#include "media/pnm.h"
#include "stream/seq.h"

/* Text (a CSV stream) rather than an image or video: printable ASCII or
 * blanks. */
static int
is_text(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(b[i] >= 0x20 && b[i] < 0x7f) && b[i] != '\n' &&
		    b[i] != '\r' && b[i] != '\t')
			return 0;
	return 1;
}

static int
at(const uint8_t *b, size_t n, size_t off, const char *sig)
{
	size_t len = strlen(sig);

	return n >= off + len && memcmp(b + off, sig, len) == 0;
}

/* The signatures of the sound files libsndfile reads that a program of
 * this suite is likely to meet. */
static int
is_audio(const uint8_t *b, size_t n)
{
	if ((at(b, n, 0, "RIFF") || at(b, n, 0, "RIFX") ||
	    at(b, n, 0, "RF64")) && at(b, n, 8, "WAVE"))
		return 1;
	if (at(b, n, 0, "FORM") && (at(b, n, 8, "AIFF") ||
	    at(b, n, 8, "AIFC")))
		return 1;
	return at(b, n, 0, "riff\x2e\x91\xcf\x11") ||	/* Wave64's GUID */
	    at(b, n, 0, ".snd") || at(b, n, 0, "dns.") ||
	    at(b, n, 0, "fLaC") || at(b, n, 0, "caff") || at(b, n, 0, "OggS");
}

static int
decide(const uint8_t *b, size_t n, sniff_check_fn *check, int signatures)
{
	if (pnm_is_pnm(b, n))
		return SNIFF_PNM;
	if (check != NULL && check(b, n))
		return SNIFF_MEK;
	if (signatures && is_audio(b, n))
		return SNIFF_AUDIO;
	if (at(b, n, 0, SEQ_MAGIC))
		return SNIFF_SEQ_BIN;
	if (at(b, n, 0, "YUV4MPEG2 "))
		return SNIFF_Y4M;	/* a text header, then video */
	return is_text(b, n) ? SNIFF_SEQ_TEXT : SNIFF_MEDIA;
}

int
sniff_bytes(const uint8_t *b, size_t n, int at_eof, sniff_check_fn *check)
{
	if (n > SNIFF_HEAD)
		n = SNIFF_HEAD;
	if (n < SNIFF_HEAD && !at_eof &&
	    !(is_text(b, n) && memchr(b, '\n', n) != NULL))
		return SNIFF_MORE;
	return decide(b, n, check, 1);
}

int
sniff_input(kv_input *in, sniff_check_fn *check, kv_err *err)
{
	const uint8_t *b;
	size_t n = 0;
	int kind;

	for (;;) {
		if (input_peek(in, n + 1, err) < 0)
			return -1;
		b = input_head(in, &n);
		if ((kind = sniff_bytes(b, n, input_at_eof(in), check)) !=
		    SNIFF_MORE)
			break;
	}
	if (kind == SNIFF_PNM || kind == SNIFF_MEK || !input_reopenable(in))
		return kind;
	/* a file libsndfile opens is audio whatever its first bytes */
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(input_path(in), SFM_READ, &info);
	if (sf != NULL) {
		sf_close(sf);
		return SNIFF_AUDIO;
	}
	return decide(b, n < SNIFF_HEAD ? n : SNIFF_HEAD, check, 0);
}
