#!/usr/bin/python3
"""stft_py.py SECONDS: what a Python user runs for bench/stft's job:
scipy.signal.stft and istft (hann, the same sizes), milliseconds each,
the best of 5 runs as bench/stft_bench takes.
librosa is not in Debian 12; scipy's is the packaged STFT (pocketfft)."""
import sys
import time

import numpy as np
import scipy.signal as ss

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
rng = np.random.default_rng(1)
for rate, n, hop in ((16000, 512, 128), (16000, 400, 160), (22050, 2048, 512),
                     (44100, 882, 441)):
    x = rng.random(int(seconds * rate)) - 0.5
    fwd = inv = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        _, _, z = ss.stft(x, window="hann", nperseg=n, noverlap=n - hop,
                          boundary="zeros", padded=False, detrend=False)
        t1 = time.perf_counter()
        ss.istft(z, window="hann", nperseg=n, noverlap=n - hop, boundary=True)
        t2 = time.perf_counter()
        fwd, inv = min(fwd, t1 - t0), min(inv, t2 - t1)
    print(f"{rate:6d} Hz  n={n:<5d} hop={hop:<4d} {z.shape[1]:6d} frames  "
          f"scipy stft {1e3 * fwd:7.1f} ms  istft {1e3 * inv:7.1f} ms")
