#!/usr/bin/python3
"""kvae-synth: sequences of D-dimensional records that are a fixed
nonlinear function of a 2-D rotating latent state plus noise (the KVAE's
learning test and demo). Writes the noisy records (CSV, a blank line
between sequences) to stdout and, with --clean FILE, the noise-free ones.

  z_1 = r (cos a, sin a), r ~ U(0.7, 1.3), a ~ U(0, 2 pi)
  z_t = Rot(omega) z_{t-1} + N(0, q^2 I)
  y_t = tanh(W2 tanh(W1 z_t + b1) + b2) + N(0, noise^2 I)
with W1 (16, 2), b1, W2 (D, 16), b2 drawn once from --function-seed."""
import argparse
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sequences", type=int, default=64)
    ap.add_argument("--length", type=int, default=40)
    ap.add_argument("--dim", type=int, default=20)
    ap.add_argument("--period", type=float, default=16.0)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--process-noise", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--function-seed", type=int, default=1000)
    ap.add_argument("--clean", help="write the noise-free records here")
    a = ap.parse_args()
    f = np.random.default_rng(a.function_seed)
    W1 = f.normal(0, 1.5, (16, 2))
    b1 = f.normal(0, 0.5, 16)
    W2 = f.normal(0, 1.0 / np.sqrt(16), (a.dim, 16)) * 2
    b2 = f.normal(0, 0.3, a.dim)
    w = 2 * np.pi / a.period
    rot = np.array([[np.cos(w), -np.sin(w)], [np.sin(w), np.cos(w)]])
    g = np.random.default_rng(a.seed)
    clean = open(a.clean, "w") if a.clean else None
    out = sys.stdout
    for s in range(a.sequences):
        r = g.uniform(0.7, 1.3)
        ang = g.uniform(0, 2 * np.pi)
        z = np.array([r * np.cos(ang), r * np.sin(ang)])
        if s:
            out.write("\n")
            if clean:
                clean.write("\n")
        for t in range(a.length):
            if t:
                z = rot @ z + g.normal(0, a.process_noise, 2)
            y = np.tanh(W2 @ np.tanh(W1 @ z + b1) + b2)
            noisy = y + g.normal(0, a.noise, a.dim)
            out.write(",".join("%.9g" % v for v in noisy) + "\n")
            if clean:
                clean.write(",".join("%.9g" % v for v in y) + "\n")
    if clean:
        clean.close()


if __name__ == "__main__":
    main()
