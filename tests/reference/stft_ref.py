#!/usr/bin/python3
"""stft_ref.py: lib/media/stft (through tests/tools/stft_tool) against
scipy.signal.stft / istft and a numpy transcription of librosa 0.10's
stft (librosa is not packaged in Debian 12).

Usage: stft_ref.py forward N HOP WINDOW SAMPLES SEED
       stft_ref.py inverse N HOP WINDOW SAMPLES SEED
       stft_ref.py griffinlim N HOP WINDOW SAMPLES SEED [ITERS MOMENTUM]

forward: a random signal's spectrogram; every bin within 1e-9 of the
         largest magnitude of both references (scipy's scaled by the
         window's sum, which scipy divides by).
inverse: a random complex spectrogram (no signal has it: the inverse is
         then a least-squares fit, not an identity); the rebuilt signal
         within 1e-9 of a numpy transcription of librosa's istft (with
         length=SAMPLES) and of scipy.signal.istft's (scaled the same
         way) on the (frames - 1) hop samples scipy gives.
griffinlim: the magnitudes of a chirp and random starting phases; the
         signal after ITERS (default 32) iterations with MOMENTUM
         (default librosa's 0.99) within 1e-8 of librosa.griffinlim's
         loop transcribed in numpy, and its spectral convergence at
         most a quarter of the starting phases'.
Prints the worst relative difference; exit 1 past the tolerance.
"""
import subprocess
import sys

import numpy as np
import scipy.signal as ss

TOOL = "stft_tool"
TOL = 1e-9


def run_tool(args, numbers):
    text = "\n".join(repr(float(v)) for v in numbers)
    out = subprocess.run([TOOL] + args, input=text, capture_output=True,
                         text=True, check=True).stdout
    return np.array(out.split(), dtype=float)


def librosa_stft(x, n, hop, window):
    """librosa.stft(x, n_fft=n, hop_length=hop, window=window,
    center=True, pad_mode='constant'), bins x frames, by its definition."""
    w = ss.get_window(window, n, fftbins=True)
    xp = np.pad(x, n // 2, mode="constant")
    frames = 1 + (len(xp) - n) // hop
    cols = [np.fft.rfft(w * xp[t * hop:t * hop + n]) for t in range(frames)]
    return np.array(cols).T


def librosa_istft(z, n, hop, window, length):
    """librosa.istft(z, hop_length=hop, window=window, center=True,
    length=length) by its definition: windowed inverse FFTs overlap-added,
    divided by the summed squared windows where that is above tiny."""
    w = ss.get_window(window, n, fftbins=True)
    frames = z.shape[1]
    y = np.zeros(n + hop * (frames - 1))
    wsum = np.zeros_like(y)
    for t in range(frames):
        y[t * hop:t * hop + n] += w * np.fft.irfft(z[:, t], n)
        wsum[t * hop:t * hop + n] += w * w
    nz = wsum > np.finfo(float).tiny
    y[nz] /= wsum[nz]
    y = y[n // 2:]
    return np.pad(y, (0, max(0, length - len(y))))[:length]


def griffinlim(mag, init, n, hop, window, length, iters, momentum):
    """librosa 0.10's griffinlim loop, with init's angles to start."""
    a = init / np.where(np.abs(init) > 0, np.abs(init), 1)
    a[np.abs(init) == 0] = 1
    angles = mag * a
    tprev = None
    for _ in range(iters):
        inv = librosa_istft(angles, n, hop, window, length)
        rebuilt = librosa_stft(inv, n, hop, window)
        angles = rebuilt.copy()
        if tprev is not None:
            angles -= (momentum / (1 + momentum)) * tprev
        angles /= np.abs(angles) + np.finfo(float).tiny
        angles *= mag
        tprev = rebuilt
    return librosa_istft(angles, n, hop, window, length)


def convergence(x, mag, n, hop, window):
    return (np.linalg.norm(np.abs(librosa_stft(x, n, hop, window)) - mag)
            / np.linalg.norm(mag))


def main():
    mode, n, hop, window, samples, seed = sys.argv[1:7]
    iters = int(sys.argv[7]) if len(sys.argv) > 7 else 32
    momentum = float(sys.argv[8]) if len(sys.argv) > 8 else 0.99
    n, hop, samples, seed = int(n), int(hop), int(samples), int(seed)
    rng = np.random.default_rng(seed)
    scipy_win = "boxcar" if window == "rect" else window
    w = ss.get_window(scipy_win, n, fftbins=True)
    bins = n // 2 + 1
    if mode == "forward":
        x = rng.standard_normal(samples)
        got = run_tool(["forward", str(n), str(hop), window], x)
        got = (got[0::2] + 1j * got[1::2]).reshape(-1, bins).T
        refs = {"librosa (numpy)": librosa_stft(x, n, hop, scipy_win)}
        if samples >= n:  # scipy shortens the window to a shorter signal
            _, _, z = ss.stft(x, window=scipy_win, nperseg=n, noverlap=n - hop,
                              boundary="zeros", padded=False, detrend=False)
            refs["scipy.signal.stft"] = z * w.sum()
        worst = 0
        for name, ref in refs.items():
            if ref.shape != got.shape:
                print(f"{name}: shape {ref.shape}, ours {got.shape}")
                sys.exit(1)
            err = np.abs(got - ref).max() / np.abs(ref).max()
            print(f"{name}: worst |difference| / max |X| = {err:.3g}")
            worst = max(worst, err)
    elif mode == "griffinlim":
        t = np.arange(samples) / 8000
        x = np.sin(2 * np.pi * (200 + 300 * t) * t) + 0.3 * np.sin(2 * np.pi * 1200 * t)
        mag = np.abs(librosa_stft(x, n, hop, scipy_win))
        init = np.exp(2j * np.pi * rng.random(mag.shape))
        spec = np.concatenate([mag.T.ravel(),
                               np.stack([init.T.real, init.T.imag], axis=-1).ravel()])
        got = run_tool(["griffinlim", str(n), str(hop), window, str(samples),
                        str(iters), str(momentum)], spec)
        ref = griffinlim(mag, init, n, hop, scipy_win, samples, iters, momentum)
        worst = np.abs(got - ref).max() / np.abs(ref).max()
        start = convergence(librosa_istft(mag * init, n, hop, scipy_win, samples),
                            mag, n, hop, scipy_win)
        end = convergence(got, mag, n, hop, scipy_win)
        print(f"librosa griffinlim (numpy), {iters} iterations, momentum {momentum}: "
              f"worst |difference| / max |x| = {worst:.3g}; spectral convergence "
              f"{start:.3f} at the start, {end:.4f} after")
        worst = worst / 10 if end <= start / 4 else np.inf  # tolerance 1e-8
    else:
        frames = 1 + samples // hop
        z = rng.standard_normal((bins, frames)) + 1j * rng.standard_normal((bins, frames))
        z[0].imag = 0
        z[-1].imag = 0
        spec = np.stack([z.T.real, z.T.imag], axis=-1).ravel()
        got = run_tool(["inverse", str(n), str(hop), window, str(samples)], spec)
        _, sci = ss.istft(z / w.sum(), window=scipy_win, nperseg=n,
                          noverlap=n - hop, boundary=True)
        lib = librosa_istft(z, n, hop, scipy_win, samples)
        worst = 0
        for name, ref, m in (("librosa (numpy)", lib, samples),
                             ("scipy.signal.istft", sci, len(sci))):
            if m == 0:
                continue
            err = np.abs(got[:m] - ref[:m]).max() / np.abs(ref[:m]).max()
            print(f"{name}: worst |difference| / max |x| over {m} samples = {err:.3g}")
            worst = max(worst, err)
    sys.exit(0 if worst <= TOL else 1)


if __name__ == "__main__":
    main()
