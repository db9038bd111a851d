/* phase.c: waveforms from magnitudes (phase.h). */
#include "media/phase.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

void
phase_from_reference(const double *mag, const double *ref, size_t frames,
	size_t bins, double *out)
{
	for (size_t i = 0; i < frames * bins; i++) {
		double re = ref[2 * i], im = ref[2 * i + 1], r = hypot(re, im);
		out[2 * i] = r > 0 ? mag[i] * re / r : mag[i];
		out[2 * i + 1] = r > 0 ? mag[i] * im / r : 0;
	}
}

void
phase_wiener_gain(const double *mag, const double *ref, size_t frames,
	size_t bins, double *out)
{
	for (size_t i = 0; i < frames * bins; i++) {
		double m2 = mag[i] * mag[i];
		double r2 = ref[2 * i] * ref[2 * i] + ref[2 * i + 1] *
		    ref[2 * i + 1];
		double g = m2 > 0 ? m2 / fmax(m2, r2) : 0;
		out[2 * i] = g * ref[2 * i];
		out[2 * i + 1] = g * ref[2 * i + 1];
	}
}

/* X = mag * A / (|A| + DBL_MIN), librosa's normalisation (phase 0 where
 * A is 0). */
static void
impose_magnitude(double *X, const double *A, const double *mag, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double re = A[2 * i], im = A[2 * i + 1];
		double r = hypot(re, im);
		if (r == 0) {
			X[2 * i] = mag[i];
			X[2 * i + 1] = 0;
		} else {
			X[2 * i] = mag[i] * re / (r + DBL_MIN);
			X[2 * i + 1] = mag[i] * im / (r + DBL_MIN);
		}
	}
}

int
phase_griffin_lim(stft_plan *p, const double *mag, double *spec,
	size_t samples, int iters, double momentum, double *x, kv_err *err)
{
	size_t frames = stft_frames(p, samples), bins = stft_bins(p);
	size_t n = frames * bins;
	double *rebuilt = malloc(2 * n * sizeof *rebuilt);
	double *prev = malloc(2 * n * sizeof *prev);
	double c = momentum / (1 + momentum);
	int rc = -1;

	if (!rebuilt || !prev) {
		kv_errf(err, "out of memory for Griffin-Lim on %zu frames",
		    frames);
		goto out;
	}
	impose_magnitude(spec, spec, mag, n);
	for (int k = 0; k < iters; k++) {
		double *t;
		if (stft_inverse(p, spec, frames, x, samples, err) != 0)
			goto out;
		stft_forward(p, x, samples, rebuilt);
		if (k > 0)
			for (size_t i = 0; i < 2 * n; i++)
				spec[i] = rebuilt[i] - c * prev[i];
		else
			for (size_t i = 0; i < 2 * n; i++)
				spec[i] = rebuilt[i];
		impose_magnitude(spec, spec, mag, n);
		t = prev;
		prev = rebuilt;
		rebuilt = t;
	}
	rc = stft_inverse(p, spec, frames, x, samples, err);
out:
	free(rebuilt);
	free(prev);
	return rc;
}

double
phase_spectral_convergence(stft_plan *p, const double *mag, const double *x,
	size_t samples)
{
	size_t frames = stft_frames(p, samples), bins = stft_bins(p);
	double *s = malloc(2 * frames * bins * sizeof *s), num = 0, den = 0;

	if (!s)
		return NAN;
	stft_forward(p, x, samples, s);
	for (size_t i = 0; i < frames * bins; i++) {
		double d = hypot(s[2 * i], s[2 * i + 1]) - mag[i];
		num += d * d;
		den += mag[i] * mag[i];
	}
	free(s);
	return sqrt(num) / sqrt(den);
}
