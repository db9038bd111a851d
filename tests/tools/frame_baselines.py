#!/usr/bin/python3
"""The baselines a user would reach for before a KVAE, on grey video.

Usage: frame_baselines.py TRUTH.mkv KEEP_EVERY EXTRAP_N OUTDIR

Reads TRUTH (any video ffmpeg reads, as 8-bit grey) and writes, as FFV1
.mkv files in OUTDIR:
  observed.mkv      frames 0, K, 2K, ... kept, the others black
  hold.mkv          each missing frame replaced by the last kept one
  linear.mkv        missing frames linearly interpolated between the kept
                    frames around them (held after the last kept frame)
  extrap-hold.mkv   the last EXTRAP_N frames replaced by the one before
All arithmetic is in float, rounded to 8 bits once at the end.
"""
import subprocess
import sys

import numpy as np


def probe_size(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height", "-of", "csv=p=0", path],
        check=True, capture_output=True, text=True).stdout
    w, h = out.strip().split(",")[:2]
    return int(w), int(h)


def read_grey(path):
    w, h = probe_size(path)
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo",
         "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w).astype(np.float64)


def write_grey(path, frames):
    n, h, w = frames.shape
    data = np.clip(np.rint(frames), 0, 255).astype(np.uint8).tobytes()
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo",
         "-pix_fmt", "gray", "-s", f"{w}x{h}", "-r", "10", "-i", "-",
         "-c:v", "ffv1", path], input=data, check=True)


def gap_baselines(y, keep):
    """Frames 0, keep, 2 keep, ... of y kept: (observed, hold, linear)."""
    n = len(y)
    kept = np.arange(0, n, keep)
    observed = np.zeros_like(y)
    observed[kept] = y[kept]
    hold = np.empty_like(y)
    linear = np.empty_like(y)
    for t in range(n):
        before = kept[kept <= t].max()
        after = kept[kept >= t]
        hold[t] = y[before]
        if len(after) == 0 or after.min() == before:
            linear[t] = y[before]
        else:
            a = after.min()
            w = (t - before) / (a - before)
            linear[t] = (1 - w) * y[before] + w * y[a]
    return observed, hold, linear


def main():
    truth_path, keep, extrap, outdir = sys.argv[1:5]
    keep, extrap = int(keep), int(extrap)
    y = read_grey(truth_path)
    n = len(y)
    observed, hold, linear = gap_baselines(y, keep)
    extrap_hold = y.copy()
    extrap_hold[n - extrap:] = y[n - extrap - 1]
    write_grey(f"{outdir}/observed.mkv", observed)
    write_grey(f"{outdir}/hold.mkv", hold)
    write_grey(f"{outdir}/linear.mkv", linear)
    write_grey(f"{outdir}/extrap-hold.mkv", extrap_hold)


if __name__ == "__main__":
    main()
