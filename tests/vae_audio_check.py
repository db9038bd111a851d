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
  features WAV N HOP      features log(|X| + 1e-5) of the mono mix, CSV
  rebuild FEAT REF N HOP OUT [mask]
                          the waveform from features FEAT (CSV, data
                          units) with REF's phase (or its gain), by
                          weighted overlap-add; exit 1 unless OUT (a
                          sound file) holds it within 1e-5
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


def read(path):
    with warnings.catch_warnings():  # libsndfile's PEAK chunk
        warnings.simplefilter("ignore", wavfile.WavFileWarning)
        _, x = wavfile.read(path)
    x = x.astype(np.float64) / (32768 if x.dtype == np.int16 else 1)
    return x.mean(axis=1) if x.ndim == 2 else x


def stft(x, n, hop):
    w = ss.get_window("hann", n, fftbins=True)
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


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "features":
        n, hop = int(sys.argv[3]), int(sys.argv[4])
        f = np.log(np.abs(stft(read(sys.argv[2]), n, hop)) + FLOOR)
        np.savetxt(sys.stdout, f, delimiter=",", fmt="%.17g")
    elif cmd == "rebuild":
        feat, ref, n, hop, out = sys.argv[2:7]
        n, hop = int(n), int(hop)
        lines = [ln for ln in open(feat) if ln.strip() and not ln[0].isalpha()]
        mag = np.maximum(np.exp(np.loadtxt(lines, delimiter=",")) - FLOOR, 0)
        x = read(ref)
        r = stft(x, n, hop)
        if len(sys.argv) > 7:
            g = mag ** 2 / np.maximum(mag ** 2, np.abs(r) ** 2)
            z = g * r
        else:
            z = mag * np.where(np.abs(r) > 0, r / np.where(np.abs(r) > 0, np.abs(r), 1), 1)
        want = istft(z, n, hop, len(x))
        got = read(out)
        err = np.abs(got - np.clip(want, -1, 1)).max() if len(got) == len(want) else np.inf
        print(f"{len(got)} samples, {len(want)} wanted; worst difference {err:.3g}")
        sys.exit(0 if err <= 1e-5 else 1)
    elif cmd == "meta":
        b = open(sys.argv[2], "rb").read()
        head = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])
        m = json.loads(head["__metadata__"]["kvae"])
        print(json.dumps({"input_dim": m["input_dim"], **m["audio"]}, sort_keys=True))


if __name__ == "__main__":
    main()
