/* test_filekind: foreign files are named by kind; text never is. */
#include <string.h>

#include "check.h"
#include "core/filekind.h"

int
main(void)
{
	static const struct { const char *bytes; size_t len; const char *want; }
	    known[] = {
		{ "RIFF\x24\x08\x00\x00WAVEfmt ", 16, "WAV" },
		{ "RIFF\x24\x08\x00\x00" "AVI LIST", 16, "AVI" },
		{ "\x1a\x45\xdf\xa3\x9f\x42\x86\x81", 8, "Matroska" },
		{ "\x00\x00\x00\x20" "ftypisom", 12, "MP4" },
		{ "YUV4MPEG2 W64 H48", 17, "Y4M" },
		{ "\x89PNG\r\n\x1a\n\x00\x00", 10, "PNG" },
		{ "\xff\xd8\xff\xe0", 4, "JPEG" },
		{ "P5\n64 48\n255\n", 13, "netpbm" },
		{ "P6 # c\n", 7, "netpbm" },
		{ "BM\x36\x10\x00\x00\x00\x00\x00\x00\x36\x04\x00\x00", 14,
		    "BMP" },
		{ "fLaC\x00\x00\x00\x22", 8, "FLAC" },
		{ "\x1f\x8b\x08\x00", 4, "gzip" },
		{ "\x89MEK\r\n\x1a\n", 8, ".mek" },
	};
	static const char *const text[] = {
		"1,2,3\n", "x,y\n1,2\n", "# comment\n", "nan,1\n", "", "P5,P6\n",
		"P5 x\n", "BM,x\n1,2\n", "RIFF,WAVE\n", "ID,ftyp\n", "-1e3\n",
		"YUV4MPEG2\n",
	};

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		const char *got = filekind_describe(
		    (const uint8_t *)known[i].bytes, known[i].len);
		CHECK(got != NULL && strstr(got, known[i].want) != NULL,
		    "%s signature named: %s", known[i].want,
		    got ? got : "(nothing)");
		got = filekind_describe((const uint8_t *)known[i].bytes, 2);
		CHECK(got == NULL || strstr(got, "netpbm") == NULL ||
		    known[i].bytes[0] == 'P', "%s cut to 2 bytes: no guess "
		    "past the bytes there (%s)", known[i].want,
		    got ? got : "nothing");
	}
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
		const char *got = filekind_describe((const uint8_t *)text[i],
		    strlen(text[i]));
		CHECK(got == NULL, "text '%.*s' is not taken for a file kind "
		    "(%s)", (int)strcspn(text[i], "\n"), text[i],
		    got ? got : "none");
	}
	return check_done();
}
