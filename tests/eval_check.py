#!/usr/bin/python3
"""eval_check.py OUTDIR: the tables make eval writes are well formed.

Checks the form, never the numbers (eval --quick trains for 3 epochs):
tables.csv has a row for every dataset, task, method, k and frame set the
evaluation promises, each mean a finite SSIM in [-1, 1] over n > 0
frames; tables.md has a filled table per dataset and task; the
eigenvalues of both KVAEs are there; paired.csv compares Smooth with
every other row at every k for each data set it names (the balls at
least), each mean inside its interval. Prints what is wrong and exits 1.
"""
import csv
import math
import sys

KS = [1, 2, 3, 5, 7, 10]
IMPUTE = ["smooth", "filter", "observed", "vae", "hold", "linear", "mci"]
EXTRAP = ["smooth", "filter", "vae", "hold", "linear", "mci", "observed"]
DATASETS = ["balls", "balls-test", "video", "tree"]


def check_paired(out):
    bad = []
    rows = list(csv.DictReader(open(f"{out}/paired.csv")))
    if not rows or list(rows[0]) != ["dataset", "task", "k", "method", "diff",
                                     "lo", "hi", "ahead", "nseq"]:
        return ["paired.csv: wrong header"]
    got = set()
    for i, r in enumerate(rows, 2):
        got.add((r["dataset"], r["task"], int(r["k"]), r["method"]))
        d, lo, hi = float(r["diff"]), float(r["lo"]), float(r["hi"])
        if not (lo <= d + 1e-4 and d <= hi + 1e-4 and 0 <= int(r["ahead"]) <= int(r["nseq"])):
            bad.append(f"paired.csv:{i}: {r}")
    for d in {key[0] for key in got} | {"balls"}:
        for m in ("filter", "vae", "hold", "linear", "mci"):
            for task, k in [("impute", k) for k in KS[1:]] + [("extrapolate", 10)]:
                if (d, task, k, m) not in got:
                    bad.append(f"paired.csv: no row for {d} {task} k={k} {m}")
    return bad


def main():
    out = sys.argv[1]
    bad = []
    rows = list(csv.DictReader(open(f"{out}/tables.csv")))
    if not rows or list(rows[0]) != ["dataset", "task", "method", "k", "frames",
                                     "mean_ssim", "n"]:
        bad.append("tables.csv: wrong header")
    got = {}
    for i, r in enumerate(rows, 2):
        key = (r["dataset"], r["task"], r["method"], int(r["k"]), r["frames"])
        if key in got:
            bad.append(f"tables.csv:{i}: {key} twice")
        v, n = float(r["mean_ssim"]), int(r["n"])
        if not (math.isfinite(v) and -1 <= v <= 1 and n > 0):
            bad.append(f"tables.csv:{i}: mean {v} over {n} frames")
        got[key] = v
    want = []
    for d in DATASETS:
        for m in IMPUTE:
            for k in KS:
                want.append((d, "impute", m, k, "all"))
                if k > 1:
                    want.append((d, "impute", m, k, "missing"))
        for m in EXTRAP:
            want += [(d, "extrapolate", m, 10, "all"), (d, "extrapolate", m, 10, "missing")]
    for key in want:
        if key not in got:
            bad.append(f"tables.csv: no row for {key}")
    if len(got) != len(want):
        bad.append(f"tables.csv: {len(got)} rows, {len(want)} expected")

    md = open(f"{out}/tables.md").read()
    for d in DATASETS:
        for what in ("imputation", "extrapolation"):
            if f"### {d} (" not in md or what not in md:
                bad.append(f"tables.md: no {what} table for {d}")
    for line in md.splitlines():
        if line.startswith("| ") and "| |" in line.replace("|  |", "| |"):
            bad.append(f"tables.md: an empty cell: {line}")
    eig = list(csv.DictReader(open(f"{out}/eigenvalues.csv")))
    for d in ("balls", "video"):
        mods = [float(e["modulus"]) for e in eig if e["dataset"] == d]
        if not mods or not all(math.isfinite(m) and m >= 0 for m in mods):
            bad.append(f"eigenvalues.csv: no eigenvalues for {d}, or not finite")
    bad += check_paired(out)
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
