#!/usr/bin/python3
"""kvae-eval: helpers for the KVAE imputation test and demo, on CSV
kvae-seq streams (blank line between sequences, optional header line).

  kvae-eval.py interp IN            fill records with every value missing
                                    by linear interpolation within each
                                    sequence (the nearest kept record at
                                    the ends); CSV to stdout
  kvae-eval.py rmse CLEAN EST GAPS  RMS error of EST against CLEAN over the
                                    records that are all-missing in GAPS"""
import sys

import numpy as np


def read(path):
    seqs, cur, header = [], [], None
    for line in open(path):
        line = line.strip()
        if line.startswith("#"):
            continue
        if not line:
            if cur:
                seqs.append(np.array(cur))
            cur = []
            continue
        f = line.split(",")
        try:
            cur.append([float(v) if v else np.nan for v in f])
        except ValueError:
            header = line
    if cur:
        seqs.append(np.array(cur))
    return seqs, header


def interp(path):
    seqs, header = read(path)
    if header:
        print(header)
    for i, s in enumerate(seqs):
        if i:
            print()
        kept = ~np.isnan(s).all(axis=1)
        t = np.arange(len(s))
        out = np.column_stack([np.interp(t, t[kept], s[kept, d])
                               for d in range(s.shape[1])])
        for r in out:
            print(",".join("%.9g" % v for v in r))


def rmse(clean, est, gaps):
    c, _ = read(clean)
    e, _ = read(est)
    g, _ = read(gaps)
    if not (len(c) == len(e) == len(g)):
        sys.exit("kvae-eval: sequence counts differ: %d %d %d"
                 % (len(c), len(e), len(g)))
    se, n = 0.0, 0
    for cs, es, gs in zip(c, e, g):
        miss = np.isnan(gs).all(axis=1)
        se += ((cs[miss] - es[miss]) ** 2).sum()
        n += cs[miss].size
    print("%.6f" % np.sqrt(se / n))


if __name__ == "__main__":
    if sys.argv[1:2] == ["interp"] and len(sys.argv) == 3:
        interp(sys.argv[2])
    elif sys.argv[1:2] == ["rmse"] and len(sys.argv) == 5:
        rmse(*sys.argv[2:])
    else:
        sys.exit(__doc__)
