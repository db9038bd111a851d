#!/usr/bin/env python3
"""model-diff.py A B [--rtol R]: compare two kvae-model(5) files (the
safetensors format) tensor by tensor, as numpy reads them. Prints the
largest difference of each tensor relative to its largest magnitude and
exits 1 when a tensor differs by more than R (default 1e-4) or the two
files do not hold the same tensors and shapes."""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64,
          "I32": np.int32, "U8": np.uint8}


def tensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        lo, hi = t["data_offsets"]
        a = np.frombuffer(data[lo:hi], dtype=DTYPES[t["dtype"]])
        out[name] = a.reshape(t["shape"]).astype(np.float64)
    return out


def main():
    args = sys.argv[1:]
    rtol = 1e-4
    if "--rtol" in args:
        i = args.index("--rtol")
        rtol = float(args[i + 1])
        del args[i:i + 2]
    a, b = tensors(args[0]), tensors(args[1])
    if sorted(a) != sorted(b):
        print("model-diff: tensors differ: %s" % sorted(set(a) ^ set(b)))
        return 1
    worst = 0.0
    for name in sorted(a):
        if a[name].shape != b[name].shape:
            print("model-diff: %s: shapes %s and %s" %
                  (name, a[name].shape, b[name].shape))
            return 1
        scale = max(np.abs(a[name]).max(initial=0.0), 1e-12)
        d = np.abs(a[name] - b[name]).max(initial=0.0) / scale
        worst = max(worst, d)
        if d > rtol:
            print("model-diff: %s differs by %.3g of its scale (tolerance "
                  "%.3g)" % (name, d, rtol))
    print("model-diff: largest relative difference %.3g over %d tensors "
          "(tolerance %.3g)" % (worst, len(a), rtol))
    return 0 if worst <= rtol else 1


if __name__ == "__main__":
    sys.exit(main())
