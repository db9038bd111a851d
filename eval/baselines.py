#!/usr/bin/python3
"""eval/baselines.py: make eval's pixel baselines for one sequence, for
every k at once, as grey Y4M (one file per method, the k's one after
another, 10 fps).

Usage: baselines.py TRUTH.mkv OUTDIR K...

Writes to OUTDIR:
  truth.y4m    the true frames, repeated once per K (what the others are
               scored against by one ssim call)
  kept.y4m     frames 0, K, 2K, ... kept, the others black
  hold.y4m     each missing frame replaced by the last kept one
  linear.y4m   missing frames linearly interpolated in pixel space between
               the kept frames around them (held after the last kept one)
  extrap-hold.y4m  the last 10 frames replaced by the one before
  extrap-linear.y4m  the last 10 frames continued along the line through
               the two before them (y[n-11] + j (y[n-11] - y[n-12])),
               clipped to 0-255
  x-truth.y4m  the true frames once (for extrap-hold)
Arithmetic in float, rounded to 8 bits once. The rules are
tests/tools/frame_baselines.py's (make demo's), imported from there; all
k in one process.
"""
import os
import sys

import numpy as np

# make demo's baselines, the same rules (read_grey, gap_baselines)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "tools"))
from frame_baselines import gap_baselines, read_grey  # noqa: E402


def write_y4m(path, frames):
    n, h, w = frames.shape
    data = np.clip(np.rint(frames), 0, 255).astype(np.uint8)
    with open(path, "wb") as f:
        f.write(b"YUV4MPEG2 W%d H%d F10:1 Ip A1:1 Cmono\n" % (w, h))
        for fr in data:
            f.write(b"FRAME\n")
            f.write(fr.tobytes())


def main():
    truth_path, outdir = sys.argv[1:3]
    ks = [int(k) for k in sys.argv[3:]]
    y = read_grey(truth_path)
    n = len(y)
    truth, kept_all, hold_all, linear_all = [], [], [], []
    for k in ks:
        observed, hold, linear = gap_baselines(y, k)
        truth.append(y)
        kept_all.append(observed)
        hold_all.append(hold)
        linear_all.append(linear)
    extrap = y.copy()
    extrap[n - 10:] = y[n - 11]
    step = y[n - 11] - y[n - 12]
    extrap_linear = y.copy()
    for j in range(1, 11):
        extrap_linear[n - 11 + j] = y[n - 11] + j * step
    write_y4m(f"{outdir}/truth.y4m", np.concatenate(truth))
    write_y4m(f"{outdir}/kept.y4m", np.concatenate(kept_all))
    write_y4m(f"{outdir}/hold.y4m", np.concatenate(hold_all))
    write_y4m(f"{outdir}/linear.y4m", np.concatenate(linear_all))
    write_y4m(f"{outdir}/extrap-hold.y4m", extrap)
    write_y4m(f"{outdir}/extrap-linear.y4m", extrap_linear)
    write_y4m(f"{outdir}/x-truth.y4m", y)


if __name__ == "__main__":
    main()
