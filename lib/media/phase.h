/* phase.h: a waveform from spectrogram magnitudes, which is what a VAE
 * decodes audio into (review seed 003, sections 7.2 and 8).
 *
 * Three ways, on stft.h's layout (frames x bins complex, re/im pairs):
 *  - the phase of a reference recording, e.g. the noisy input being
 *    denoised (X = M R / |R|; seed 003's eq. 90);
 *  - a soft Wiener-style gain on the reference instead: X = G R with
 *    G = M^2 / max(M^2, |R|^2), so a bin is never louder than the
 *    reference and is kept whole where the model says it is all signal;
 *  - Griffin and Lim's iterations (1984) with the momentum of Perraudin,
 *    Balazs and Sondergaard (2013), as librosa.griffinlim does: phases
 *    that make the magnitudes consistent with some signal. */
#ifndef KVAE_PHASE_H
#define KVAE_PHASE_H

#include <stddef.h>

#include "core/err.h"
#include "media/stft.h"

/* X[t][f] = mag[t][f] R[t][f] / |R[t][f]|, or mag[t][f] (phase 0) where
 * R is 0. mag holds frames x bins values; ref and out frames x bins
 * complex pairs; out may be ref. */
void phase_from_reference(const double *mag, const double *ref,
	size_t frames, size_t bins, double *out);

/* X = G R, G = mag^2 / max(mag^2, |R|^2) (0 where both are 0). */
void phase_wiener_gain(const double *mag, const double *ref, size_t frames,
	size_t bins, double *out);

/* librosa.griffinlim's momentum (its default). */
#define GRIFFIN_LIM_MOMENTUM 0.99

/* Griffin-Lim: x (samples) from the magnitudes mag (stft_frames(p,
 * samples) x bins) after iters iterations, starting from the phases of
 * spec (frames x bins complex; only their angles are used: pass a
 * reference's spectrum, or random phases) with the given momentum
 * (0: plain Griffin-Lim). The iteration is librosa 0.10's:
 *   y = stft(istft(X_k)), X_{k+1} = mag * phase(y - m/(1+m) prev)
 * with prev the previous y. Fails for want of memory. */
int phase_griffin_lim(stft_plan *p, const double *mag, double *spec,
	size_t samples, int iters, double momentum, double *x, kv_err *err);

/* Fill the frames flagged in missing[0..frames) (frames =
 * stft_frames(p, samples)): spec holds every frame, the others' values
 * kept as they are (e.g. the decoder's magnitudes under a reference's
 * phase); a missing frame gets the magnitudes mag and a phase seeded by
 * its neighbours (each bin's phase carried on from the two frames
 * before it at the step between them, the phase vocoder's estimate of
 * a steady partial's frequency; at the start, back from the first two
 * frames after it), then iters
 * Griffin-Lim iterations that change the missing frames alone. x gets
 * the waveform of the result, spec the result. With no frame missing,
 * x is stft_inverse of spec. Fails for want of memory. */
int phase_fill_gaps(stft_plan *p, const double *mag, double *spec,
	const unsigned char *missing, size_t samples, int iters,
	double momentum, double *x, kv_err *err);

/* ||(|stft(x)| - mag)||_F / ||mag||_F: how far x's magnitudes are from
 * the ones asked for (the spectral convergence of the Griffin-Lim
 * literature). */
double phase_spectral_convergence(stft_plan *p, const double *mag,
	const double *x, size_t samples);

#endif
