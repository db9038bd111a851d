"""Reference SSIM scores for tests/reference/ssim.bats, computed here with
scikit-image (and numpy for what scikit-image lacks), printed as the same
CSV the ssim program writes: a header "frame,Y" (or "frame,R,G,B,All",
"frame,Y,U,V,All"), then one line per frame.

Inputs are raw frames as ffmpeg writes them with -f rawvideo (so that no
colour conversion happens on the way), or 8-bit BMP files.

  ssim_ref.py [options] LAYOUT W H REF DIST
    LAYOUT   gray | gray16 | rgb24 | yuv420p | bmp
    --preset wang|skimage     Wang's settings or scikit-image's defaults
    --data-range L            default: 255 (65535 for gray16)
    --channels y|all          yuv420p: Y only, or Y, U, V and All
    --downsample F            ssim.m's box filter and subsampling first
    --ms-ssim                 multi-scale SSIM after msssim.m (numpy)
"""
import argparse
import sys

import numpy as np
from scipy import ndimage
from skimage.metrics import structural_similarity


def read_frames(layout, w, h, path):
    """A list of frames; each frame a list of planes (float64 arrays)."""
    if layout == "bmp":
        with open(path, "rb") as f:
            data = f.read()
        offset = int.from_bytes(data[10:14], "little")
        bw = int.from_bytes(data[18:22], "little")
        bh = int.from_bytes(data[22:26], "little", signed=True)
        a = np.frombuffer(data, np.uint8, bw * abs(bh), offset)
        a = a.reshape(abs(bh), bw)
        if bh > 0:  # bottom-up rows
            a = a[::-1]
        return [[a.astype(np.float64)]]
    if layout == "gray":
        sizes, dtype = [(h, w)], np.uint8
    elif layout == "gray16":
        sizes, dtype = [(h, w)], np.dtype("<u2")
    elif layout == "rgb24":
        sizes, dtype = [(h, w, 3)], np.uint8
    elif layout == "yuv420p":
        ch, cw = (h + 1) // 2, (w + 1) // 2
        sizes, dtype = [(h, w), (ch, cw), (ch, cw)], np.uint8
    else:
        sys.exit("unknown layout " + layout)
    raw = np.fromfile(path, dtype)
    per = sum(int(np.prod(s)) for s in sizes)
    frames = []
    for i in range(len(raw) // per):
        block, planes, at = raw[i * per:(i + 1) * per], [], 0
        for s in sizes:
            n = int(np.prod(s))
            planes.append(block[at:at + n].reshape(s).astype(np.float64))
            at += n
        if layout == "rgb24":
            planes = [planes[0][:, :, c] for c in range(3)]
        frames.append(planes)
    return frames


def downsample(a, f):
    """ssim.m: imfilter(ones(f)/f^2, 'symmetric', 'same'), then a(1:f:end)."""
    if f == 1:
        return a
    lo = (f - 1) // 2
    p = np.pad(a, ((lo, f), (lo, f)), mode="symmetric")
    out = np.zeros_like(a)
    for i in range(f):
        for j in range(f):
            out += p[i:i + a.shape[0], j:j + a.shape[1]]
    return (out / (f * f))[::f, ::f]


def gaussian_window(n=11, sigma=1.5):
    x = np.arange(n) - n // 2
    g = np.exp(-x * x / (2 * sigma * sigma))
    w = np.outer(g, g)
    return w / w.sum()


def ssim_cs_valid(x, y, L, k1=0.01, k2=0.03):
    """Mean SSIM and mean contrast-structure over the valid windows, as
    ssim_index.m computes them (filter2 'valid' with the 2-D window)."""
    w = gaussian_window()
    r = w.shape[0] // 2

    def filt(a):
        return ndimage.correlate(a, w, mode="constant")[r:-r, r:-r]
    c1, c2 = (k1 * L) ** 2, (k2 * L) ** 2
    mx, my = filt(x), filt(y)
    vx, vy, vxy = filt(x * x) - mx * mx, filt(y * y) - my * my, \
        filt(x * y) - mx * my
    cs = (2 * vxy + c2) / (vx + vy + c2)
    s = (2 * mx * my + c1) / (mx * mx + my * my + c1) * cs
    return s.mean(), cs.mean()


def ms_ssim(x, y, L):
    weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    score = 1.0
    for k, wk in enumerate(weights):
        s, cs = ssim_cs_valid(x, y, L)
        if k < len(weights) - 1:
            score *= max(cs, 0) ** wk
            x, y = downsample(x, 2), downsample(y, 2)
        else:
            score *= max(s, 0) ** wk
    return score


def score(x, y, args, L):
    x, y = downsample(x, args.downsample), downsample(y, args.downsample)
    if args.ms_ssim:
        return ms_ssim(x, y, L)
    if args.preset == "wang":
        return structural_similarity(x, y, data_range=L, gaussian_weights=True,
                                     sigma=1.5, use_sample_covariance=False)
    return structural_similarity(x, y, data_range=L)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("layout")
    ap.add_argument("w", type=int)
    ap.add_argument("h", type=int)
    ap.add_argument("ref")
    ap.add_argument("dist")
    ap.add_argument("--preset", default="wang")
    ap.add_argument("--data-range", type=float)
    ap.add_argument("--channels", default="y")
    ap.add_argument("--downsample", type=int, default=1)
    ap.add_argument("--ms-ssim", action="store_true")
    args = ap.parse_args()
    L = args.data_range or (65535.0 if args.layout == "gray16" else 255.0)
    a = read_frames(args.layout, args.w, args.h, args.ref)
    b = read_frames(args.layout, args.w, args.h, args.dist)
    names = {"rgb24": "RGB", "yuv420p": "YUV"}.get(args.layout, "Y")
    if args.channels == "y":
        names = "Y"
    print("frame," + ",".join(names) + (",All" if len(names) > 1 else ""))
    if args.layout == "rgb24" and args.channels == "y":
        # BT.601 luma, unrounded, as ssim scores RGB input by default
        def luma(p):
            return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
        a = [[luma(f)] for f in a]
        b = [[luma(f)] for f in b]
    for i, (fa, fb) in enumerate(zip(a, b)):
        vals = [score(fa[c], fb[c], args, L) for c in range(len(names))]
        if len(names) > 1:
            n = [p.size for p in fa[:len(names)]]
            vals.append(sum(v * k for v, k in zip(vals, n)) / sum(n))
        print(",".join([str(i + 1)] + ["%.17g" % v for v in vals]))


if __name__ == "__main__":
    main()
