"""Helpers for tests/me-kalman.bats: generate signals and images, and
measure results with numpy/scipy/statsmodels (run with $PYTHON)."""
import sys

import numpy as np


def write_pnm(path, a, maxval):
    a = np.asarray(a)
    magic = b"P5" if a.ndim == 2 else b"P6"
    with open(path, "wb") as f:
        f.write(b"%s\n%d %d\n%d\n" % (magic, a.shape[1], a.shape[0], maxval))
        f.write(a.astype(">u2" if maxval > 255 else "u1").tobytes())


def read_pnm(path):
    b = open(path, "rb").read()
    fields, pos = [], 2
    while len(fields) < 3:
        while b[pos:pos + 1].isspace():
            pos += 1
        if b[pos:pos + 1] == b"#":
            pos = b.index(b"\n", pos)
            continue
        start = pos
        while b[pos:pos + 1].isdigit():
            pos += 1
        fields.append(int(b[start:pos]))
    w, h, maxval = fields
    c = 1 if b[1:2] == b"5" else 3
    dt = ">u2" if maxval > 255 else "u1"
    a = np.frombuffer(b[pos + 1:], dt).astype(np.int64)
    return a.reshape((h, w) if c == 1 else (h, w, c)), maxval


def ar_signal(rng, n, a, q):
    from scipy.signal import lfilter
    return lfilter([1], np.r_[1, a], rng.normal(0, np.sqrt(q), n + 1000))[1000:]


def cmd_gen_ar(args):
    """gen-ar N NOISE_VAR SEED CLEAN NOISY: AR(3) + white noise, CSV,
    two columns (the second a scaled copy)."""
    n, r, seed = int(args[0]), float(args[1]), int(args[2])
    rng = np.random.default_rng(seed)
    s = ar_signal(rng, n, [-1.2, 0.5, -0.1], 1.0) + 5
    y = s + rng.normal(0, np.sqrt(r), n)
    np.savetxt(args[3], s, delimiter=",")
    np.savetxt(args[4], y, delimiter=",")


def cmd_mse(args):
    """mse A B [COL]: mean squared difference of two CSV columns."""
    col = int(args[2]) if len(args) > 2 else 0
    a = np.atleast_2d(np.loadtxt(args[0], delimiter=",", ndmin=2))[:, 0]
    b = np.loadtxt(args[1], delimiter=",", ndmin=2)[:, col]
    print("%.6f" % np.mean((a - b) ** 2))


def cmd_yw(args):
    """yw CSV ORDER: statsmodels' Yule-Walker (biased, demeaned) AR fit,
    printed in SPTK sign: a_1..a_p and the error variance."""
    from statsmodels.regression.linear_model import yule_walker
    x = np.loadtxt(args[0], delimiter=",", ndmin=2)[:, 0]
    rho, sigma = yule_walker(x, order=int(args[1]), method="mle", demean=True)
    print(" ".join("%.10g" % v for v in -rho), "%.10g" % sigma ** 2)


def cmd_gen_wav(args):
    """gen-wav PATH CLEAN_PATH CHANNELS SEED: 16-bit WAV, 1 s at 16 kHz,
    AR(2) resonances + noise; the clean signal is also written."""
    from scipy.io import wavfile
    ch, seed = int(args[2]), int(args[3])
    rng = np.random.default_rng(seed)
    n = 16000
    clean = np.stack([ar_signal(rng, n, [-1.6, 0.81 + 0.05 * c], 1.0)
                      for c in range(ch)], 1)
    clean *= 0.2 / np.abs(clean).max()
    noisy = clean + rng.normal(0, 0.02, clean.shape)
    q = lambda x: np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    wavfile.write(args[0], n, q(noisy).squeeze())
    wavfile.write(args[1], n, q(clean).squeeze())


def cmd_snr(args):
    """snr CLEAN.wav OTHER.wav: SNR in dB of OTHER against CLEAN."""
    from scipy.io import wavfile
    _, c = wavfile.read(args[0])
    _, o = wavfile.read(args[1])
    c, o = c.astype(float), o.astype(float)
    print("%.3f" % (10 * np.log10(np.sum(c ** 2) / np.sum((o - c) ** 2))))


def cmd_gen_image(args):
    """gen-image PATH W H CHANNELS MAXVAL NOISE_SD SEED [CLEAN]: a smooth
    scene (gradient, disc, texture) plus Gaussian noise."""
    w, h, c, maxval = map(int, args[1:5])
    sd, seed = float(args[5]), int(args[6])
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = 0.25 + 0.4 * x / w + 0.1 * np.sin(y / 5.0)
    base = base + 0.2 * ((x - w / 2) ** 2 + (y - h / 3) ** 2 < (w / 4) ** 2)
    img = np.stack([base * (0.8 + 0.1 * k) for k in range(c)], -1) * maxval
    clean = np.clip(np.round(img), 0, maxval)
    noisy = np.clip(np.round(img + rng.normal(0, sd, img.shape)), 0, maxval)
    sq = (lambda a: a[..., 0]) if c == 1 else (lambda a: a)
    write_pnm(args[0], sq(noisy), maxval)
    if len(args) > 7:
        write_pnm(args[7], sq(clean), maxval)


def cmd_camera(args):
    """camera PATH: scikit-image's camera image as PGM."""
    import skimage.data
    write_pnm(args[0], skimage.data.camera(), 255)


def cmd_moon(args):
    """moon PATH: scikit-image's moon image as PGM (each pixel of a
    256x256 original copied into a 2x2 block, levels stretched)."""
    import skimage.data
    write_pnm(args[0], skimage.data.moon(), 255)


def cmd_blocky(args):
    """blocky PATH W H CHANNELS MAXVAL SEED: gen-image's noisy scene at
    half size, each pixel copied into a 2x2 block and its levels stretched
    by 1.4 (a histogram with gaps), as scikit-image's moon was made."""
    w, h, c, maxval, seed = map(int, args[1:6])
    half = args[0] + ".half.pnm"
    cmd_gen_image([half, str(w // 2), str(h // 2), str(c),
                   str(int(maxval / 1.4)), "3", str(seed)])
    a, _ = read_pnm(half)
    a = np.repeat(np.repeat(a, 2, 0), 2, 1)
    write_pnm(args[0], np.round(a * 1.4).clip(0, maxval), maxval)


def cmd_levels(args):
    """levels PATH: how many grey levels the image uses, and its maxval."""
    a, m = read_pnm(args[0])
    print(len(np.unique(a)), m)


def cmd_psnr(args):
    a, m = read_pnm(args[0])
    b, _ = read_pnm(args[1])
    print("%.3f" % (10 * np.log10(m ** 2 / np.mean((a - b) ** 2.0))))


def cmd_maxdiff(args):
    a, _ = read_pnm(args[0])
    b, _ = read_pnm(args[1])
    print(int(np.abs(a - b).max()))


def cmd_flip(args):
    """flip PATH OFFSET: flip one bit of the byte at OFFSET (negative:
    from the end)."""
    b = bytearray(open(args[0], "rb").read())
    b[int(args[1])] ^= 0x10
    open(args[0], "wb").write(b)


def cmd_patch(args):
    """patch PATH OFFSET BYTE: set the byte at OFFSET of a .mek file and
    recompute its CRC-32 (zlib's, the file's last 4 bytes), so that only
    the decoder's own checks stand between it and the damage."""
    import zlib
    b = bytearray(open(args[0], "rb").read())
    b[int(args[1])] = int(args[2], 0)
    b[-4:] = zlib.crc32(bytes(b[:-4])).to_bytes(4, "little")
    open(args[0], "wb").write(b)


def cmd_mek_layout(args):
    """mek-layout PATH: the first channel's class mask of a version 2
    .mek file and the offset of its first own class predictor (or -1)."""
    b = open(args[0], "rb").read()
    assert b[8] == 2
    order = b[22]
    mask = int.from_bytes(b[24:28], "little")
    print(mask, 28 + 8 + 4 * order if mask else -1)


def cmd_real(args):
    """real NAME N OUT: a real signal as one CSV column: ecg (scipy's
    electrocardiogram, its first N samples, in mV) or nile (statsmodels'
    Nile volumes, all 100; N ignored)."""
    if args[0] == "ecg":
        try:
            from scipy.datasets import electrocardiogram
            x = electrocardiogram()
        except Exception:  # Debian's scipy 1.10: scipy.misc, no pooch
            import warnings
            warnings.simplefilter("ignore")
            from scipy.misc import electrocardiogram
            x = electrocardiogram()
        x = x[:int(args[1])]
    else:
        import statsmodels.api as sm
        x = sm.datasets.nile.load_pandas().data["volume"].values
    np.savetxt(args[2], x, fmt="%.6f")


def cmd_gap_rms(args):
    """gap-rms CLEAN GAPS WHAT...: for each WHAT (an output file, interp
    or mean) the RMS error on the gaps (NaN in GAPS) of that output, of
    linear interpolation (numpy.interp) between the samples present, or
    of their mean; one number a line."""
    c = np.loadtxt(args[0])
    y = np.genfromtxt(args[1], delimiter=",")
    g = np.isnan(y)
    t = np.arange(len(y))
    for what in args[2:]:
        if what == "interp":
            o = np.interp(t, t[~g], y[~g])
        elif what == "mean":
            o = np.full(len(y), np.mean(y[~g]))
        else:
            o = np.loadtxt(what, delimiter=",")
            assert len(o) == len(y), "lengths differ"
        print("%.6g" % np.sqrt(np.mean((o[g] - c[g]) ** 2)))


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1].replace("-", "_")](sys.argv[2:])
