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

/* The principal value of a phase, in (-pi, pi]. */
static double
princarg(double a)
{
	return a - 2 * M_PI * floor((a + M_PI) / (2 * M_PI));
}

/* Frame `to` (bins complex values) continuing frames a and b (b the
 * nearer to `to`, a one step further, when have_a) under the
 * magnitudes mag: each bin's phase moves on by its step from a to b,
 * taken as the bin's centre frequency's step 2 pi f hop / n plus the
 * principal value of the difference (the phase vocoder's instantaneous
 * frequency, which a steady partial between bins keeps); without a,
 * the centre frequency's step. dir is 1 forward in time, -1 back. */
static void
continue_phase(double *to, const double *b, const double *a, int have_a,
	const double *mag, size_t bins, size_t n, size_t hop, int dir)
{
	for (size_t f = 0; f < bins; f++) {
		double centre = dir * 2 * M_PI * (double)f * (double)hop /
		    (double)n;
		double pb = atan2(b[2 * f + 1], b[2 * f]), step = centre;
		if (have_a)
			step += princarg(pb - atan2(a[2 * f + 1], a[2 * f]) -
			    centre);
		to[2 * f] = mag[f] * cos(pb + step);
		to[2 * f + 1] = mag[f] * sin(pb + step);
	}
}

/* The missing frames' starting values: forward from the two frames
 * before each, or back from the first two frames kept when the gap
 * starts the sound. 0, or 1 when no frame is kept (the spec is left as
 * it is). */
static int
seed_gaps(stft_plan *p, const double *mag, double *spec,
	const unsigned char *missing, size_t frames)
{
	size_t bins = stft_bins(p), n = stft_size(p), hop = stft_hop(p);
	size_t first = 0;

#define FRAME(t) (spec + 2 * (t) * bins)
	while (first < frames && missing[first])
		first++;
	if (first == frames)
		return 1;
	for (size_t t = first; t-- > 0;) {
		int two = t + 2 < frames && !missing[t + 2];
		continue_phase(FRAME(t), FRAME(t + 1), FRAME(two ? t + 2 : t + 1),
		    two, mag + t * bins, bins, n, hop, -1);
	}
	for (size_t t = first + 1; t < frames; t++)
		if (missing[t])
			continue_phase(FRAME(t), FRAME(t - 1),
			    FRAME(t >= 2 ? t - 2 : t - 1), t >= 2, mag + t * bins,
			    bins, n, hop, 1);
#undef FRAME
	return 0;
}

/* Griffin-Lim's iterations on the frames flagged in missing (NULL:
 * every frame), the others kept; x the waveform of the result. Only
 * the flagged frames' spectra are taken again each time. */
static int
iterate(stft_plan *p, const double *mag, double *spec,
	const unsigned char *missing, size_t samples, int iters,
	double momentum, double *x, kv_err *err)
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
	for (int k = 0; k < iters; k++) {
		double *t;
		if (stft_inverse(p, spec, frames, x, samples, err) != 0)
			goto out;
		if (missing == NULL)
			stft_forward(p, x, samples, rebuilt);
		for (size_t f = 0; f < frames; f++) {
			size_t o = 2 * f * bins;
			if (missing != NULL && !missing[f])
				continue;
			if (missing != NULL)
				stft_frame(p, x, samples, f, rebuilt + o);
			for (size_t i = 0; i < 2 * bins; i++)
				spec[o + i] = rebuilt[o + i] -
				    (k > 0 ? c * prev[o + i] : 0);
			impose_magnitude(spec + o, spec + o, mag + f * bins, bins);
		}
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

int
phase_griffin_lim(stft_plan *p, const double *mag, double *spec,
	size_t samples, int iters, double momentum, double *x, kv_err *err)
{
	impose_magnitude(spec, spec, mag, stft_frames(p, samples) *
	    stft_bins(p));
	return iterate(p, mag, spec, NULL, samples, iters, momentum, x, err);
}

int
phase_fill_gaps(stft_plan *p, const double *mag, double *spec,
	const unsigned char *missing, size_t samples, int iters,
	double momentum, double *x, kv_err *err)
{
	size_t frames = stft_frames(p, samples), gaps = 0;

	for (size_t t = 0; t < frames; t++)
		gaps += missing[t] != 0;
	if (gaps == 0)	/* nothing to iterate on */
		return stft_inverse(p, spec, frames, x, samples, err);
	if (seed_gaps(p, mag, spec, missing, frames))
		return phase_griffin_lim(p, mag, spec, samples, iters, momentum,
		    x, err);
	return iterate(p, mag, spec, missing, samples, iters, momentum, x,
	    err);
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
