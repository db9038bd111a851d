/* stft.h: the short-time Fourier transform of a signal and its inverse.
 *
 * Conventions are librosa 0.10's (librosa.stft / librosa.istft with
 * center=True), so that a spectrogram computed here and one computed in
 * Python agree to rounding:
 *  - the window is periodic ("fftbins"), as scipy.signal.get_window
 *    makes it: hann w[j] = 0.5 - 0.5 cos(2 pi j / n), n = the FFT size;
 *  - the signal is padded with n/2 zeros on both sides (centre padding,
 *    pad_mode "constant"), so frame t is centred on sample t hop, and a
 *    signal of N samples has 1 + N / hop frames (n even);
 *  - X[t][f] = sum_j w[j] x[t hop + j - n/2] exp(-2 pi i f j / n), no
 *    normalisation (scipy.signal.stft's equals X / sum(w));
 *  - the inverse is window-weighted overlap-add divided by the sum of
 *    squared windows (Griffin and Lim 1984), which gives back the signal
 *    exactly whenever that sum is non-zero on every sample: the
 *    "nonzero overlap-add" condition (scipy.signal.check_NOLA). The hop
 *    is at most half the window, so every sample, the last ones too, is
 *    under two windows, and each window here is zero only at its first
 *    point: the condition holds for every plan. (librosa also takes
 *    longer hops, where the signal's last samples can fall under no
 *    window.)
 * The FFT is GSL's mixed-radix real transform (any n; fastest when n has
 * only the factors 2, 3 and 5). */
#ifndef KVAE_STFT_H
#define KVAE_STFT_H

#include <stddef.h>

#include "core/err.h"

typedef enum stft_window {
	STFT_HANN,		/* the default, as librosa's */
	STFT_HAMMING,
	STFT_BLACKMAN,
	STFT_RECT		/* scipy's "boxcar" */
} stft_window;

typedef struct stft_plan stft_plan;

/* A plan for frames of n samples (even, 2..65536) taken every hop
 * samples (1..n/2) under the given window. Fails, saying why and what
 * would work, for another size or hop. */
stft_plan *stft_plan_new(size_t n, size_t hop, stft_window window,
	kv_err *err);
void stft_plan_free(stft_plan *p);

size_t stft_size(const stft_plan *p);	/* n */
size_t stft_hop(const stft_plan *p);
size_t stft_bins(const stft_plan *p);	/* n / 2 + 1 */
const double *stft_window_values(const stft_plan *p);	/* n of them */

/* Frames of a signal of `samples` samples: 1 + samples / hop. */
size_t stft_frames(const stft_plan *p, size_t samples);

/* The spectrum of frame t of x (samples long): bins complex values,
 * spec[2 f] the real and spec[2 f + 1] the imaginary part of bin f. */
void stft_frame(stft_plan *p, const double *x, size_t samples, size_t t,
	double *spec);

/* Every frame: spec holds stft_frames() x 2 bins doubles, frame after
 * frame. */
void stft_forward(stft_plan *p, const double *x, size_t samples,
	double *spec);

/* The signal of `samples` samples whose spectrogram is spec (frames
 * frames, as stft_forward lays them out): the windowed inverse FFTs
 * overlap-added and divided by the windows' summed squares. Samples no
 * frame reaches (frames < stft_frames(p, samples)) are zero. Fails only
 * for want of memory. */
int stft_inverse(stft_plan *p, const double *spec, size_t frames,
	double *x, size_t samples, kv_err *err);

/* "hann", "hamming", "blackman" or "rect" (also "boxcar"): 0 and
 * *window set, or -1 for another name. */
int stft_window_parse(const char *name, stft_window *window);
const char *stft_window_name(stft_window window);

#endif
