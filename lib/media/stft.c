/* stft.c: the short-time Fourier transform on GSL's mixed-radix real FFT,
 * with librosa's conventions (stft.h). */
#include "media/stft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>

#define STFT_MAX_SIZE 65536

struct stft_plan {
	size_t n, hop;
	stft_window window;
	double *w;		/* the window, n values */
	double *buf;		/* one frame, n values */
	double *wsum;		/* the inverse's weights, grown on demand */
	size_t wsum_len;
	gsl_fft_real_wavetable *fwd;
	gsl_fft_halfcomplex_wavetable *inv;
	gsl_fft_real_workspace *work;
};

static const struct {
	const char *name;
	stft_window window;
} window_names[] = {
	{ "hann", STFT_HANN }, { "hamming", STFT_HAMMING },
	{ "blackman", STFT_BLACKMAN }, { "rect", STFT_RECT },
	{ "boxcar", STFT_RECT },
};

int
stft_window_parse(const char *name, stft_window *window)
{
	for (size_t i = 0; i < sizeof window_names / sizeof *window_names; i++)
		if (strcmp(name, window_names[i].name) == 0) {
			*window = window_names[i].window;
			return 0;
		}
	return -1;
}

const char *
stft_window_name(stft_window window)
{
	for (size_t i = 0; i < sizeof window_names / sizeof *window_names; i++)
		if (window_names[i].window == window)
			return window_names[i].name;
	return "?";
}

/* The periodic window: the symmetric one of n + 1 points, last dropped
 * (scipy.signal.get_window's fftbins=True). */
static void
fill_window(double *w, size_t n, stft_window window)
{
	for (size_t j = 0; j < n; j++) {
		double a = 2 * M_PI * (double)j / (double)n;
		switch (window) {
		case STFT_HANN: w[j] = 0.5 - 0.5 * cos(a); break;
		case STFT_HAMMING: w[j] = 0.54 - 0.46 * cos(a); break;
		case STFT_BLACKMAN:
			w[j] = 0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a);
			break;
		case STFT_RECT: w[j] = 1; break;
		}
	}
}

stft_plan *
stft_plan_new(size_t n, size_t hop, stft_window window, kv_err *err)
{
	stft_plan *p;

	if (n < 2 || n > STFT_MAX_SIZE || n % 2 != 0) {
		kv_errf(err, "STFT size %zu: an even number of samples from 2 "
		    "to %d is needed", n, STFT_MAX_SIZE);
		return NULL;
	}
	if (hop < 1 || hop > n / 2) {
		kv_errf(err, "STFT hop %zu: from 1 to half the window, %zu, is "
		    "needed, so that every sample is under two windows and the "
		    "signal can be rebuilt", hop, n / 2);
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		kv_errf(err, "out of memory for an STFT plan");
		return NULL;
	}
	p->n = n;
	p->hop = hop;
	p->window = window;
	p->w = malloc(n * sizeof *p->w);
	p->buf = malloc(n * sizeof *p->buf);
	p->fwd = gsl_fft_real_wavetable_alloc(n);
	p->inv = gsl_fft_halfcomplex_wavetable_alloc(n);
	p->work = gsl_fft_real_workspace_alloc(n);
	if (!p->w || !p->buf || !p->fwd || !p->inv || !p->work) {
		stft_plan_free(p);
		kv_errf(err, "out of memory for an STFT plan of %zu", n);
		return NULL;
	}
	fill_window(p->w, n, window);
	return p;
}

void
stft_plan_free(stft_plan *p)
{
	if (!p)
		return;
	gsl_fft_real_wavetable_free(p->fwd);
	gsl_fft_halfcomplex_wavetable_free(p->inv);
	gsl_fft_real_workspace_free(p->work);
	free(p->w);
	free(p->buf);
	free(p->wsum);
	free(p);
}

size_t stft_size(const stft_plan *p) { return p->n; }
size_t stft_hop(const stft_plan *p) { return p->hop; }
size_t stft_bins(const stft_plan *p) { return p->n / 2 + 1; }
const double *stft_window_values(const stft_plan *p) { return p->w; }

size_t
stft_frames(const stft_plan *p, size_t samples)
{
	return 1 + samples / p->hop;
}

void
stft_frame(stft_plan *p, const double *x, size_t samples, size_t t,
	double *spec)
{
	size_t n = p->n, half = n / 2;
	/* sample t hop + j - n/2 under window value j; zeros outside x */
	ptrdiff_t start = (ptrdiff_t)(t * p->hop) - (ptrdiff_t)half;

	for (size_t j = 0; j < n; j++) {
		ptrdiff_t i = start + (ptrdiff_t)j;
		p->buf[j] = i >= 0 && (size_t)i < samples ? p->w[j] * x[i] : 0;
	}
	gsl_fft_real_transform(p->buf, 1, n, p->fwd, p->work);
	/* GSL's half-complex order: re0, re1, im1, ..., re(n/2) */
	spec[0] = p->buf[0];
	spec[1] = 0;
	for (size_t f = 1; f < half; f++) {
		spec[2 * f] = p->buf[2 * f - 1];
		spec[2 * f + 1] = p->buf[2 * f];
	}
	spec[2 * half] = p->buf[n - 1];
	spec[2 * half + 1] = 0;
}

void
stft_forward(stft_plan *p, const double *x, size_t samples, double *spec)
{
	size_t frames = stft_frames(p, samples), bins = stft_bins(p);

	for (size_t t = 0; t < frames; t++)
		stft_frame(p, x, samples, t, spec + 2 * bins * t);
}

/* buf = the real inverse FFT of one frame's bins (the imaginary parts of
 * bins 0 and n/2 do not enter, as in numpy.fft.irfft). */
static void
inverse_frame(stft_plan *p, const double *spec)
{
	size_t n = p->n, half = n / 2;

	p->buf[0] = spec[0];
	for (size_t f = 1; f < half; f++) {
		p->buf[2 * f - 1] = spec[2 * f];
		p->buf[2 * f] = spec[2 * f + 1];
	}
	p->buf[n - 1] = spec[2 * half];
	gsl_fft_halfcomplex_inverse(p->buf, 1, n, p->inv, p->work);
}

int
stft_inverse(stft_plan *p, const double *spec, size_t frames, double *x,
	size_t samples, kv_err *err)
{
	size_t n = p->n, bins = stft_bins(p);

	if (p->wsum_len < samples) {
		double *w = realloc(p->wsum, samples * sizeof *w);
		if (!w)
			return kv_errf(err, "out of memory for an inverse STFT "
			    "of %zu samples", samples);
		p->wsum = w;
		p->wsum_len = samples;
	}
	memset(x, 0, samples * sizeof *x);
	memset(p->wsum, 0, samples * sizeof *p->wsum);
	for (size_t t = 0; t < frames; t++) {
		ptrdiff_t start = (ptrdiff_t)(t * p->hop) - (ptrdiff_t)(n / 2);
		inverse_frame(p, spec + 2 * bins * t);
		for (size_t j = 0; j < n; j++) {
			ptrdiff_t i = start + (ptrdiff_t)j;
			if (i < 0 || (size_t)i >= samples)
				continue;
			x[i] += p->w[j] * p->buf[j];
			p->wsum[i] += p->w[j] * p->w[j];
		}
	}
	for (size_t i = 0; i < samples; i++)
		if (p->wsum[i] > 0)
			x[i] /= p->wsum[i];
	return 0;
}
