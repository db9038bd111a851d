"""Python side of bench/kf: data generation and the statsmodels and plain
NumPy runs, each a whole process from file to file.

  kf_py.py gen DIR n p T MISSING   model.json, data.npy, data.csv
  kf_py.py gen-cv DIR dim T        the same for kf-smooth's constant-velocity
            preset on dim columns (q = r = dt = 1), every state diffuse
  kf_py.py sm-filter|sm-smooth|sm-smooth-state DIR TOL OUT.npy   statsmodels
            (sm-smooth: means and covariances; sm-smooth-state: means only)
  kf_py.py np-filter|np-smooth DIR OUT.npy       a plain NumPy loop
"""
import json
import sys

import numpy as np


def load(d):
    m = json.load(open(d + "/model.json"))
    return ({k: v if isinstance(v, str) else np.array(v, float)
             for k, v in m.items()}, np.load(d + "/data.npy"))


def gen(d, n, p, T, missing):
    rng = np.random.default_rng(7)
    A = rng.normal(size=(n, n)) / np.sqrt(n)
    A *= 0.95 / max(abs(np.linalg.eigvals(A)))
    C = rng.normal(size=(p, n)) / np.sqrt(n)
    B = rng.normal(size=(n, n)) / np.sqrt(n)
    Q = B @ B.T * 0.1 + 0.05 * np.eye(n)
    R = 0.5 * np.eye(p)
    mu0, P0 = np.zeros(n), np.eye(n)
    Lq = np.linalg.cholesky(Q)
    z = np.zeros(n)
    x = np.empty((T, p))
    w = rng.normal(size=(T, n)) @ Lq.T
    v = rng.normal(size=(T, p)) * np.sqrt(0.5)
    for t in range(T):
        z = A @ z + w[t]
        x[t] = C @ z + v[t]
    if missing > 0:
        x[rng.random(T) < missing] = np.nan
    json.dump({"A": A.tolist(), "C": C.tolist(), "Q": Q.tolist(),
               "R": R.tolist(), "mu0": mu0.tolist(), "P0": P0.tolist()},
              open(d + "/model.json", "w"))
    np.save(d + "/data.npy", x)
    np.savetxt(d + "/data.csv", x, delimiter=",", fmt="%.17g")


def gen_cv(d, dim, T):
    """Tracks of dim independent walkers, positions seen with noise,
    under the model of kf-smooth --preset constant-velocity."""
    rng = np.random.default_rng(8)
    n = 2 * dim
    A, Q, C = np.zeros((n, n)), np.zeros((n, n)), np.zeros((dim, n))
    for k in range(dim):
        b = slice(2 * k, 2 * k + 2)
        A[b, b] = [[1, 1], [0, 1]]
        Q[b, b] = [[1 / 3, 1 / 2], [1 / 2, 1]]
        C[k, 2 * k] = 1
    vel = np.cumsum(rng.normal(size=(T, dim)), axis=0)
    x = np.cumsum(vel, axis=0) + rng.normal(size=(T, dim))
    json.dump({"A": A.tolist(), "C": C.tolist(), "Q": Q.tolist(),
               "R": np.eye(dim).tolist(), "mu0": [0] * n, "P0": "diffuse"},
              open(d + "/model.json", "w"))
    np.save(d + "/data.npy", x)
    np.savetxt(d + "/data.csv", x, delimiter=",", fmt="%.17g")


def sm(d, smooth, tol, out, means_only=False):
    from statsmodels.tsa.statespace.mlemodel import MLEModel
    from statsmodels.tsa.statespace import kalman_smoother as ks
    m, x = load(d)
    n = m["A"].shape[0]
    mod = MLEModel(x, k_states=n)
    mod.ssm["design"], mod.ssm["obs_cov"] = m["C"], m["R"]
    mod.ssm["transition"], mod.ssm["state_cov"] = m["A"], m["Q"]
    mod.ssm["selection"] = np.eye(n)
    if isinstance(m["P0"], str):  # "diffuse": statsmodels' exact diffuse
        mod.ssm.initialize("diffuse")
    else:
        mod.ssm.initialize_known(m["mu0"], m["P0"])
    mod.ssm.tolerance = float(tol)
    what = ks.SMOOTHER_STATE if means_only else ks.SMOOTHER_ALL
    res = mod.ssm.smooth(smoother_output=what) if smooth else mod.ssm.filter()
    state = res.smoothed_state if smooth else res.filtered_state
    np.save(out, m["C"] @ state)


def plain(d, smooth, out):
    m, x = load(d)
    A, C, Q, R = m["A"], m["C"], m["Q"], m["R"]
    T, n = len(x), A.shape[0]
    mu, P = m["mu0"].copy(), m["P0"].copy()
    mf = np.empty((T, n))
    Pf = np.empty((T, n, n)) if smooth else None
    I = np.eye(n)
    for t in range(T):
        o = ~np.isnan(x[t])
        if o.any():
            Co = C[o]
            S = Co @ P @ Co.T + R[np.ix_(o, o)]
            K = np.linalg.solve(S, Co @ P).T
            mu = mu + K @ (x[t, o] - Co @ mu)
            IKC = I - K @ Co
            P = IKC @ P @ IKC.T + K @ R[np.ix_(o, o)] @ K.T
        mf[t] = mu
        if smooth:
            Pf[t] = P
        mu, P = A @ mu, A @ P @ A.T + Q
    if smooth:
        ms, Ps = mf[-1].copy(), Pf[-1].copy()
        for t in range(T - 2, -1, -1):
            Pp = A @ Pf[t] @ A.T + Q
            L = np.linalg.solve(Pp, A @ Pf[t]).T
            ms = mf[t] + L @ (ms - A @ mf[t])
            Ps = Pf[t] + L @ (Ps - Pp) @ L.T
            mf[t] = ms
    np.save(out, mf @ C.T)


cmd = sys.argv[1]
if cmd == "gen":
    gen(sys.argv[2], *map(int, sys.argv[3:6]), float(sys.argv[6]))
elif cmd == "gen-cv":
    gen_cv(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
elif cmd.startswith("sm-"):
    sm(sys.argv[2], cmd != "sm-filter", sys.argv[3], sys.argv[4],
       cmd == "sm-smooth-state")
else:
    plain(sys.argv[2], cmd == "np-smooth", sys.argv[3])
