/* test_mefilter_run: the whole-input routes give what the denoise.h
 * drivers give on the same samples: a stream (each column of each
 * sequence, CSV or binary out), a sound file (each channel), a PGM
 * (each channel, rounded), a PNG (the PGM route's result) and a Y4M
 * video (each plane of each frame); the same from a file, a pipe and a
 * FIFO; models reported with their place; errors name it; nothing is
 * written for a failed run or when the job says so. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <sndfile.h>

#include "check.h"
#include "feed.h"
#include "media/audio.h"
#include "media/image_file.h"
#include "media/planes.h"
#include "media/sniff.h"
#include "media/video.h"
#include "mefilter/run.h"
#include "mek/codec.h"
#include "stream/seq.h"

static char dir[] = "/tmp/test_mefilter_run.XXXXXX";
static char path[256], out[256];

#define N 1500		/* samples per sequence / channel */

static const mekf_opts opts = { 3, -1, 0, MEKF_BOTH, MEKF_STEADY };

/* AR(2) plus white noise. */
static void
ar2(gsl_rng *rng, double *x, size_t n, size_t stride, double scale)
{
	double h1 = 0, h2 = 0;
	for (size_t t = 0; t < n + 100; t++) {
		double v = gsl_ran_gaussian(rng, 1) + 1.2 * h1 - 0.5 * h2;
		h2 = h1;
		h1 = v;
		if (t >= 100)
			x[(t - 100) * stride] = scale * (v +
			    gsl_ran_gaussian(rng, 0.7));
	}
}

/* Every report, kept. */
struct log {
	size_t n;
	char where[64][96];
};

static void
remember(const mekf_where *w, const mekf_model *m, const char *pass,
	size_t block, size_t first, size_t count, void *user)
{
	struct log *l = user;
	(void)m;
	(void)block;
	(void)first;
	(void)count;
	if (l->n < 64)
		snprintf(l->where[l->n], sizeof l->where[0], "%s %s %zu %s %zu %s",
		    w->name, w->outer ? w->outer : "-", w->outer_index, w->unit,
		    w->index, pass);
	l->n++;
}

/* Run the job on `file` (kind from the sniffer) read as a file (how 0),
 * through a pipe (1) or a FIFO (2). */
static int
run(const char *file, int how, const mekf_job *job, kv_err *err)
{
	size_t len = 0;
	unsigned char *bytes = how ? feed_slurp(file, &len) : NULL;
	char fifo[256];
	feed f;
	int rc = -1, kind;

	if (how == 1)
		feed_pipe(&f, bytes, len);
	else if (how == 2) {
		snprintf(fifo, sizeof fifo, "%s/fifo", dir);
		feed_fifo(&f, fifo, bytes, len);
	}
	kv_input *in = input_open(how ? f.path : file, err);
	if (in != NULL && (kind = sniff_input(in, mek_is_mek, err)) >= 0)
		rc = mekf_run_input(in, kind, job, err);
	input_close(in);
	if (how)
		feed_end(&f);
	free(bytes);
	return rc;
}

static const char *how_name[] = { "file", "pipe", "FIFO" };

/* ---- streams ---- */
static void
test_stream(gsl_rng *rng)
{
	double *x = malloc(2 * N * 2 * sizeof *x);	/* 2 sequences (N, 2) */
	kv_err err = { "" };

	for (int s = 0; s < 2; s++)
		for (int c = 0; c < 2; c++)
			ar2(rng, x + s * N * 2 + c, N, 2, c ? 10 : 1);
	snprintf(path, sizeof path, "%s/in.csv", dir);
	FILE *fp = fopen(path, "w");
	seq_layout l = { .dim = 2, .format = SEQ_CSV, .scalar = SEQ_F64 };
	seq_writer *w = seq_writer_open(fp, path, &l, &err);
	for (int s = 0; s < 2; s++) {
		for (int t = 0; t < N; t++)
			seq_write(w, x + (s * N + t) * 2, NULL, &err);
		seq_write_break(w, &err);
	}
	seq_writer_close(w, &err);
	fclose(fp);
	/* what the driver gives, column by column */
	for (int s = 0; s < 2; s++)
		for (int c = 0; c < 2; c++)
			mekf_denoise_signal(x + s * N * 2 + c, N, 2, &opts, NULL,
			    NULL, &err);

	snprintf(out, sizeof out, "%s/out.csv", dir);
	for (int how = 0; how < 3; how++) {
		struct log lg = { 0 };
		mekf_job job = { opts, out, 1, how == 1 ? SEQ_BIN : 0, 1,
		    remember, &lg, 0, NULL };
		CHECK(run(path, how, &job, &err) == 0, "stream through a %s: %s",
		    how_name[how], err.msg);
		seq_reader *r = seq_reader_open(out, &err);
		seq_buf b = { 0 };
		double worst = 0;
		int nseq = 0;
		CHECK(r != NULL && seq_reader_layout(r)->format ==
		    (how == 1 ? SEQ_BIN : SEQ_CSV), "output format: %s",
		    how == 1 ? "binary as asked" : "CSV as the input");
		while (r && seq_read_sequence(r, &b, &err) == 1 && nseq < 2) {
			for (size_t i = 0; i < b.T * b.dim && b.T == N; i++)
				worst = fmax(worst, fabs(b.x[i] -
				    x[nseq * N * 2 + i]));
			nseq += b.T == N && b.dim == 2;
		}
		seq_buf_free(&b);
		seq_reader_close(r);
		CHECK(nseq == 2 && worst == 0, "stream through a %s: 2 "
		    "sequences of %d x 2 as the driver's, max |diff| %g (exact)",
		    how_name[how], N, worst);
		CHECK(lg.n == 4 && strstr(lg.where[0], " sequence 1 column 1 "
		    "signal") != NULL && strstr(lg.where[3], " sequence 2 "
		    "column 2 signal") != NULL, "4 models reported, first "
		    "'%s', last '%s'", lg.where[0], lg.n > 3 ? lg.where[3] : "");
	}
	/* write 0: reports, nothing written even with an output named */
	struct log lg = { 0 };
	mekf_job job = { opts, out, 0, 0, 1, remember, &lg, 0, NULL };
	unlink(out);
	CHECK(run(path, 0, &job, &err) == 0 && lg.n == 4 &&
	    access(out, F_OK) != 0, "write 0: 4 models reported, nothing "
	    "written");
	free(x);

	/* a sequence too short for the order: named, nothing left */
	snprintf(path, sizeof path, "%s/short.csv", dir);
	fp = fopen(path, "w");
	fputs("1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n\n1,2\n3,4\n", fp);
	fclose(fp);
	job = (mekf_job){ opts, out, 1, 0, 1, NULL, NULL, 0, NULL };
	CHECK(run(path, 0, &job, &err) != 0 && strstr(err.msg, "short.csv: "
	    "sequence 2, column 1: ") != NULL && access(out, F_OK) != 0,
	    "short sequence: %s; no output", err.msg);
	unlink(path);
}

/* ---- sound files ---- */
static void
test_audio(gsl_rng *rng)
{
	audio_signal a = { N, 2, 8000, SF_FORMAT_WAV | SF_FORMAT_FLOAT,
	    malloc(N * 2 * sizeof(double)) }, b;
	kv_err err = { "" };

	for (int c = 0; c < 2; c++)
		ar2(rng, a.x + c, N, 2, 0.05);
	snprintf(path, sizeof path, "%s/in.wav", dir);
	audio_write(path, &a, &err);
	audio_free(&a);
	audio_read_path(&a, path, &err);	/* the samples as stored */
	for (int c = 0; c < 2; c++)
		mekf_denoise_signal(a.x + c, N, 2, &opts, NULL, NULL, &err);
	snprintf(out, sizeof out, "%s/out.wav", dir);
	for (int how = 0; how < 3; how++) {
		struct log lg = { 0 };
		mekf_job job = { opts, out, 1, 0, 1, remember, &lg, 0, NULL };
		CHECK(run(path, how, &job, &err) == 0, "WAV through a %s: %s",
		    how_name[how], err.msg);
		double worst = INFINITY;
		if (audio_read_path(&b, out, &err) == 0 && b.frames == N &&
		    b.channels == 2) {
			worst = 0;
			for (size_t i = 0; i < N * 2; i++)
				worst = fmax(worst, fabs(b.x[i] - a.x[i]));
		}
		audio_free(&b);
		CHECK(worst <= 1e-7, "WAV through a %s: %d x 2 float samples as "
		    "the driver's, max |diff| %g (float rounding, 1e-7)",
		    how_name[how], N, worst);
		CHECK(lg.n == 2 && strstr(lg.where[1], " - 0 channel 2 signal")
		    != NULL, "2 models reported, the second '%s'",
		    lg.n > 1 ? lg.where[1] : "");
	}
	audio_free(&a);
}

/* ---- images ---- */
static media_image
noisy_image(gsl_rng *rng, uint32_t w, uint32_t h, uint32_t c)
{
	media_image im = { w, h, c, 255, malloc((size_t)w * h * c * 2) };
	for (size_t y = 0; y < h; y++)
		for (size_t x = 0; x < w; x++)
			for (size_t k = 0; k < c; k++) {
				double v = 128 + 60 * sin(x * 0.2 + k) *
				    cos(y * 0.15) + gsl_ran_gaussian(rng, 12);
				im.pix[(y * w + x) * c + k] = (uint16_t)(v < 0 ? 0 :
				    v > 255 ? 255 : nearbyint(v));
			}
	return im;
}

static void
test_images(gsl_rng *rng)
{
	media_image im = noisy_image(rng, 48, 40, 3), back;
	size_t n = 48 * 40;
	double *plane = malloc(n * sizeof *plane);
	kv_err err = { "" };
	char png[256], outpng[256];

	snprintf(path, sizeof path, "%s/in.ppm", dir);
	image_file_write(path, &im, &err);
	media_image want = im;
	want.pix = malloc(n * 3 * 2);
	for (size_t c = 0; c < 3; c++) {
		for (size_t i = 0; i < n; i++)
			plane[i] = im.pix[i * 3 + c];
		mekf_denoise_plane(plane, 48, 40, &opts, NULL, NULL, &err);
		for (size_t i = 0; i < n; i++) {
			double v = nearbyint(plane[i]);
			want.pix[i * 3 + c] = (uint16_t)(v < 0 ? 0 : v > 255 ?
			    255 : v);
		}
	}
	snprintf(out, sizeof out, "%s/out.ppm", dir);
	for (int how = 0; how < 3; how++) {
		struct log lg = { 0 };
		mekf_job job = { opts, out, 1, 0, 1, remember, &lg, 0, NULL };
		CHECK(run(path, how, &job, &err) == 0, "PPM through a %s: %s",
		    how_name[how], err.msg);
		kv_input *in = input_open(out, &err);
		int rc = image_file_read(&back, in, &err);
		input_close(in);
		CHECK(rc == 0 && back.maxval == 255 && memcmp(back.pix, want.pix,
		    n * 3 * 2) == 0, "PPM through a %s: the driver's planes, "
		    "rounded", how_name[how]);
		free(back.pix);
		CHECK(lg.n == 6 && strstr(lg.where[0], "channel 1 rows") &&
		    strstr(lg.where[5], "channel 3 cols"), "6 models (rows, "
		    "cols of 3 channels): first '%s'", lg.where[0]);
	}
	/* PNG in, PNG out: libav*'s route, the same samples */
	snprintf(png, sizeof png, "%s/in.png", dir);
	snprintf(outpng, sizeof outpng, "%s/out.png", dir);
	image_file_write(png, &im, &err);
	for (int how = 0; how < 3; how++) {
		mekf_job job = { opts, outpng, 1, 0, 1, NULL, NULL, 0, NULL };
		CHECK(run(png, how, &job, &err) == 0, "PNG through a %s: %s",
		    how_name[how], err.msg);
		kv_input *in = input_open(outpng, &err);
		int rc = image_file_read(&back, in, &err);
		input_close(in);
		CHECK(rc == 0 && memcmp(back.pix, want.pix, n * 3 * 2) == 0,
		    "PNG through a %s: as the PPM route", how_name[how]);
		free(back.pix);
	}
	/* PPM in, PNG out: libav*'s route too */
	mekf_job job = { opts, outpng, 1, 0, 1, NULL, NULL, 0, NULL };
	CHECK(run(path, 1, &job, &err) == 0, "PPM to PNG through a pipe: %s",
	    err.msg);
	kv_input *in = input_open(outpng, &err);
	int rc = image_file_read(&back, in, &err);
	input_close(in);
	CHECK(rc == 0 && memcmp(back.pix, want.pix, n * 3 * 2) == 0,
	    "PPM to PNG: as the PPM route");
	free(back.pix);
	unlink(png);
	unlink(outpng);

	/* a Y4M video of 3 grey frames: each frame on its own */
	media_image g = noisy_image(rng, 32, 24, 1);
	media_format f;
	media_frame fr;
	void *buf = malloc(32 * 24 * 2);
	char y4m[256], outy4m[256];
	media_format_for_image(&f, &g, &err);
	snprintf(y4m, sizeof y4m, "%s/in.y4m", dir);
	snprintf(outy4m, sizeof outy4m, "%s/out.y4m", dir);
	media_writer *w = media_writer_open(y4m, &f, NULL, NULL, &err);
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < 32 * 24; i++)
			g.pix[i] = (uint16_t)((g.pix[i] + 17 * k) % 256);
		media_frame_for_image(&fr, buf, &f, &g);
		fr.index = k;
		media_write(w, &fr, &err);
	}
	media_writer_close(w, &err);
	unsigned char *first = NULL;
	size_t flen = 0;
	for (int how = 0; how < 3; how++) {
		struct log lg = { 0 };
		mekf_job vj = { opts, outy4m, 1, 0, 1, remember, &lg, 0, NULL };
		CHECK(run(y4m, how, &vj, &err) == 0, "Y4M through a %s: %s",
		    how_name[how], err.msg);
		size_t len = 0;
		unsigned char *bytes = feed_slurp(outy4m, &len);
		if (how == 0) {
			first = bytes;
			flen = len;
		}
		CHECK(bytes && len == flen && memcmp(bytes, first, len) == 0,
		    "Y4M through a %s: %zu bytes, as from the file", how_name[how],
		    len);
		CHECK(lg.n == 6 && strstr(lg.where[5], " frame 3 channel 1 cols"),
		    "Y4M: 6 models, the last '%s'", lg.n == 6 ? lg.where[5] : "");
		if (how)
			free(bytes);
	}
	free(first);
	free(buf);
	free(g.pix);
	unlink(y4m);
	unlink(outy4m);

	/* an image too small for the order: named, nothing written */
	media_image t = noisy_image(rng, 2, 2, 1);
	snprintf(path, sizeof path, "%s/tiny.pgm", dir);
	image_file_write(path, &t, &err);
	unlink(out);
	job = (mekf_job){ opts, out, 1, 0, 1, NULL, NULL, 0, NULL };
	CHECK(run(path, 1, &job, &err) != 0 && strstr(err.msg, ": channel 1: ")
	    != NULL && access(out, F_OK) != 0, "tiny image: %s", err.msg);
	unlink(path);
	free(t.pix);
	free(plane);
	free(want.pix);
	free(im.pix);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	kv_err err = { "" };

	gsl_set_error_handler_off();
	gsl_rng_set(rng, 11);
	if (mkdtemp(dir) == NULL)
		return 1;
	test_stream(rng);
	test_audio(rng);
	test_images(rng);

	/* a .mek is not for the filter */
	snprintf(path, sizeof path, "%s/a.mek", dir);
	FILE *fp = fopen(path, "wb");
	fwrite(MEK_MAGIC "\x02\x01\xff\x00\x01\x00\x00\x00", 1, 16, fp);
	fclose(fp);
	mekf_job job = { opts, out, 1, 0, 1, NULL, NULL, 0, NULL };
	CHECK(run(path, 0, &job, &err) != 0 && strstr(err.msg, "a.mek: not a "
	    "stream") != NULL, ".mek: %s", err.msg);
	unlink(path);

	const char *names[] = { "in.csv", "out.csv", "in.wav", "out.wav",
	    "in.ppm", "out.ppm" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	gsl_rng_free(rng);
	return check_done();
}
