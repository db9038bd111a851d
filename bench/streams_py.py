"""The Python side of bench/streams: pandas and NumPy reading and writing
the same CSV, timed inside the process (the interpreter's and the
libraries' start-up left out, which favours them). Prints seconds.

usage: streams_py.py gen OUT.csv RECORDS COLUMNS
       streams_py.py TASK IN.csv OUT      (TASK: pandas-read, pandas-write,
                                           pandas-copy, numpy-read,
                                           numpy-write, numpy-copy)
"""
import sys
import time

import numpy as np
import pandas as pd


def gen(out, records, columns):
    # latent-stream-like values: N(0, 1) doubles, every digit significant
    x = np.random.default_rng(1).standard_normal((records, columns))
    names = [f"x{i + 1}" for i in range(columns)]
    pd.DataFrame(x, columns=names).to_csv(out, index=False)


def main():
    task = sys.argv[1]
    if task == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    src, out = sys.argv[2], sys.argv[3]
    lib, what = task.split("-")
    if what == "write":   # the data in memory first, untimed
        df = pd.read_csv(src, engine="c", float_precision="round_trip")
        x = df.to_numpy()
    t0 = time.perf_counter()
    if lib == "pandas":
        if what != "write":
            df = pd.read_csv(src, engine="c", float_precision="round_trip")
        if what != "read":
            df.to_csv(out, index=False)
    else:
        if what != "write":
            x = np.loadtxt(src, delimiter=",", skiprows=1)
        if what != "read":
            np.savetxt(out, x, delimiter=",")  # its default, %.18e
    print(f"{time.perf_counter() - t0:.3f}")


main()
