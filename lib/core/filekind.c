/* filekind.c: signatures of the files users hand to the wrong program;
 * see filekind.h. */
#include "core/filekind.h"

#include <string.h>

struct signature {
	size_t off, len;
	const char *bytes;
	const char *what;
};

/* Each signature holds a byte no text file starts with (a control byte
 * or one above 0x7f), or is text distinctive enough (Y4M's header word)
 * that no kvae-seq CSV starts with it. */
static const struct signature signatures[] = {
	{ 0, 4, "\x1a\x45\xdf\xa3", "a video file (Matroska/WebM)" },
	{ 4, 4, "ftyp", "a video file (MP4/QuickTime)" },
	{ 0, 4, "\x00\x00\x01\xba", "a video file (MPEG program stream)" },
	{ 0, 10, "YUV4MPEG2 ", "a video file (Y4M)" },
	{ 0, 8, "\x89PNG\r\n\x1a\n", "a PNG image" },
	{ 0, 3, "\xff\xd8\xff", "a JPEG image" },
	{ 0, 4, "GIF8", "a GIF image" },
	{ 0, 4, "II*\x00", "a TIFF image" },
	{ 0, 4, "MM\x00*", "a TIFF image" },
	{ 0, 4, "fLaC", "a sound file (FLAC)" },
	{ 0, 4, "OggS", "an Ogg file (sound or video)" },
	{ 0, 4, ".snd", "a sound file (AU)" },
	{ 0, 3, "ID3", "a sound file (MP3)" },
	{ 0, 8, "\x89MEK\r\n\x1a\n", "a .mek image" },
	{ 0, 4, "%PDF", "a PDF document" },
	{ 0, 2, "\x1f\x8b", "a gzip file (decompress it first)" },
	{ 0, 6, "\xfd" "7zXZ\x00", "an xz file (decompress it first)" },
	{ 0, 4, "PK\x03\x04", "a zip archive" },
};

static int
at(const uint8_t *b, size_t n, size_t off, const char *sig, size_t len)
{
	return n >= off + len && memcmp(b + off, sig, len) == 0;
}

/* RIFF containers say what they hold at offset 8. */
static const char *
riff(const uint8_t *b, size_t n)
{
	if (!at(b, n, 0, "RIFF", 4) && !at(b, n, 0, "RF64", 4))
		return NULL;
	if (at(b, n, 8, "WAVE", 4))
		return "a sound file (WAV)";
	if (at(b, n, 8, "AVI ", 4))
		return "a video file (AVI)";
	if (at(b, n, 8, "WEBP", 4))
		return "a WebP image";
	return NULL;	/* "RIFF" alone could begin a line of text */
}

/* Netpbm images: "P1".."P7" and white space, then a digit or comment. */
static const char *
netpbm(const uint8_t *b, size_t n)
{
	if (n < 4 || b[0] != 'P' || b[1] < '1' || b[1] > '7')
		return NULL;
	if (b[2] != ' ' && b[2] != '\n' && b[2] != '\r' && b[2] != '\t')
		return NULL;
	size_t i = 3;
	while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' ||
	    b[i] == '\t'))
		i++;
	if (i == n || !((b[i] >= '0' && b[i] <= '9') || b[i] == '#'))
		return NULL;
	return "a netpbm image (PGM/PPM/PBM)";
}

const char *
filekind_describe(const uint8_t *b, size_t n)
{
	const char *w;

	if ((w = riff(b, n)) != NULL || (w = netpbm(b, n)) != NULL)
		return w;
	if (at(b, n, 0, "BM", 2) && n >= 14 && b[6] == 0 && b[7] == 0 &&
	    b[8] == 0 && b[9] == 0)
		return "a BMP image";
	if (at(b, n, 0, "FORM", 4) && (at(b, n, 8, "AIFF", 4) ||
	    at(b, n, 8, "AIFC", 4)))
		return "a sound file (AIFF)";
	if (at(b, n, 0, "FLV\x01", 4))
		return "a video file (FLV)";
	if (at(b, n, 0, "BZh", 3) && n > 3 && b[3] >= '1' && b[3] <= '9' &&
	    n > 4 && b[4] == 0x31)
		return "a bzip2 file (decompress it first)";
	for (size_t i = 0; i < sizeof signatures / sizeof signatures[0]; i++)
		if (at(b, n, signatures[i].off, signatures[i].bytes,
		    signatures[i].len))
			return signatures[i].what;
	return NULL;
}
