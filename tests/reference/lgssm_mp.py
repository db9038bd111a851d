"""lgssm_mp.py: a random LGSSM with an (approximately) diffuse prior, data
drawn from it, and its smoothed observation estimates C mu_t|T computed
by the RTS recursions in 50-digit arithmetic (mpmath): a reference
against which double-precision rounding can be measured.

Usage: lgssm_mp.py random SEED N P P0 T DIR   (random stable model)
       lgssm_mp.py level P0 T DIR            (local level: unit root)
Writes DIR/model.json, DIR/data.csv (two records missing, one partly)
and DIR/smoothed.csv (T rows of C mu_t|T, %.17g)."""
import json
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 50


def random_model(rng, n, p, p0):
    A = 0.9 * np.eye(n) + 0.1 * rng.standard_normal((n, n)) / n
    C = rng.standard_normal((p, n))
    B = rng.standard_normal((n, n))
    Q = B @ B.T * 0.5 / n + 0.1 * np.eye(n)
    B = rng.standard_normal((p, p))
    R = B @ B.T * 0.7 / p + 0.1 * np.eye(p)
    return A, C, Q, R, rng.standard_normal(n), p0 * np.eye(n)


def level_model(p0):
    e = np.eye(1)
    return e, e, 0.01 * e, 1.0 * e, np.zeros(1), p0 * e


def simulate(rng, model, T):
    A, C, Q, R, mu0, P0 = model
    z = mu0 + rng.standard_normal(len(mu0))
    x = []
    for _ in range(T):
        x.append(C @ z + np.linalg.cholesky(R) @ rng.standard_normal(len(R)))
        z = A @ z + np.linalg.cholesky(Q) @ rng.standard_normal(len(z))
    x = np.array(x)
    x[7] = np.nan
    x[T // 2] = np.nan
    x[20, 0] = np.nan
    return x


def rts(model, x):
    """C mu_t|T for every t, in mpmath."""
    A, C, Q, R, mu0, P0 = (mp.matrix(np.atleast_1d(a).tolist()) for a in model)
    T, p = x.shape
    n = A.rows
    mu, P = mu0, P0
    mf, Pf, mpred, Ppred = [], [], [], []
    for t in range(T):
        mpred.append(mu)
        Ppred.append(P)
        obs = [i for i in range(p) if not np.isnan(x[t, i])]
        if obs:
            Co = mp.matrix([[C[i, j] for j in range(n)] for i in obs])
            Ro = mp.matrix([[R[i, j] for j in obs] for i in obs])
            K = P * Co.T * mp.inverse(Co * P * Co.T + Ro)
            mu = mu + K * (mp.matrix([mp.mpf(x[t, i]) for i in obs]) - Co * mu)
            P = P - K * Co * P
        mf.append(mu)
        Pf.append(P)
        mu, P = A * mu, A * P * A.T + Q
    ms = mf[T - 1]
    out = [C * ms]
    for t in range(T - 2, -1, -1):
        J = Pf[t] * A.T * mp.inverse(Ppred[t + 1])
        ms = mf[t] + J * (ms - mpred[t + 1])
        out.append(C * ms)
    return out[::-1]


def main():
    if sys.argv[1] == "random":
        seed, n, p, p0, T, d = sys.argv[2:]
        rng = np.random.default_rng(int(seed))
        model = random_model(rng, int(n), int(p), float(p0))
    else:
        p0, T, d = sys.argv[2:]
        rng = np.random.default_rng(7)
        model = level_model(float(p0))
    x = simulate(rng, model, int(T))
    names = ("A", "C", "Q", "R", "mu0", "P0")
    json.dump({k: np.atleast_1d(v).tolist() for k, v in zip(names, model)},
              open(d + "/model.json", "w"))
    with open(d + "/data.csv", "w") as f:
        for row in x:
            f.write(",".join("nan" if np.isnan(v) else "%.17g" % v
                             for v in row) + "\n")
    with open(d + "/smoothed.csv", "w") as f:
        for row in rts(model, x):
            f.write(",".join("%.17g" % float(v) for v in row) + "\n")


main()
