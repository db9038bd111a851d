/* test_phase: magnitudes back to waveforms. A reference's own
 * magnitudes give the reference back, through its phase and through the
 * Wiener gain; the gain caps, scales and silences as phase.h says; a
 * signal's true phases are a fixed point of Griffin-Lim; and random
 * phases converge. tests/reference/stft.bats compares Griffin-Lim with
 * librosa's loop. */
#include <math.h>
#include <stdlib.h>

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
	free(x);
	free(R);
	stft_plan_free(p);
	gsl_rng_free(rng);
	return check_done();
}
