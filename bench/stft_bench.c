/* stft_bench: the STFT and its inverse of a minute of noise, on
 * lib/media/stft (GSL's mixed-radix real FFT) and on the same framing
 * with FFTW 3's real transforms (plans made with FFTW_MEASURE, not
 * counted), for the sizes speech and music use. Prints milliseconds per
 * transform (the best of REPS runs, so that page faults and a busy
 * neighbour count least), the GSL/FFTW ratio, and the largest difference
 * between the two (they must agree). Usage: stft_bench [SECONDS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fftw3.h>

#include "media/stft.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct fftw_stft {
	size_t n, hop;
	const double *w;
	double *buf;
	fftw_complex *spec;
	fftw_plan fwd, inv;
} fftw_stft;

/* The framing of stft.c, the transform FFTW's. */
static void
fftw_forward(fftw_stft *f, const double *x, size_t samples, double *out)
{
	size_t n = f->n, bins = n / 2 + 1, frames = 1 + samples / f->hop;

	for (size_t t = 0; t < frames; t++) {
		ptrdiff_t start = (ptrdiff_t)(t * f->hop) - (ptrdiff_t)(n / 2);
		for (size_t j = 0; j < n; j++) {
			ptrdiff_t i = start + (ptrdiff_t)j;
			f->buf[j] = i >= 0 && (size_t)i < samples ?
			    f->w[j] * x[i] : 0;
		}
		fftw_execute(f->fwd);
		memcpy(out + 2 * bins * t, f->spec, 2 * bins * sizeof *out);
	}
}

static void
fftw_inverse(fftw_stft *f, const double *spec, size_t frames, double *x,
	double *wsum, size_t samples)
{
	size_t n = f->n, bins = n / 2 + 1;

	memset(x, 0, samples * sizeof *x);
	memset(wsum, 0, samples * sizeof *wsum);
	for (size_t t = 0; t < frames; t++) {
		ptrdiff_t start = (ptrdiff_t)(t * f->hop) - (ptrdiff_t)(n / 2);
		memcpy(f->spec, spec + 2 * bins * t, 2 * bins * sizeof *spec);
		fftw_execute(f->inv);	/* unnormalised: divide by n */
		for (size_t j = 0; j < n; j++) {
			ptrdiff_t i = start + (ptrdiff_t)j;
			if (i < 0 || (size_t)i >= samples)
				continue;
			x[i] += f->w[j] * f->buf[j] / (double)n;
			wsum[i] += f->w[j] * f->w[j];
		}
	}
	for (size_t i = 0; i < samples; i++)
		if (wsum[i] > 0)
			x[i] /= wsum[i];
}

#define REPS 5

static void
bench(int rate, size_t n, size_t hop, double seconds)
{
	size_t samples = (size_t)(seconds * rate), bins = n / 2 + 1;
	stft_plan *p = stft_plan_new(n, hop, STFT_HANN, NULL);
	size_t frames = stft_frames(p, samples);
	double *x = malloc(samples * sizeof *x), *y = malloc(samples *
	    sizeof *y), *wsum = malloc(samples * sizeof *wsum);
	double *s1 = malloc(2 * bins * frames * sizeof *s1);
	double *s2 = malloc(2 * bins * frames * sizeof *s2);
	fftw_stft f = { n, hop, stft_window_values(p), fftw_alloc_real(n),
		fftw_alloc_complex(bins), NULL, NULL };
	double t0, gf = INFINITY, gi = INFINITY, ff = INFINITY, fi = INFINITY;
	double d = 0;

	f.fwd = fftw_plan_dft_r2c_1d((int)n, f.buf, f.spec, FFTW_MEASURE);
	f.inv = fftw_plan_dft_c2r_1d((int)n, f.spec, f.buf, FFTW_MEASURE);
	srand(1);
	for (size_t i = 0; i < samples; i++)
		x[i] = rand() / (double)RAND_MAX - 0.5;
	for (int r = 0; r < REPS; r++) {
		t0 = now();
		stft_forward(p, x, samples, s1);
		gf = fmin(gf, now() - t0);
		t0 = now();
		stft_inverse(p, s1, frames, y, samples, NULL);
		gi = fmin(gi, now() - t0);
		t0 = now();
		fftw_forward(&f, x, samples, s2);
		ff = fmin(ff, now() - t0);
		t0 = now();
		fftw_inverse(&f, s1, frames, y, wsum, samples);
		fi = fmin(fi, now() - t0);
	}
	for (size_t i = 0; i < 2 * bins * frames; i++)
		d = fmax(d, fabs(s1[i] - s2[i]));
	for (size_t i = 0; i < samples; i++)
		d = fmax(d, fabs(y[i] - x[i]));
	printf("%6d Hz  n=%-5zu hop=%-4zu %6zu frames  forward GSL %7.1f ms "
	    "FFTW %7.1f ms (GSL/FFTW %.2f)  inverse GSL %7.1f ms FFTW %7.1f "
	    "ms (%.2f)  max diff %.1e\n", rate, n, hop, frames, 1e3 * gf,
	    1e3 * ff, gf / ff, 1e3 * gi, 1e3 * fi, gi / fi, d);
	fftw_destroy_plan(f.fwd);
	fftw_destroy_plan(f.inv);
	fftw_free(f.buf);
	fftw_free(f.spec);
	stft_plan_free(p);
	free(x);
	free(y);
	free(wsum);
	free(s1);
	free(s2);
}

int
main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 60;

	printf("a hann STFT of %.0f s of noise, then its inverse\n", seconds);
	bench(16000, 512, 128, seconds);	/* librosa's default hop */
	bench(16000, 400, 160, seconds);	/* 25 ms every 10 ms: speech */
	bench(22050, 2048, 512, seconds);	/* librosa's defaults */
	bench(44100, 882, 441, seconds);	/* 20 ms frames, half overlap */
	return 0;
}
