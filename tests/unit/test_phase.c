/* test_phase: magnitudes back to waveforms. A reference's own
 * magnitudes give the reference back, through its phase and through the
 * Wiener gain; the gain caps, scales and silences as phase.h says; a
 * signal's true phases are a fixed point of Griffin-Lim; random
 * phases converge; and frames filled in from their neighbours bring a
 * steady sound back across a gap, leaving the frames kept alone. tests/reference/stft.bats compares Griffin-Lim with
 * librosa's loop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "media/phase.h"

#define N 256
#define HOP 64
#define SAMPLES 4000

static double *
chirp(void)
{
	double *x = malloc(SAMPLES * sizeof *x);

	for (size_t i = 0; i < SAMPLES; i++) {
		double t = i / 8000.0;
		x[i] = sin(2 * M_PI * (300 + 400 * t) * t) +
		    0.2 * sin(2 * M_PI * 1500 * t);
	}
	return x;
}

static double
worst_diff(const double *a, const double *b, size_t n, double scale)
{
	double w = 0;

	for (size_t i = 0; i < n; i++)
		w = fmax(w, fabs(a[i] - scale * b[i]));
	return w;
}

static void
test_reference(const double *R, size_t frames, size_t bins)
{
	size_t n = frames * bins;
	double *mag = malloc(n * sizeof *mag), *out = malloc(2 * n * sizeof *out);
	double w1, w2;

	for (size_t i = 0; i < n; i++)
		mag[i] = hypot(R[2 * i], R[2 * i + 1]);
	phase_from_reference(mag, R, frames, bins, out);
	w1 = worst_diff(out, R, 2 * n, 1);
	phase_wiener_gain(mag, R, frames, bins, out);
	w2 = worst_diff(out, R, 2 * n, 1);
	CHECK(w1 <= 1e-12 && w2 <= 1e-12, "the reference's own magnitudes: "
	    "its spectrum back by its phase (%.3g) and by the gain (%.3g), "
	    "tol 1e-12", w1, w2);

	for (size_t i = 0; i < n; i++)
		mag[i] = hypot(R[2 * i], R[2 * i + 1]) / 2;
	phase_from_reference(mag, R, frames, bins, out);
	w1 = worst_diff(out, R, 2 * n, 0.5);
	phase_wiener_gain(mag, R, frames, bins, out);
	w2 = worst_diff(out, R, 2 * n, 0.25);
	CHECK(w1 <= 1e-12 && w2 <= 1e-12, "half the magnitudes: R/2 by its "
	    "phase (%.3g), gain 1/4 (%.3g)", w1, w2);

	for (size_t i = 0; i < n; i++)
		mag[i] = 3 * hypot(R[2 * i], R[2 * i + 1]);
	phase_wiener_gain(mag, R, frames, bins, out);
	w2 = worst_diff(out, R, 2 * n, 1);
	CHECK(w2 <= 1e-12, "three times the magnitudes: the gain stops at 1 "
	    "(%.3g)", w2);
	free(mag);
	free(out);
}

static void
test_zeros(void)
{
	double R[4] = { 0, 0, 3, -4 }, mag[2] = { 2, 0 }, out[4];

	phase_from_reference(mag, R, 1, 2, out);
	CHECK(out[0] == 2 && out[1] == 0 && out[2] == 0 && out[3] == 0,
	    "by phase: a silent reference bin gets phase 0, a zero magnitude "
	    "gives 0");
	phase_wiener_gain(mag, R, 1, 2, out);
	CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0,
	    "by gain: nothing comes out of a silent reference bin or a zero "
	    "magnitude");
}

static void
test_griffin_lim(stft_plan *p, const double *x, const double *R,
	size_t frames, size_t bins, gsl_rng *rng)
{
	size_t n = frames * bins;
	double *mag = malloc(n * sizeof *mag), *spec = malloc(2 * n *
	    sizeof *spec), *y = malloc(SAMPLES * sizeof *y), w, sc0, sc;

	for (size_t i = 0; i < n; i++)
		mag[i] = hypot(R[2 * i], R[2 * i + 1]);
	for (size_t i = 0; i < 2 * n; i++)
		spec[i] = R[i];
	phase_griffin_lim(p, mag, spec, SAMPLES, 20, GRIFFIN_LIM_MOMENTUM, y,
	    NULL);
	w = worst_diff(y, x, SAMPLES, 1);
	CHECK(w <= 1e-10, "Griffin-Lim from the true phases stays on the "
	    "signal: within %.3g after 20 iterations (tol 1e-10)", w);

	for (size_t i = 0; i < n; i++) {
		double a = gsl_ran_flat(rng, 0, 2 * M_PI);
		spec[2 * i] = cos(a);
		spec[2 * i + 1] = sin(a);
	}
	phase_griffin_lim(p, mag, spec, SAMPLES, 0, 0, y, NULL);
	sc0 = phase_spectral_convergence(p, mag, y, SAMPLES);
	for (size_t i = 0; i < n; i++) {
		double a = gsl_ran_flat(rng, 0, 2 * M_PI);
		spec[2 * i] = cos(a);
		spec[2 * i + 1] = sin(a);
	}
	phase_griffin_lim(p, mag, spec, SAMPLES, 100, GRIFFIN_LIM_MOMENTUM, y,
	    NULL);
	sc = phase_spectral_convergence(p, mag, y, SAMPLES);
	CHECK(sc < sc0 / 5, "Griffin-Lim from random phases: spectral "
	    "convergence %.3f at the start, %.4f after 100 iterations (want "
	    "below a fifth)", sc0, sc);
	free(mag);
	free(spec);
	free(y);
}

/* Two steady tones between bins: the sound across frames FROM..TO
 * of a gap, against x. */
static double
gap_snr(const double *x, const double *y, size_t from, size_t to)
{
	double s = 0, e = 0;

	for (size_t i = from * HOP; i < to * HOP; i++) {
		s += x[i] * x[i];
		e += (x[i] - y[i]) * (x[i] - y[i]);
	}
	return 10 * log10(s / e);
}

/* The SNR across frames 21..24 of a 6-frame gap (20..25) in x, with
 * the gap's spectrum zeroed, seeded from the neighbours, and after 50
 * Griffin-Lim iterations; two frames missing at the start too. */
static void
fill_snrs(stft_plan *p, const double *x, double snr[3], int *kept_same)
{
	size_t frames = stft_frames(p, SAMPLES), bins = stft_bins(p);
	size_t n = frames * bins;
	double *y = malloc(SAMPLES * sizeof *y), *R = malloc(2 * n * sizeof *R);
	double *spec = malloc(2 * n * sizeof *spec), *mag = malloc(n *
	    sizeof *mag);
	unsigned char *missing = calloc(frames, 1);

	stft_forward(p, x, SAMPLES, R);
	for (size_t i = 0; i < n; i++)
		mag[i] = hypot(R[2 * i], R[2 * i + 1]);
	for (size_t t = 0; t < frames; t++)
		missing[t] = t < 2 || (t >= 20 && t < 26);
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < 2 * n; i++)
			spec[i] = missing[i / (2 * bins)] ? 0 : R[i];
		if (k == 0)
			stft_inverse(p, spec, frames, y, SAMPLES, NULL);
		else
			phase_fill_gaps(p, mag, spec, missing, SAMPLES,
			    k == 1 ? 0 : 50, GRIFFIN_LIM_MOMENTUM, y, NULL);
		snr[k] = gap_snr(x, y, 21, 25);
	}
	*kept_same = 1;
	for (size_t i = 0; i < 2 * n; i++)
		if (!missing[i / (2 * bins)] && spec[i] != R[i])
			*kept_same = 0;
	free(y);
	free(R);
	free(spec);
	free(mag);
	free(missing);
}

static void
test_fill_gaps(stft_plan *p, const double *chirp_x)
{
	size_t frames = stft_frames(p, SAMPLES), bins = stft_bins(p);
	double *x = malloc(SAMPLES * sizeof *x), *y = malloc(SAMPLES *
	    sizeof *y), *R = malloc(2 * frames * bins * sizeof *R);
	double *mag = malloc(frames * bins * sizeof *mag), tones[3], sweep[3];
	unsigned char *none = calloc(frames, 1);
	double w = 0;
	int same1, same2;

	/* nothing missing: the spectrum's own waveform */
	stft_forward(p, chirp_x, SAMPLES, R);
	for (size_t i = 0; i < frames * bins; i++)
		mag[i] = hypot(R[2 * i], R[2 * i + 1]);
	phase_fill_gaps(p, mag, R, none, SAMPLES, 3, GRIFFIN_LIM_MOMENTUM, y,
	    NULL);
	for (size_t i = 0; i < SAMPLES; i++)
		w = fmax(w, fabs(y[i] - chirp_x[i]));
	CHECK(w <= 1e-12, "no frame missing: the spectrum's own waveform "
	    "(within %.3g)", w);

	for (size_t i = 0; i < SAMPLES; i++)
		x[i] = sin(2 * M_PI * 440.0 * i / 8000) +
		    0.5 * sin(2 * M_PI * 1234.5 * i / 8000 + 1);
	fill_snrs(p, x, tones, &same1);
	fill_snrs(p, chirp_x, sweep, &same2);
	CHECK(same1 && same2, "the frames kept are left as they were");
	CHECK(tones[0] < 1 && tones[1] > 60 && tones[2] > 60, "a 6-frame gap "
	    "in two steady tones between bins, true magnitudes: SNR %.1f dB "
	    "with zeros, %.1f seeded by the neighbours' phase steps, %.1f after "
	    "50 Griffin-Lim iterations (want > 60)", tones[0], tones[1],
	    tones[2]);
	CHECK(sweep[0] < 1 && sweep[2] > sweep[1] + 3 && sweep[2] > 10,
	    "the same gap in a chirp: %.1f dB with zeros, %.1f seeded, %.1f "
	    "after 50 iterations (want 3 dB better than the seed, and > 10)",
	    sweep[0], sweep[1], sweep[2]);
	free(x);
	free(y);
	free(R);
	free(mag);
	free(none);
}

int
main(void)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	stft_plan *p = stft_plan_new(N, HOP, STFT_HANN, NULL);
	size_t frames = stft_frames(p, SAMPLES), bins = stft_bins(p);
	double *x = chirp(), *R = malloc(2 * frames * bins * sizeof *R);

	gsl_rng_set(rng, 5);
	stft_forward(p, x, SAMPLES, R);
	test_reference(R, frames, bins);
	test_zeros();
	test_griffin_lim(p, x, R, frames, bins, rng);
	test_fill_gaps(p, x);
	free(x);
	free(R);
	stft_plan_free(p);
	gsl_rng_free(rng);
	return check_done();
}
