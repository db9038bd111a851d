/* test_audio: sound files written and read back through libsndfile
 * (16-bit within a step, float exactly, clipping), the output
 * format chosen by suffix, the same samples from a file, from memory,
 * through a pipe and through a FIFO; errors name the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "check.h"
#include "feed.h"
#include "media/audio.h"

static char dir[] = "/tmp/test_audio.XXXXXX";

#define FRAMES 3000
#define CH 2

static void
format_is(const char *path, int in, int want)
{
	int got = audio_format_for(path, in);
	CHECK(got == want, "format for %s from 0x%x: 0x%x, want 0x%x",
	    path ? path : "(null)", in, got, want);
}

static void
test_formats(void)
{
	int wav16 = SF_FORMAT_WAV | SF_FORMAT_PCM_16;

	format_is("x.flac", wav16, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
	format_is("x.FLAC", SF_FORMAT_WAV | SF_FORMAT_PCM_24,
	    SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
	format_is("x.flac", SF_FORMAT_WAV | SF_FORMAT_FLOAT,
	    SF_FORMAT_FLAC | SF_FORMAT_PCM_16);	/* FLAC holds no floats */
	format_is("x.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT,
	    SF_FORMAT_WAV | SF_FORMAT_FLOAT);
	format_is("x.wav", SF_FORMAT_FLAC | SF_FORMAT_PCM_24,
	    SF_FORMAT_WAV | SF_FORMAT_PCM_24);
	format_is("x.ogg", wav16, SF_FORMAT_OGG | SF_FORMAT_VORBIS);
	format_is("x.aif", wav16, SF_FORMAT_AIFF | SF_FORMAT_PCM_16);
	format_is("x.au", wav16, SF_FORMAT_AU | SF_FORMAT_PCM_16);
	format_is("x.caf", wav16, SF_FORMAT_CAF | SF_FORMAT_PCM_16);
	format_is("x.out", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 0);
	format_is("x.oga", wav16, SF_FORMAT_OGG | SF_FORMAT_VORBIS);
	format_is("x.w64", SF_FORMAT_WAV | SF_FORMAT_FLOAT,
	    SF_FORMAT_W64 | SF_FORMAT_FLOAT);
	format_is("x.opus", SF_FORMAT_OGG | SF_FORMAT_VORBIS,
	    SF_FORMAT_OGG | SF_FORMAT_OPUS);
	format_is("d.flac/noext", wav16, wav16);
	format_is("noext", wav16, wav16);
	format_is(NULL, wav16, wav16);
}

static audio_signal
make_signal(int format, double amp)
{
	audio_signal a = { FRAMES, CH, 16000, format,
	    malloc(FRAMES * CH * sizeof(double)) };
	for (size_t t = 0; t < FRAMES; t++)
		for (size_t c = 0; c < CH; c++)
			a.x[t * CH + c] = amp * sin(0.01 * (double)t * (c + 1) +
			    c);
	return a;
}

static double
max_diff(const audio_signal *a, const audio_signal *b)
{
	double d = 0;
	for (size_t i = 0; i < a->frames * a->channels; i++)
		d = fmax(d, fabs(a->x[i] - b->x[i]));
	return d;
}

/* b was read back from what a was written to: same shape and rate,
 * samples within tol. */
static void
same_signal(const char *what, const audio_signal *a, const audio_signal *b,
	double tol)
{
	CHECK(b->frames == a->frames && b->channels == a->channels &&
	    b->samplerate == a->samplerate, "%s: %zu frames of %zu channels "
	    "at %d Hz, want %zu of %zu at %d", what, b->frames, b->channels,
	    b->samplerate, a->frames, a->channels, a->samplerate);
	if (b->frames == a->frames && b->channels == a->channels) {
		double d = max_diff(a, b);
		CHECK(d <= tol, "%s: max |diff| %.3g <= %.3g", what, d, tol);
	}
}

static void
read_through(const char *what, const char *path, const audio_signal *want,
	int fifo)
{
	size_t len = 0;
	unsigned char *bytes = feed_slurp(path, &len);
	char fpath[256];
	kv_err err = { "" };
	audio_signal b = { 0 };
	feed f;

	if (fifo) {
		snprintf(fpath, sizeof fpath, "%s/fifo", dir);
		feed_fifo(&f, fpath, bytes, len);
	} else {
		feed_pipe(&f, bytes, len);
	}
	kv_input *in = input_open(f.path, &err);
	input_peek(in, 16, &err);	/* as the sniffer does */
	CHECK(audio_read_input(&b, in, (size_t)1 << 30, &err) == 0, "%s: "
	    "read: %s", what, err.msg);
	input_close(in);
	feed_end(&f);
	same_signal(what, want, &b, 0);
	audio_free(&b);
	free(bytes);
}

int
main(void)
{
	char path[256], bad[256];
	kv_err err = { "" };

	if (mkdtemp(dir) == NULL)
		return 1;
	test_formats();

	/* 16-bit WAV: within a step of 1/32768 (written scaled by 32767,
	 * read by 32768) */
	audio_signal a = make_signal(SF_FORMAT_WAV | SF_FORMAT_PCM_16, 0.8), b;
	snprintf(path, sizeof path, "%s/a.wav", dir);
	CHECK(audio_write(path, &a, &err) == 0, "write 16-bit WAV: %s", err.msg);
	CHECK(audio_read_path(&b, path, &err) == 0, "read it: %s", err.msg);
	same_signal("16-bit WAV", &a, &b, 1.0 / 32768 + 1e-12);
	CHECK(b.format == (SF_FORMAT_WAV | SF_FORMAT_PCM_16), "its format "
	    "0x%x is WAV 16-bit", b.format);

	/* the same file from memory, through a pipe, through a FIFO */
	size_t len = 0;
	unsigned char *bytes = feed_slurp(path, &len);
	audio_signal m = { 0 };
	CHECK(audio_read_mem(&m, bytes, len, "mem", &err) == 0, "from "
	    "memory: %s", err.msg);
	same_signal("from memory, as from the file", &b, &m, 0);
	audio_free(&m);
	free(bytes);
	read_through("through a pipe, as from the file", path, &b, 0);
	read_through("through a FIFO, as from the file", path, &b, 1);
	kv_input *in = input_open(path, &err);
	CHECK(audio_read_input(&m, in, 100, &err) == 0, "a regular file is "
	    "read by its path (no memory limit): %s", err.msg);
	input_close(in);
	same_signal("by path", &b, &m, 0);
	audio_free(&m);
	audio_free(&b);

	/* a pipe larger than the limit */
	bytes = feed_slurp(path, &len);
	feed f;
	feed_pipe(&f, bytes, len);
	in = input_open(f.path, &err);
	CHECK(audio_read_input(&m, in, 1000, &err) != 0 &&
	    strstr(err.msg, "larger than 1000 bytes") != NULL,
	    "a pipe over the limit: %s", err.msg);
	input_close(in);
	feed_end(&f);
	free(bytes);

	/* float WAV: exact; FLAC by suffix: 16-bit */
	a.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	snprintf(path, sizeof path, "%s/f.wav", dir);
	audio_write(path, &a, &err);
	audio_read_path(&b, path, &err);
	same_signal("float WAV", &a, &b, 1e-7);
	audio_free(&b);
	snprintf(path, sizeof path, "%s/a.flac", dir);
	CHECK(audio_write(path, &a, &err) == 0, "write FLAC: %s", err.msg);
	CHECK(audio_read_path(&b, path, &err) == 0 &&
	    (b.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC,
	    "FLAC by suffix: 0x%x", b.format);
	same_signal("FLAC", &a, &b, 1.0 / 32768 + 1e-12);
	audio_free(&b);
	audio_free(&a);

	/* out of range: clipped */
	a = make_signal(SF_FORMAT_WAV | SF_FORMAT_PCM_16, 3);
	snprintf(path, sizeof path, "%s/clip.wav", dir);
	audio_write(path, &a, &err);
	audio_read_path(&b, path, &err);
	double lo = 0, hi = 0;
	for (size_t i = 0; i < b.frames * b.channels; i++) {
		lo = fmin(lo, b.x[i]);
		hi = fmax(hi, b.x[i]);
	}
	CHECK(lo >= -1 && hi <= 1 && hi > 0.999 && lo < -0.999, "amplitude 3 "
	    "clipped: samples in [%g, %g]", lo, hi);
	audio_free(&b);

	/* errors */
	snprintf(bad, sizeof bad, "%s/none/x.wav", dir);
	CHECK(audio_write(bad, &a, &err) != 0 && strstr(err.msg, bad) != NULL,
	    "write into a missing directory: %s", err.msg);
	audio_free(&a);
	snprintf(path, sizeof path, "%s/t.txt", dir);
	FILE *fp = fopen(path, "w");
	fputs("1,2\n3,4\n", fp);
	fclose(fp);
	CHECK(audio_read_path(&b, path, &err) != 0 &&
	    strncmp(err.msg, path, strlen(path)) == 0, "not a sound file: %s",
	    err.msg);
	CHECK(audio_read_mem(&b, (const uint8_t *)"1,2\n", 4, "stdin", &err)
	    != 0 && strncmp(err.msg, "stdin: ", 7) == 0,
	    "not a sound file, from memory: %s", err.msg);
	SF_INFO info = { .channels = 1, .samplerate = 8000,
	    .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
	snprintf(path, sizeof path, "%s/empty.wav", dir);
	sf_close(sf_open(path, SFM_WRITE, &info));
	CHECK(audio_read_path(&b, path, &err) != 0 &&
	    strstr(err.msg, "empty.wav: 0 frames of 1 channels") != NULL,
	    "no frames: %s", err.msg);

	const char *names[] = { "a.wav", "f.wav", "a.flac", "clip.wav",
	    "t.txt", "empty.wav" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return check_done();
}
