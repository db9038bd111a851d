#!/usr/bin/env python3
"""scale_model.py [--weak-only] MODEL SECONDS_PER_SEQUENCE: the cost of one
data-parallel training step of MODEL (a kvae-model(5) file, e.g. the
paper's network built by kvae-train --epochs 0) at P = 8 .. 256 ranks
over 10 and 25 Gbit/s Ethernet, from

  compute  b * SECONDS_PER_SEQUENCE (b sequences a rank, measured here)
  gradient ring all-reduce of G = 4 * trainable floats bytes:
           2 (P - 1) / P * G / bandwidth + 2 (P - 1) * latency
  batch norm: 3 small all-reduces per batch-norm layer and step
           (forward mean, forward variance, backward sums), each
           recursive doubling: 2 ceil(log2 P) * latency

Weak scaling (b sequences per rank, the global batch grows with P) and
strong scaling (a global batch of 16 sequences, the issue's). Prints
Markdown tables."""
import json
import math
import struct
import sys

LATENCY = 20e-6          # one message between nodes over TCP/Ethernet, s
LINKS = {"10 Gbit/s": 10e9 / 8, "25 Gbit/s": 25e9 / 8}
RANKS = [8, 16, 32, 64, 128, 256]


def trainable_floats(path):
    """Floats the optimiser updates: every tensor but batch norm's
    running statistics and counters and the LGSSM's full covariance
    buffers (kvae.h)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    total, bn = 0, 0
    for name, t in header.items():
        if name == "__metadata__":
            continue
        leaf = name.split(".")[-1]
        if leaf in ("running_mean", "running_var", "num_batches_tracked"):
            continue
        if name in ("lgssm.Q", "lgssm.R", "lgssm.P0"):
            continue
        if ".bn" in name and leaf == "weight":
            bn += 1
        total += math.prod(t["shape"])
    return total, bn


def step(P, b, t_seq, G, bn_layers, bw):
    compute = b * t_seq
    ring = 2 * (P - 1) / P * G / bw + 2 * (P - 1) * LATENCY
    norm = 3 * bn_layers * 2 * math.ceil(math.log2(P)) * LATENCY
    return compute, ring, norm


def main():
    args = sys.argv[1:]
    weak_only = "--weak-only" in args
    if weak_only:
        args.remove("--weak-only")
    model, t_seq = args[0], float(args[1])
    floats, bn_layers = trainable_floats(model)
    G = 4 * floats
    print("%s: %d trainable floats, %.1f MB of gradient a step, %d batch-norm "
          "layers; %.3f s of compute per sequence a rank; latency %.0f us a "
          "message\n" % (model, floats, G / 1e6, bn_layers, t_seq,
                         LATENCY * 1e6))
    for b in (1,) if weak_only else (1, 4):
        print("Weak scaling, %d sequence%s a rank:\n" % (b, "s" if b > 1 else ""))
        print("| ranks | link | compute s | all-reduce s | batch norm s | "
              "comm share | sequences/s | speed-up over 1 rank |")
        print("|---|---|---|---|---|---|---|---|")
        for link, bw in LINKS.items():
            for P in RANKS:
                c, r, n = step(P, b, t_seq, G, bn_layers, bw)
                total = c + r + n
                print("| %d | %s | %.3f | %.4f | %.4f | %.1f%% | %.1f | %.0f |" %
                      (P, link, c, r, n, 100 * (r + n) / total, P * b / total,
                       P * b / total / (1 / t_seq)))
        print()
    if weak_only:
        return 0
    B = 16
    print("Strong scaling, a global batch of %d sequences (a rank past the "
          "16th has nothing to do):\n" % B)
    print("| ranks | link | step s | speed-up over 1 rank |")
    print("|---|---|---|---|")
    for link, bw in LINKS.items():
        for P in [1, 2, 4, 8, 16, 32]:
            b = math.ceil(B / P)
            c, r, n = step(P, b, t_seq, G, bn_layers, bw) if P > 1 else \
                (B * t_seq, 0, 0)
            print("| %d | %s | %.3f | %.1f |" % (P, link, c + r + n,
                                                 B * t_seq / (c + r + n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
