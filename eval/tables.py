#!/usr/bin/python3
"""eval/tables.py: make eval's tables and plot data.

Usage: tables.py SSIM.csv OUTDIR BALLS.kvae VIDEO.kvae

SSIM.csv holds dataset,task,k,seq,method,frame,ssim (frame from 1), one
row per scored frame (eval/run writes it). Writes to OUTDIR:
  tables.csv        dataset,task,method,k,frames,mean_ssim,n (frames is
                    "all" or "missing")
  tables.md         the same as Markdown tables, and the eigenvalues of
                    each KVAE's transition matrix lgssm.A
  eigenvalues.csv   dataset,i,re,im,modulus
  paired.csv        dataset,task,k,method,diff,lo,hi,ahead,nseq: Smooth
                    minus each other row on the missing frames, the mean
                    over sequences of each sequence's difference, its 95%
                    interval by a paired bootstrap over sequences (10000
                    draws, seeded), and on how many sequences Smooth is
                    ahead; in tables.md too (data sets of 2+ sequences)
and to the current directory the means over validation sequences per
frame that eval/plots.gp draws: DATASET-fig2-kK.dat (impute, keep every
K) and DATASET-fig2-x.dat (extrapolate), columns frame then methods.
"""
import csv
import json
import struct
import sys
from collections import defaultdict

import numpy as np

KS = [1, 2, 3, 5, 7, 10]
IMPUTE = ["smooth", "filter", "observed", "vae", "hold", "linear", "mci"]
EXTRAP = ["smooth", "filter", "vae", "hold", "linear", "mci"]
NAMES = {"smooth": "Smooth (KVAE)", "filter": "Filtered (KVAE)",
         "observed": "Observed (encode-decode, all frames seen)",
         "vae": "VAE, latents interpolated", "hold": "Hold last frame",
         "linear": "Linear in pixels", "mci": "ffmpeg minterpolate mci"}
# extrapolation's rows where the method does something else there
XNAMES = {"vae": "VAE, last latent held",
          "linear": "Linear in pixels (the line through the last two frames)",
          "mci": "ffmpeg minterpolate mci (= Hold: it only interpolates)"}
ABOUT = {"balls": "kvae-balls",
         "balls-test": "kvae-balls --seed 3, sequences nobody looked at while choosing the models",
         "video": "vtest.avi crops",
         "tree": "tree.avi, a scene the video models never saw"}


def read_tensor(path, name):
    """One F32 tensor of a safetensors file, parsed by hand."""
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    head = json.loads(blob[8:8 + n])
    t = head[name]
    b, e = t["data_offsets"]
    return np.frombuffer(blob[8 + n + b:8 + n + e], "<f4").reshape(t["shape"])


def missing(task, k, frame, length):
    if task == "extrapolate":
        return frame > length - 10
    return (frame - 1) % k != 0


def seq_means(by, d, task, m, k, length):
    """seq -> mean SSIM over the missing frames of one sequence."""
    acc = defaultdict(list)
    for f, q, s in by[(d, task, m, k)]:
        if missing(task, k, f, length[(d, q)]):
            acc[q].append(s)
    return {q: np.mean(v) for q, v in acc.items()}


def paired(by, datasets, length):
    """Smooth against each other row, sequence by sequence: rows of
    (dataset, task, k, method, diff, lo, hi, ahead, nseq)."""
    out = []
    for d in datasets:
        seqs = sorted({q for (dd, q) in length if dd == d})
        if len(seqs) < 2:
            continue
        rng = np.random.default_rng(0)  # a data set's draws: its own
        cases = [("impute", k) for k in KS[1:]] + [("extrapolate", 10)]
        for task, k in cases:
            sm = seq_means(by, d, task, "smooth", k, length)
            for m in (EXTRAP if task == "extrapolate" else IMPUTE):
                if m in ("smooth", "observed"):
                    continue
                other = seq_means(by, d, task, m, k, length)
                diff = np.array([sm[q] - other[q] for q in seqs])
                draws = rng.integers(0, len(seqs), (10000, len(seqs)))
                boot = diff[draws].mean(axis=1)
                lo, hi = np.percentile(boot, [2.5, 97.5])
                out.append((d, task, k, m, diff.mean(), lo, hi,
                            int((diff > 0).sum()), len(seqs)))
    return out


def main():
    ssim_path, out, balls_model, video_model = sys.argv[1:5]
    rows = list(csv.DictReader(open(ssim_path)))
    length = defaultdict(int)
    for r in rows:
        key = (r["dataset"], r["seq"])
        length[key] = max(length[key], int(r["frame"]))
    # (dataset, task, method, k) -> list of (frame, seq, ssim)
    by = defaultdict(list)
    for r in rows:
        by[(r["dataset"], r["task"], r["method"], int(r["k"]))].append(
            (int(r["frame"]), r["seq"], float(r["ssim"])))
    present = {r["dataset"] for r in rows}
    datasets = [d for d in ABOUT if d in present] + sorted(present - set(ABOUT))
    table = {}
    for (d, task, m, k), v in by.items():
        if m == "observed":
            continue
        allv = [s for _, _, s in v]
        mis = [s for f, q, s in v if missing(task, k, f, length[(d, q)])]
        table[(d, task, m, k, "all")] = (np.mean(allv), len(allv))
        if mis:
            table[(d, task, m, k, "missing")] = (np.mean(mis), len(mis))
    # Observed: the same frames, scored from the fully observed decode.
    for d in datasets:
        obs = by[(d, "impute", "observed", 1)]
        for k in KS:
            table[(d, "impute", "observed", k, "all")] = (
                np.mean([s for _, _, s in obs]), len(obs))
            mis = [s for f, q, s in obs if missing("impute", k, f, length[(d, q)])]
            if mis:
                table[(d, "impute", "observed", k, "missing")] = (np.mean(mis), len(mis))
        mis = [s for f, q, s in obs if missing("extrapolate", 10, f, length[(d, q)])]
        table[(d, "extrapolate", "observed", 10, "missing")] = (np.mean(mis), len(mis))
        table[(d, "extrapolate", "observed", 10, "all")] = table[(d, "impute", "observed", 1, "all")]

    with open(f"{out}/tables.csv", "w") as f:
        f.write("dataset,task,method,k,frames,mean_ssim,n\n")
        for key in sorted(table):
            d, task, m, k, sc = key
            f.write(f"{d},{task},{m},{k},{sc},{table[key][0]:.4f},{table[key][1]}\n")

    md = []
    for d in datasets:
        nseq = len({q for (dd, q) in length if dd == d})
        for sc, title in (("all", "all frames"), ("missing", "missing frames only")):
            ks = KS if sc == "all" else KS[1:]
            md.append(f"\n### {d} ({ABOUT.get(d, d)}): imputation, keep every k-th frame; "
                      f"mean SSIM over {title} ({nseq} validation sequence{'s' * (nseq > 1)})\n")
            md.append("| method | " + " | ".join(f"k={k}" for k in ks) + " |")
            md.append("|---|" + "---:|" * len(ks))
            for m in IMPUTE:
                cells = []
                for k in ks:
                    v = table.get((d, "impute", m, k, sc))
                    cells.append("" if v is None else f"{v[0]:.3f}")
                md.append(f"| {NAMES[m]} | " + " | ".join(cells) + " |")
        md.append(f"\n### {d} ({ABOUT.get(d, d)}): extrapolation, last 10 frames missing; mean SSIM\n")
        md.append("| method | all frames | last 10 |")
        md.append("|---|---:|---:|")
        for m in EXTRAP + ["observed"]:
            a = table.get((d, "extrapolate", m, 10, "all"))
            b = table.get((d, "extrapolate", m, 10, "missing"))
            md.append(f"| {XNAMES.get(m, NAMES[m])} | {a[0]:.3f} | {b[0]:.3f} |")

    pairs = paired(by, datasets, length)
    with open(f"{out}/paired.csv", "w") as f:
        f.write("dataset,task,k,method,diff,lo,hi,ahead,nseq\n")
        for d, task, k, m, diff, lo, hi, ahead, n in pairs:
            f.write(f"{d},{task},{k},{m},{diff:.4f},{lo:.4f},{hi:.4f},{ahead},{n}\n")
    for d in datasets:
        rows = [p for p in pairs if p[0] == d]
        if not rows:
            continue
        md.append(f"\n### {d}: Smooth minus each other row, missing frames; mean over "
                  f"sequences [95% paired bootstrap interval] (sequences where Smooth is ahead)\n")
        cols = sorted({(t, k) for _, t, k, *_ in rows}, key=lambda c: (c[0] != "impute", c[1]))
        md.append("| against | " + " | ".join(f"k={k}" if t == "impute" else "extrapolation"
                                                for t, k in cols) + " |")
        md.append("|---|" + "---:|" * len(cols))
        cell = {(t, k, m): f"{diff:+.3f} [{lo:+.3f}, {hi:+.3f}] ({ahead}/{n})"
                for _, t, k, m, diff, lo, hi, ahead, n in rows}
        for m in ("filter", "vae", "hold", "linear", "mci"):
            md.append(f"| {NAMES[m]} | " + " | ".join(cell.get((t, k, m), "") for t, k in cols) + " |")

    md.append("\n### Eigenvalues of each KVAE's transition matrix lgssm.A\n")
    md.append("| data | eigenvalues | moduli | all inside the unit circle |")
    md.append("|---|---|---|---|")
    with open(f"{out}/eigenvalues.csv", "w") as f:
        f.write("dataset,i,re,im,modulus\n")
        for d, path in (("balls", balls_model), ("video", video_model)):
            A = read_tensor(path, "lgssm.A").astype(np.float64)
            ev = np.linalg.eigvals(A)
            ev = ev[np.argsort(-np.abs(ev))]
            for i, e in enumerate(ev):
                f.write(f"{d},{i + 1},{e.real:.6f},{e.imag:.6f},{abs(e):.6f}\n")
            evs = ", ".join(f"{e.real:.3f}{e.imag:+.3f}i" if abs(e.imag) > 5e-4
                            else f"{e.real:.3f}" for e in ev)
            mods = ", ".join(f"{abs(e):.3f}" for e in ev)
            inside = "yes" if np.all(np.abs(ev) < 1) else "no"
            md.append(f"| {d} | {evs} | {mods} | {inside} (max {np.abs(ev).max():.4f}) |")
    open(f"{out}/tables.md", "w").write("\n".join(md).lstrip() + "\n")

    # Per-frame means over the validation sequences, for Fig. 2.
    for d in datasets:
        for k in KS:
            with open(f"{d}-fig2-k{k}.dat", "w") as f:
                f.write("# frame " + " ".join(IMPUTE) + "\n")
                series = {}
                for m in IMPUTE:
                    kk = 1 if m == "observed" else k
                    acc = defaultdict(list)
                    for fr, _, s in by[(d, "impute", m, kk)]:
                        acc[fr].append(s)
                    series[m] = {fr: np.mean(v) for fr, v in acc.items()}
                for fr in sorted(series["smooth"]):
                    f.write(f"{fr} " + " ".join(f"{series[m][fr]:.4f}" for m in IMPUTE) + "\n")
        with open(f"{d}-fig2-x.dat", "w") as f:
            f.write("# frame " + " ".join(EXTRAP) + "\n")
            series = {}
            for m in EXTRAP:
                acc = defaultdict(list)
                for fr, _, s in by[(d, "extrapolate", m, 10)]:
                    acc[fr].append(s)
                series[m] = {fr: np.mean(v) for fr, v in acc.items()}
            for fr in sorted(series["smooth"]):
                f.write(f"{fr} " + " ".join(f"{series[m][fr]:.4f}" for m in EXTRAP) + "\n")


if __name__ == "__main__":
    main()
