#!/usr/bin/python3
"""vae_audio_check.py: the sound side of vae-encode/vae-decode against
numpy, for tests/vae-audio.bats. librosa's STFT conventions are
transcribed (librosa is not in Debian 12), as in
tests/reference/stft_ref.py.

  gen DIR                 sound files: train-NN.wav (16 kHz float, 1 s
                          gliding harmonic tones), noisy.wav (one of them
                          plus noise), stereo.wav (left: noisy.wav, right:
                          another tone), left.wav, right.wav, mix.wav,
                          pcm16.wav, rate8k.wav
  gen-denoise DIR         den-NN.wav (24 tones of 2 s) to train on, and
                          held out: clean-N.wav (4 others) and noisy-N.wav
                          (each plus white noise at 5 dB SNR)
  snr CLEAN WAV...        each WAV's SNR against CLEAN, in dB, a line each
  features WAV N HOP [FLOOR [WINDOW]]
                          features log(|X| + FLOOR) of the mono mix under
                          a WINDOW (scipy's name; default 1e-5, hann), CSV
  rebuild FEAT REF N HOP OUT [mask]
                          the waveform from features FEAT (CSV, data
                          units) with REF's phase (or its gain), by
                          weighted overlap-add; exit 1 unless OUT (a
                          sound file) holds it within 1e-5
  fill FEAT REF GAPPY N HOP ITERS OUT
                          the same with REF's phase, but the frames whose
                          records are missing in GAPPY (a latent stream,
                          CSV) seeded from the two frames before them and
                          filled by ITERS Griffin-Lim iterations that
                          change them alone (media/phase.h's
                          phase_fill_gaps, transcribed); exit 1 unless
                          OUT holds it within 1e-5
  meta MODEL              the model's "audio" metadata, as JSON
"""
import json
import struct
import sys
import warnings

import numpy as np
import scipy.io.wavfile as wavfile
import scipy.signal as ss

RATE = 16000
FLOOR = 1e-5


def tone(rng, seconds=1.0):
    t = np.arange(int(seconds * RATE)) / RATE
    f0, glide = rng.uniform(150, 300), rng.uniform(-60, 60)
    ph = 2 * np.pi * (f0 * t + glide * t * t / 2)
    x = sum((0.5 / k) * np.sin(k * ph) for k in range(1, 5))
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def gen(d):
    rng = np.random.default_rng(7)
    for i in range(6):
        wavfile.write(f"{d}/train-{i:02d}.wav", RATE, tone(rng))
    x = tone(rng)
    noisy = (x + 0.05 * rng.standard_normal(len(x))).astype(np.float32)
    other = tone(rng)
    wavfile.write(f"{d}/noisy.wav", RATE, noisy)
    wavfile.write(f"{d}/left.wav", RATE, noisy)
    wavfile.write(f"{d}/right.wav", RATE, other)
    wavfile.write(f"{d}/stereo.wav", RATE, np.stack([noisy, other], axis=1))
    wavfile.write(f"{d}/mix.wav", RATE, ((noisy.astype(np.float64) + other) / 2).astype(np.float32))
    wavfile.write(f"{d}/pcm16.wav", RATE, np.round(noisy * 32767).astype(np.int16))
    wavfile.write(f"{d}/rate8k.wav", 8000, noisy[::2].copy())


def gen_denoise(d):
    rng = np.random.default_rng(7)
    for i in range(24):
        wavfile.write(f"{d}/den-{i:02d}.wav", RATE, tone(rng, 2.0))
    rng = np.random.default_rng(99)
    for i in range(4):
        x = tone(rng, 2.0).astype(np.float64)
        sd = np.sqrt(np.mean(x ** 2) / 10 ** 0.5)
        noisy = x + sd * np.random.default_rng(i).standard_normal(len(x))
        wavfile.write(f"{d}/clean-{i}.wav", RATE, x.astype(np.float32))
        wavfile.write(f"{d}/noisy-{i}.wav", RATE, noisy.astype(np.float32))


def snr(clean, paths):
    c = read(clean)
    for p in paths:
        y = read(p)
        n = min(len(c), len(y))
        e = np.sum((c[:n] - y[:n]) ** 2) + np.sum(c[n:] ** 2)
        print("%.4f" % (10 * np.log10(np.sum(c ** 2) / e)))


def read(path):
    with warnings.catch_warnings():  # libsndfile's PEAK chunk
        warnings.simplefilter("ignore", wavfile.WavFileWarning)
        _, x = wavfile.read(path)
    x = x.astype(np.float64) / (32768 if x.dtype == np.int16 else 1)
    return x.mean(axis=1) if x.ndim == 2 else x


def stft(x, n, hop, window="hann"):
    w = ss.get_window(window, n, fftbins=True)
    xp = np.pad(x, n // 2)
    frames = 1 + (len(xp) - n) // hop
    return np.array([np.fft.rfft(w * xp[t * hop:t * hop + n]) for t in range(frames)])


def istft(z, n, hop, length):
    w = ss.get_window("hann", n, fftbins=True)
    y = np.zeros(n + hop * (len(z) - 1))
    wsum = np.zeros_like(y)
    for t, col in enumerate(z):
        y[t * hop:t * hop + n] += w * np.fft.irfft(col, n)
        wsum[t * hop:t * hop + n] += w * w
    nz = wsum > 0
    y[nz] /= wsum[nz]
    return y[n // 2:n // 2 + length]


def is_record(line):
    fields = line.split("#")[0].strip()
    try:
        [float(v) for v in fields.split(",") if v.strip()]
    except ValueError:
        return False  # the header of column names
    return fields != ""


def data_lines(path):
    """A kvae-seq CSV's records (nan or empty: missing), without its
    header, comments and blank lines."""
    return [ln for ln in open(path) if is_record(ln)]


def magnitudes(feat):
    return np.maximum(np.exp(np.loadtxt(data_lines(feat), delimiter=",")) - FLOOR, 0)


def with_phase(mag, r):
    a = np.abs(r)
    return mag * np.where(a > 0, r / np.where(a > 0, a, 1), 1)


def princarg(a):
    return a - 2 * np.pi * np.floor((a + np.pi) / (2 * np.pi))


def carry(b, a, mag, centre):
    """The frame after b (a the one before b) at the step from a to b."""
    step = centre if a is None else centre + princarg(np.angle(b) - np.angle(a) - centre)
    return mag * np.exp(1j * (np.angle(b) + step))


def fill_gaps(z, mag, missing, n, hop, length, iters, momentum=0.99):
    frames, bins = z.shape
    centre = 2 * np.pi * np.arange(bins) * hop / n
    first = int(np.argmin(missing))
    for t in range(first - 1, -1, -1):
        a = z[t + 2] if t + 2 < frames and not missing[t + 2] else None
        z[t] = carry(z[t + 1], a, mag[t], -centre)
    for t in range(first + 1, frames):
        if missing[t]:
            z[t] = carry(z[t - 1], z[t - 2] if t >= 2 else None, mag[t], centre)
    c, prev = momentum / (1 + momentum), None
    for k in range(iters):
        y = stft(istft(z, n, hop, length), n, hop)
        for t in np.flatnonzero(missing):
            v = y[t] - (c * prev[t] if k > 0 else 0)
            a = np.abs(v)
            z[t] = np.where(a > 0, mag[t] * v / (a + np.finfo(float).tiny), mag[t])
        prev = y
    return istft(z, n, hop, length)


def compare(out, want):
    got = read(out)
    err = np.abs(got - np.clip(want, -1, 1)).max() if len(got) == len(want) else np.inf
    print(f"{len(got)} samples, {len(want)} wanted; worst difference {err:.3g}")
    sys.exit(0 if err <= 1e-5 else 1)


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "gen-denoise":
        gen_denoise(sys.argv[2])
    elif cmd == "snr":
        snr(sys.argv[2], sys.argv[3:])
    elif cmd == "features":
        n, hop = int(sys.argv[3]), int(sys.argv[4])
        floor = float(sys.argv[5]) if len(sys.argv) > 5 else FLOOR
        window = sys.argv[6] if len(sys.argv) > 6 else "hann"
        f = np.log(np.abs(stft(read(sys.argv[2]), n, hop, window)) + floor)
        np.savetxt(sys.stdout, f, delimiter=",", fmt="%.17g")
    elif cmd == "rebuild":
        feat, ref, n, hop, out = sys.argv[2:7]
        n, hop = int(n), int(hop)
        mag = magnitudes(feat)
        x = read(ref)
        r = stft(x, n, hop)
        if len(sys.argv) > 7:
            g = mag ** 2 / np.maximum(mag ** 2, np.abs(r) ** 2)
            z = g * r
        else:
            z = with_phase(mag, r)
        compare(out, istft(z, n, hop, len(x)))
    elif cmd == "fill":
        feat, ref, gappy, n, hop, iters, out = sys.argv[2:9]
        n, hop, iters = int(n), int(hop), int(iters)
        mag = magnitudes(feat)
        x = read(ref)
        z = with_phase(mag, stft(x, n, hop))
        gaps = np.genfromtxt(data_lines(gappy), delimiter=",", ndmin=2)
        missing = np.isnan(gaps).any(axis=1)
        print(f"{missing.sum()} of {len(missing)} frames missing")
        compare(out, fill_gaps(z, mag, missing, n, hop, len(x), iters))
    elif cmd == "meta":
        b = open(sys.argv[2], "rb").read()
        head = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])
        m = json.loads(head["__metadata__"]["kvae"])
        print(json.dumps({"input_dim": m["input_dim"], **m["audio"]}, sort_keys=True))


if __name__ == "__main__":
    main()
