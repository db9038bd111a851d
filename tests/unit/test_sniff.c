/* test_sniff: the kind of an input from its first bytes: each signature,
 * the caller's check, when more bytes are needed, text decided at the
 * end of its first line (a stream behind `tail -f` is not kept waiting),
 * libsndfile's word on regular files, and pipes and FIFOs, whose peeked
 * bytes stay in the input. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "check.h"
#include "feed.h"
#include "media/sniff.h"
#include "mek/codec.h"
#include "stream/seq.h"

static char dir[] = "/tmp/test_sniff.XXXXXX";

static const char *
kind_name(int k)
{
	static const char *names[] = { "MORE", "SEQ_TEXT", "SEQ_BIN", "PNM",
	    "MEK", "AUDIO", "Y4M", "MEDIA" };
	return k >= 0 && k <= SNIFF_MEDIA ? names[k] : "error";
}

static void
bytes_are(const char *what, const void *b, size_t n, int at_eof, int want)
{
	int got = sniff_bytes(b, n, at_eof, mek_is_mek);
	CHECK(got == want, "%s (%zu bytes%s): %s, want %s", what, n,
	    at_eof ? ", end" : "", kind_name(got), kind_name(want));
}

static void
test_bytes(void)
{
	unsigned char seq[16] = SEQ_MAGIC;

	bytes_are("a CSV line", "1,2\n", 4, 0, SNIFF_SEQ_TEXT);
	bytes_are("a CSV line not yet ended", "1,2", 3, 0, SNIFF_MORE);
	bytes_are("a CSV line at the end", "1,2", 3, 1, SNIFF_SEQ_TEXT);
	bytes_are("a long text line", "0.125,0.25,0.5,1,2,4", 20, 0,
	    SNIFF_SEQ_TEXT);
	bytes_are("nothing", "", 0, 1, SNIFF_SEQ_TEXT);
	bytes_are("a comment line", "# x\n", 4, 0, SNIFF_SEQ_TEXT);
	bytes_are("P5 header", "P5\n4 4\n255\n", 11, 0, SNIFF_PNM);
	bytes_are("P6 header", "P6 2 2 65535\n", 13, 0, SNIFF_PNM);
	bytes_are("P5 so far", "P5", 2, 0, SNIFF_MORE);
	bytes_are("P7 (PAM) header", "P7\nWIDTH 4\n", 11, 0, SNIFF_SEQ_TEXT);
	bytes_are("Y4M header", "YUV4MPEG2 W64 H48 F10:1\n", 24, 0, SNIFF_Y4M);
	bytes_are("Y4M so far", "YUV4", 4, 0, SNIFF_MORE);
	bytes_are("seq binary header", seq, 16, 0, SNIFF_SEQ_BIN);
	bytes_are("seq binary magic so far", seq, 5, 0, SNIFF_MORE);
	bytes_are("seq binary magic, then the end", seq, 8, 1, SNIFF_SEQ_BIN);
	bytes_are("WAV", "RIFF\x24\x00\x00\x00WAVEfmt ", 16, 0, SNIFF_AUDIO);
	bytes_are("RIFF, not WAVE", "RIFF\x24\x00\x00\x00AVI LIST", 16, 0,
	    SNIFF_MEDIA);
	bytes_are("RF64", "RF64\xff\xff\xff\xffWAVEds64", 16, 0, SNIFF_AUDIO);
	bytes_are("AIFF", "FORM\x00\x00\x10\x00" "AIFFCOMM", 16, 0,
	    SNIFF_AUDIO);
	bytes_are("AU", ".snd\x00\x00\x00\x18\xff\xff\xff\xff\x00\x00\x00\x03",
	    16, 0, SNIFF_AUDIO);
	bytes_are("FLAC", "fLaC\x00\x00\x00\x22\x10\x00\x10\x00\x00\x00\x0e\x00",
	    16, 0, SNIFF_AUDIO);
	bytes_are("CAF", "caff\x00\x01\x00\x00" "desc\x00\x00\x00\x00", 16, 0,
	    SNIFF_AUDIO);
	bytes_are("WAV header cut short", "RIFF\x24\x00\x00\x00WA", 10, 1,
	    SNIFF_MEDIA);
	bytes_are(".mek (the caller's check)", MEK_MAGIC "\x02\x01\xff\x00"
	    "\x10\x00\x00\x00", 16, 0, SNIFF_MEK);
	CHECK(sniff_bytes((const uint8_t *)MEK_MAGIC "\x02\x01\xff\x00\x10\x00"
	    "\x00\x00", 16, 0, NULL) == SNIFF_MEDIA, ".mek without the "
	    "caller's check: MEDIA");
	bytes_are("PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16, 0,
	    SNIFF_MEDIA);
	bytes_are("binary so far", "\x1a\x45\xdf\xa3", 4, 0, SNIFF_MORE);
	bytes_are("text, then a binary byte", "1,2,3\n4,\x01\x02", 10, 1,
	    SNIFF_MEDIA);
	bytes_are("16 text bytes, then binary (not looked at)",
	    "0123456789abcdef\x01\x02", 18, 0, SNIFF_SEQ_TEXT);
}

/* A sound file of `format` written by libsndfile. */
static void
write_sound(const char *path, int format)
{
	SF_INFO info = { .channels = 1, .samplerate = 8000, .format = format };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	double x[400];

	for (int i = 0; i < 400; i++)
		x[i] = 0.5 * sin(i * 0.1);
	sf_writef_double(sf, x, 400);
	sf_close(sf);
}

static void
write_bytes(const char *path, const void *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	fwrite(b, 1, n, fp);
	fclose(fp);
}

static int
input_kind(const char *path, kv_err *err)
{
	kv_input *in = input_open(path, err);
	int k = in ? sniff_input(in, mek_is_mek, err) : -1;
	input_close(in);
	return k;
}

/* The kind of a file's bytes coming through a pipe, and whether the
 * peeked bytes are the file's first. */
static void
piped_is(const char *what, const char *path, int want)
{
	size_t len = 0, hlen;
	unsigned char *b = feed_slurp(path, &len);
	kv_err err = { "" };
	feed f;

	feed_pipe(&f, b, len);
	kv_input *in = input_open(f.path, &err);
	int got = in ? sniff_input(in, mek_is_mek, &err) : -1;
	const uint8_t *head = in ? input_head(in, &hlen) : NULL;
	CHECK(got == want && head != NULL && (hlen > 0 || len == 0) &&
	    hlen <= len &&
	    memcmp(head, b, hlen) == 0, "%s through a pipe: %s, want %s; %zu "
	    "peeked bytes kept, the file's first", what, kind_name(got),
	    kind_name(want), head ? hlen : 0);
	input_close(in);
	feed_end(&f);
	free(b);
}

static void
on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "not ok - sniffing a pipe waited for "
	    "bytes it did not need\n";
	write(STDOUT_FILENO, msg, sizeof msg - 1);
	_exit(1);
}

int
main(void)
{
	char path[256];
	kv_err err = { "" };
	int k;

	if (mkdtemp(dir) == NULL)
		return 1;
	test_bytes();

	snprintf(path, sizeof path, "%s/a.wav", dir);
	write_sound(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	k = input_kind(path, &err);
	CHECK(k == SNIFF_AUDIO, "WAV file: %s", kind_name(k));
	piped_is("WAV", path, SNIFF_AUDIO);
	snprintf(path, sizeof path, "%s/a.flac", dir);
	write_sound(path, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
	piped_is("FLAC", path, SNIFF_AUDIO);

	/* NIST SPHERE starts with text: libsndfile knows it as a file; on a
	 * pipe only the signatures are there, and it is not one of them */
	snprintf(path, sizeof path, "%s/a.nist", dir);
	write_sound(path, SF_FORMAT_NIST | SF_FORMAT_PCM_16);
	k = input_kind(path, &err);
	CHECK(k == SNIFF_AUDIO, "NIST file (no signature here; libsndfile "
	    "opens it): %s", kind_name(k));

	/* a WAV signature libsndfile refuses: a file is then media (its
	 * reader says what is wrong); on a pipe the signature decides */
	snprintf(path, sizeof path, "%s/bad.wav", dir);
	write_bytes(path, "RIFF\x24\x00\x00\x00WAVEjunkjunkjunkjunk", 24);
	k = input_kind(path, &err);
	CHECK(k == SNIFF_MEDIA, "a WAV signature libsndfile refuses, file: "
	    "%s", kind_name(k));
	piped_is("a WAV signature libsndfile refuses", path, SNIFF_AUDIO);

	snprintf(path, sizeof path, "%s/a.csv", dir);
	write_bytes(path, "x,y\n1,2\n3,4\n", 12);
	k = input_kind(path, &err);
	CHECK(k == SNIFF_SEQ_TEXT, "CSV file: %s", kind_name(k));
	piped_is("CSV", path, SNIFF_SEQ_TEXT);
	snprintf(path, sizeof path, "%s/a.pgm", dir);
	write_bytes(path, "P5\n2 1\n255\n\x01\x02", 13);
	piped_is("PGM", path, SNIFF_PNM);
	snprintf(path, sizeof path, "%s/a.mek", dir);
	write_bytes(path, MEK_MAGIC "\x02\x01\xff\x00", 12);
	piped_is(".mek", path, SNIFF_MEK);
	snprintf(path, sizeof path, "%s/empty", dir);
	write_bytes(path, "", 0);
	k = input_kind(path, &err);
	CHECK(k == SNIFF_SEQ_TEXT, "empty file: %s (the stream reader says "
	    "it is empty)", kind_name(k));
	piped_is("nothing", path, SNIFF_SEQ_TEXT);

	/* a FIFO */
	snprintf(path, sizeof path, "%s/a.wav", dir);
	size_t len = 0;
	unsigned char *b = feed_slurp(path, &len);
	char fifo[256];
	feed f;
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	feed_fifo(&f, fifo, b, len);
	k = input_kind(fifo, &err);
	CHECK(k == SNIFF_AUDIO, "WAV through a FIFO: %s", kind_name(k));
	feed_end(&f);
	free(b);

	/* a stream behind `tail -f`: one line there, the writer still open */
	int p[2];
	char name[32];
	if (pipe(p) != 0)
		return 1;
	write(p[1], "1.5\n", 4);
	snprintf(name, sizeof name, "/dev/fd/%d", p[0]);
	signal(SIGALRM, on_alarm);
	alarm(10);
	kv_input *in = input_open(name, &err);
	k = in ? sniff_input(in, mek_is_mek, &err) : -1;
	alarm(0);
	size_t hlen;
	const uint8_t *head = input_head(in, &hlen);
	CHECK(k == SNIFF_SEQ_TEXT && hlen == 4 && memcmp(head, "1.5\n", 4) == 0,
	    "one line on an open pipe: %s at once, the line kept",
	    kind_name(k));
	input_close(in);
	close(p[0]);
	close(p[1]);

	/* a read error */
	k = input_kind(dir, &err);
	CHECK(k == -1 && strstr(err.msg, "Is a directory") != NULL,
	    "a directory: %s", err.msg);

	const char *names[] = { "a.wav", "a.flac", "a.nist", "bad.wav", "a.csv",
	    "a.pgm", "a.mek", "empty" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return check_done();
}
