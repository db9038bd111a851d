#!/usr/bin/python3
"""audio_eval.py WORKDIR [--quick]: bench/audio's data, runs and tables.

Denoising, white noise at 0, 5 and 10 dB SNR, on recordings the project
did not make:
  speech  trained on espeak-ng speech (synthetic, 16 kHz: ten sentences
          in four voices), tested on two other sentences in a fifth voice
          (the same synthesiser) and on the eight spoken channel names of
          alsa-utils (/usr/share/sounds/alsa: a human voice, 48 kHz
          brought to 16)
  ecg     scipy's electrocardiogram (MIT-BIH record, 360 Hz): trained on
          its first four minutes, tested on the fifth
Each test file against: the KVAE (kvae-train --noise-snr 0,5,10, then
vae-encode | kf-smooth | vae-decode --phase-from the noisy file), the
same VAE without the smoother, me-kalman --smooth (noise level
estimated), a spectral Wiener filter (numpy, the noise's power per bin
from the quietest tenth of the frames) and sox's noisered (its noise
profile from one second of the same noise, as from room tone; amount
0.21, sox's example). Scores: SNR and SI-SDR against the clean file, and
the real-time factor (seconds of work per second of sound) of each stage.

Gap filling (packet-loss concealment) on the speech test files: 20 ms
packets lost at random (5% and 20%), the lost samples zero; against
zeros and repeating the last packet received, the KVAE of clean speech:
the STFT frames that reach a lost sample marked missing (kvae-cat
--drop), kf-smooth,
vae-decode --gaps --phase-from the lossy file, and its samples put in
the lost packets only. Scores: SNR over the whole file and over the lost
samples.

Prints Markdown tables. Programs from PATH; sox and alsa-utils needed.
"""
import glob
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import scipy.io.wavfile as wavfile
import scipy.signal as ss

SNRS = (0, 5, 10)
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "A journey of a thousand miles begins with a single step.",
    "She sells sea shells by the sea shore.",
    "Please call the front desk when you are ready to leave.",
    "The weather will be cloudy with a chance of rain tomorrow.",
    "Turn left at the second corner and walk for five minutes.",
    "Every morning the baker opens the shop at six.",
    "Numbers like seven, eleven and forty two are easy to hear.",
    "Listen to the sound of the left and right speakers.",
    "Our train leaves from platform nine at half past four.",
    "The meeting has been moved to Thursday afternoon.",
    "Bright colours make the small room look larger.",
]
VOICES = ["en", "en-us", "en+f3", "en-us+m3", "en+f2"]


def read(path):
    with warnings.catch_warnings():  # libsndfile's PEAK chunk
        warnings.simplefilter("ignore", wavfile.WavFileWarning)
        rate, x = wavfile.read(path)
    if x.dtype == np.int16:
        x = x / 32768.0
    x = np.asarray(x, dtype=np.float64)
    return rate, x.mean(axis=1) if x.ndim == 2 else x


def write(path, rate, x):
    wavfile.write(path, rate, np.asarray(x, dtype=np.float32))


def run(cmd, stdout=None):
    """Run cmd; its wall seconds."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=stdout)
    return time.perf_counter() - t0


# ---- data ------------------------------------------------------------------

def speak(work, voice, sentence, out):
    raw = f"{work}/raw.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", raw, sentence], check=True)
    rate, x = read(raw)
    x = ss.resample_poly(x, 16000, rate)
    write(out, 16000, 0.5 * x / np.abs(x).max())


def make_speech(work, quick):
    for d in ("speech-train", "espeak-test", "speech-test"):
        os.makedirs(f"{work}/{d}", exist_ok=True)
    k = 0
    for v in VOICES[:2] if quick else VOICES[:4]:
        for s in SENTENCES[: 4 if quick else 10]:
            speak(work, v, s, f"{work}/speech-train/s{k:02d}.wav")
            k += 1
    for i, s in enumerate(SENTENCES[10:]):
        speak(work, VOICES[4], s, f"{work}/espeak-test/t{i}.wav")
    for path in sorted(glob.glob("/usr/share/sounds/alsa/*.wav")):
        name = os.path.basename(path)[:-4]
        if name == "Noise":
            continue
        rate, x = read(path)
        write(f"{work}/speech-test/{name}.wav", 16000, ss.resample_poly(x, 16000, rate))


def make_ecg(work):
    import scipy.misc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        x = scipy.misc.electrocardiogram()
    x = (x - x.mean()) / (4 * x.std())
    os.makedirs(f"{work}/ecg-train", exist_ok=True)
    os.makedirs(f"{work}/ecg-test", exist_ok=True)
    cut = 4 * 60 * 360
    for i in range(4):   # four minutes as four files
        write(f"{work}/ecg-train/m{i}.wav", 360, x[i * cut // 4:(i + 1) * cut // 4])
    write(f"{work}/ecg-test/minute5.wav", 360, x[cut:])


def add_noise(x, snr, rng):
    sd = np.sqrt(np.mean(x ** 2) / 10 ** (snr / 10))
    return x + sd * rng.standard_normal(len(x)), sd


# ---- scores and the Wiener filter --------------------------------------------

def snr_db(clean, y):
    n = min(len(clean), len(y))
    e = np.sum((clean[:n] - y[:n]) ** 2) + np.sum(clean[n:] ** 2)
    return 10 * np.log10(np.sum(clean ** 2) / e)


def si_sdr(clean, y):
    n = min(len(clean), len(y))
    c, y = clean[:n] - clean[:n].mean(), y[:n] - y[:n].mean()
    target = (y @ c) / (c @ c) * c
    return 10 * np.log10(np.sum(target ** 2) / np.sum((y - target) ** 2))


def lsd_db(clean, y, frames_mask, window, hop):
    """Log-spectral distance (dB) over the STFT frames flagged: per frame
    the RMS over bins of 10 log10 of the power ratio (powers floored at
    1e-8), averaged over the frames."""
    def power(v):
        _, _, X = ss.stft(v, window="hann", nperseg=window, noverlap=window - hop)
        return np.maximum(np.abs(X) ** 2, 1e-8)
    d = 10 * np.log10(power(clean) / power(y))
    per_frame = np.sqrt(np.mean(d ** 2, axis=0))
    return per_frame[frames_mask[: len(per_frame)]].mean()


def touched_frames(lost, window, hop, n=None):
    """The STFT frames that reach a lost sample: frame t centred on sample
    t hop, as ours and scipy's (boundary padding) both frame; n frames
    (default scipy's count, one more than ours)."""
    n = 1 + len(lost) // hop + 1 if n is None else n
    return np.array([lost[max(0, t * hop - window // 2):t * hop + window // 2].any()
                     for t in range(n)])


def wiener(x, window, hop):
    """A spectral Wiener gain, the noise's power per bin the mean over the
    quietest tenth of the frames, the gain floored at 0.1."""
    _, _, X = ss.stft(x, window="hann", nperseg=window, noverlap=window - hop)
    p = np.abs(X) ** 2
    quiet = np.argsort(p.sum(axis=0))[: max(1, p.shape[1] // 10)]
    noise = p[:, quiet].mean(axis=1, keepdims=True)
    g = np.maximum(1 - noise / np.maximum(p, 1e-20), 0.1)
    _, y = ss.istft(g * X, window="hann", nperseg=window, noverlap=window - hop)
    return y[: len(x)]


# ---- denoising ----------------------------------------------------------------

def train(work, name, files, stft, extra, quick):
    model = f"{work}/{name}.kvae"
    epochs = "8" if quick else "40"
    t = run(["kvae-train", "-q", "--latent-dim", "8", "--state-dim", "16",
             "--hidden", "128,64", "--length", "20", "--batch-size", "8",
             "-e", epochs, "--vae-epochs", "5", "--threads", "1", *stft,
             *extra, "-o", model, *files])
    return model, t


def denoise_file(work, model, noisy, noise_only, rate, stft_window, hop, times):
    """Every method's output for one noisy file: name -> signal."""
    out, z, s = f"{work}/out.wav", f"{work}/z.csv", f"{work}/s.csv"
    res = {}
    times["vae-encode"] += run(["vae-encode", "-m", model, "-o", z, noisy])
    times["kf-smooth"] += run(["kf-smooth", "-m", model, "-o", s, z])
    times["vae-decode"] += run(["vae-decode", "-m", model, "--phase-from", noisy, "-o", out, s])
    res["KVAE (smoothed)"] = read(out)[1]
    run(["vae-decode", "-m", model, "--phase-from", noisy, "-o", out, z])
    res["VAE alone"] = read(out)[1]
    times["me-kalman --smooth"] += run(["me-kalman", "--smooth", "--order", "16", "-o", out, noisy])
    res["me-kalman --smooth"] = read(out)[1]
    t0 = time.perf_counter()
    res["spectral Wiener"] = wiener(read(noisy)[1], stft_window, hop)
    times["spectral Wiener"] += time.perf_counter() - t0
    prof = f"{work}/noise.prof"
    t = run(["sox", noise_only, "-n", "noiseprof", prof])
    t += run(["sox", noisy, out, "noisered", prof, "0.21"])
    times["sox noisered"] += t
    res["sox noisered"] = read(out)[1]
    return res


def denoise_table(work, label, model, tests, stft_window, hop, rng):
    methods = ["input", "KVAE (smoothed)", "VAE alone", "me-kalman --smooth",
               "spectral Wiener", "sox noisered"]
    scores = {(m, snr): [] for m in methods for snr in SNRS}
    times = {k: 0.0 for k in ["vae-encode", "kf-smooth", "vae-decode",
                              "me-kalman --smooth", "spectral Wiener", "sox noisered"]}
    seconds = 0.0
    for path in tests:
        rate, clean = read(path)
        for snr in SNRS:
            noisy, sd = add_noise(clean, snr, rng)
            npath, qpath = f"{work}/noisy.wav", f"{work}/noise-only.wav"
            write(npath, rate, noisy)
            write(qpath, rate, sd * rng.standard_normal(rate))
            res = denoise_file(work, model, npath, qpath, rate, stft_window, hop, times)
            res["input"] = noisy
            seconds += len(clean) / rate
            for m in methods:
                scores[(m, snr)].append((snr_db(clean, res[m]), si_sdr(clean, res[m])))
    print(f"\n{label}: mean SNR / SI-SDR in dB over {len(tests)} file(s)\n")
    print("| method | " + " | ".join(f"{s} dB in" for s in SNRS) + " |")
    print("|---|" + "---|" * len(SNRS))
    for m in methods:
        cells = []
        for snr in SNRS:
            a = np.array(scores[(m, snr)])
            cells.append(f"{a[:, 0].mean():.1f} / {a[:, 1].mean():.1f}")
        print(f"| {m} | " + " | ".join(cells) + " |")
    print(f"\nreal-time factor (seconds of work per second of sound, {seconds:.1f} s "
          "processed, one thread each):\n")
    print("| stage | real-time factor |")
    print("|---|---|")
    for k, t in times.items():
        print(f"| {k} | {t / seconds:.4f} |")
    return scores


# ---- gap filling ----------------------------------------------------------------

def lose_packets(x, rate, loss, rng):
    """20 ms packets lost with probability loss: the lossy signal (zeros)
    and the mask of lost samples."""
    size = rate // 50
    lost = np.zeros(len(x), dtype=bool)
    for p in range(0, len(x), size):
        if rng.random() < loss:
            lost[p:p + size] = True
    return np.where(lost, 0.0, x), lost


def repeat_last(x, lost, rate):
    size, y = rate // 50, x.copy()
    for p in range(0, len(x), size):
        if lost[p] and p >= size:
            y[p:p + size] = y[p - size:p][: len(y[p:p + size])]
    return y


def drop_list(lost, frames, window, hop):
    """kvae-cat --drop's list of the frames that reach a lost sample, as
    runs A:B."""
    hit = touched_frames(lost, window, hop, frames)
    runs, t = [], 0
    while t < frames:
        if hit[t]:
            u = t
            while u < frames and hit[u]:
                u += 1
            runs.append(f"{t}:{u}")
            t = u
        t += 1
    return ",".join(runs)


def kvae_fill(work, model, lossy, lost, rate, window, hop):
    lpath, z, g, s, out = (f"{work}/{n}" for n in
                           ("lossy.wav", "z.csv", "gappy.csv", "s.csv", "filled.wav"))
    write(lpath, rate, lossy)
    run(["vae-encode", "-m", model, "-o", z, lpath])
    frames = 1 + len(lossy) // hop
    run(["kvae-cat", "--drop", drop_list(lost, frames, window, hop), "-o", g, z])
    run(["kf-smooth", "-m", model, "-o", s, g])
    run(["vae-decode", "-m", model, "--phase-from", lpath, "--gaps", g, "-o", out, s])
    y = read(out)[1]
    return np.where(lost, y, lossy)


def gap_table(work, model, tests, window, hop, rng):
    print("\nGap filling, speech: 20 ms packets lost at random; SNR in dB over the "
          "whole file / over the lost samples / log-spectral distance (dB, lower is "
          "better) over the STFT frames that reach a lost sample\n")
    print("| method | 5% lost | 20% lost |")
    print("|---|---|---|")
    rows = {m: [] for m in ("zeros", "repeat the last packet", "KVAE (smoothed, --gaps)")}
    for loss in (0.05, 0.2):
        acc = {m: [] for m in rows}
        for path in tests:
            rate, clean = read(path)
            lossy, lost = lose_packets(clean, rate, loss, rng)
            if not lost.any():
                continue
            outs = {"zeros": lossy, "repeat the last packet": repeat_last(lossy, lost, rate),
                    "KVAE (smoothed, --gaps)": kvae_fill(work, model, lossy, lost, rate,
                                                         window, hop)}
            touched = touched_frames(lost, window, hop)
            for m, y in outs.items():
                acc[m].append((snr_db(clean, y), snr_db(clean[lost], y[lost]),
                               lsd_db(clean, y, touched, window, hop)))
        for m in rows:
            a = np.array(acc[m])
            rows[m].append(f"{a[:, 0].mean():.1f} / {a[:, 1].mean():.1f} / "
                           f"{a[:, 2].mean():.1f}")
    for m, cells in rows.items():
        print(f"| {m} | " + " | ".join(cells) + " |")


def main():
    work = sys.argv[1]
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(2026)
    make_speech(work, quick)
    make_ecg(work)
    speech_train = sorted(glob.glob(f"{work}/speech-train/*.wav"))
    speech_test = sorted(glob.glob(f"{work}/speech-test/*.wav"))
    espeak_test = sorted(glob.glob(f"{work}/espeak-test/*.wav"))
    ecg_train = sorted(glob.glob(f"{work}/ecg-train/*.wav"))
    ecg_test = sorted(glob.glob(f"{work}/ecg-test/*.wav"))
    sp = ["--window", "400", "--hop", "160"]
    floor = ["--floor", "0.1"]
    ecg = ["--window", "64", "--hop", "16"]
    dn = ["--noise-snr", "0,5,10"]
    m_speech, t1 = train(work, "speech-denoise", speech_train, sp, dn + floor, quick)
    m_ecg, t2 = train(work, "ecg-denoise", ecg_train, ecg, dn, quick)
    m_clean, t3 = train(work, "speech-clean", speech_train, sp, [], quick)
    sec = sum(len(read(p)[1]) / 16000 for p in speech_train)
    print(f"Training: {len(speech_train)} espeak-ng recordings ({sec:.0f} s, voices "
          f"{', '.join(VOICES[:2] if quick else VOICES[:4])}), {t1:.0f} s with noise at 0, 5, "
          f"10 dB (--floor 0.1) and {t3:.0f} s clean; ECG minutes 1-4, {t2:.0f} s; "
          "one thread each")
    denoise_table(work, f"Speech, espeak-ng: two sentences and a voice ({VOICES[4]}) "
                  "not trained on", m_speech, espeak_test, 400, 160, rng)
    denoise_table(work, "Speech, alsa-utils' eight recordings (a human voice)", m_speech,
                  speech_test, 400, 160, rng)
    denoise_table(work, "ECG (scipy's electrocardiogram, minute 5)", m_ecg, ecg_test, 64, 16, rng)
    gap_table(work, m_clean, speech_test, 400, 160, rng)


if __name__ == "__main__":
    main()
