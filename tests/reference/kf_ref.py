"""Reference numbers from statsmodels for the kf-filter/kf-smooth tests.

  kf_ref.py nile DIR     Nile flows (statsmodels' dataset) as DIR/nile.csv,
                         the local-level model as DIR/nile.json, and
                         statsmodels' log-likelihood with approximate
                         diffuse initialisation (1e6), burn 1, in DIR/llf.txt
  kf_ref.py random DIR   a random model n=32, p=16, T=2000, 10% missing
                         records and some missing components: DIR/model.json,
                         DIR/data.csv; statsmodels' filtered and smoothed
                         means (DIR/filtered.csv, DIR/smoothed.csv) and
                         log-likelihood (DIR/llf.txt)
  kf_ref.py singular DIR KIND
                         a random model n=6, p=3, T=300, 10% missing, made
                         singular: KIND q1 or q2 (Q of rank n-1, n-2) or r0
                         (R = 0); the same files, and statsmodels'
                         smoothed state variances beside the means
                         (DIR/smoothed_var.csv)
Everything is computed here, during the test run.
"""
import json
import sys

import numpy as np
import statsmodels.api as sm
from statsmodels.tsa.statespace.mlemodel import MLEModel


def write_csv(path, a):
    np.savetxt(path, a, delimiter=",", fmt="%.17g")


def run(endog, A, C, Q, R, mu0, P0, burn=0, diffuse=None):
    n = A.shape[0]
    mod = MLEModel(endog, k_states=n)
    mod.ssm["design"] = C
    mod.ssm["obs_cov"] = R
    mod.ssm["transition"] = A
    mod.ssm["selection"] = np.eye(n)
    mod.ssm["state_cov"] = Q
    if diffuse is not None:
        mod.ssm.initialize_approximate_diffuse(diffuse)
    else:
        mod.ssm.initialize_known(mu0, P0)
    mod.ssm.loglikelihood_burn = burn
    mod.ssm.tolerance = 0  # no steady-state switch: exact recursions
    return mod.ssm.smooth()


def write_case(out, x, A, C, Q, R, mu0, P0):
    """The model and data as kf-filter reads them, statsmodels' filtered
    means and log-likelihood; returns its results for the rest."""
    spec = {"A": A.tolist(), "C": C.tolist(), "Q": Q.tolist(),
            "R": R.tolist(), "mu0": mu0.tolist(), "P0": P0.tolist()}
    json.dump(spec, open(out + "/model.json", "w"))
    write_csv(out + "/data.csv", x)
    res = run(x, A, C, Q, R, mu0, P0)
    write_csv(out + "/filtered.csv", res.filtered_state.T)
    open(out + "/llf.txt", "w").write("%.17g\n" % res.llf_obs.sum())
    return res


def nile(out):
    y = sm.datasets.nile.load_pandas().data["volume"].to_numpy(float)
    write_csv(out + "/nile.csv", y)
    spec = {"A": [[1.0]], "C": [[1.0]], "Q": 1469.1, "R": 15099.0,
            "mu0": [0.0], "P0": 1e6}
    json.dump(spec, open(out + "/nile.json", "w"))
    res = run(y, np.eye(1), np.eye(1), np.array([[1469.1]]),
              np.array([[15099.0]]), None, None, burn=1, diffuse=1e6)
    open(out + "/llf.txt", "w").write("%.17g\n" % res.llf_obs[1:].sum())


def random_model(out):
    rng = np.random.default_rng(2026)
    n, p, T = 32, 16, 2000
    A = rng.normal(size=(n, n)) / np.sqrt(n)
    A *= 0.95 / max(abs(np.linalg.eigvals(A)))
    C = rng.normal(size=(p, n)) / np.sqrt(n)
    B = rng.normal(size=(n, n)) / np.sqrt(n)
    Q = B @ B.T * 0.1 + 0.05 * np.eye(n)
    B = rng.normal(size=(p, p)) / np.sqrt(p)
    R = B @ B.T * 0.2 + 0.1 * np.eye(p)
    mu0 = rng.normal(size=n)
    P0 = np.eye(n)
    z = rng.multivariate_normal(mu0, P0)
    x = np.empty((T, p))
    Lq, Lr = np.linalg.cholesky(Q), np.linalg.cholesky(R)
    for t in range(T):
        if t:
            z = A @ z + Lq @ rng.normal(size=n)
        x[t] = C @ z + Lr @ rng.normal(size=p)
    x[rng.random(T) < 0.10] = np.nan                  # 10% missing records
    x[rng.random((T, p)) < 0.02] = np.nan             # and some components
    res = write_case(out, x, A, C, Q, R, mu0, P0)
    write_csv(out + "/smoothed.csv", res.smoothed_state.T)


def singular_model(out, kind):
    rng = np.random.default_rng({"q1": 11, "q2": 12, "r0": 13}[kind])
    n, p, T = 6, 3, 300
    A = rng.normal(size=(n, n)) / np.sqrt(n)
    A *= 0.95 / max(abs(np.linalg.eigvals(A)))
    C = rng.normal(size=(p, n))
    rank = {"q1": n - 1, "q2": n - 2, "r0": n}[kind]
    B = rng.normal(size=(n, rank)) / np.sqrt(n)
    Q = B @ B.T
    Q = (Q + Q.T) / 2
    B = rng.normal(size=(p, p)) / np.sqrt(p)
    R = np.zeros((p, p)) if kind == "r0" else B @ B.T + 0.1 * np.eye(p)
    mu0 = rng.normal(size=n)
    P0 = np.eye(n)
    z = rng.multivariate_normal(mu0, P0)
    x = np.empty((T, p))
    for t in range(T):
        if t:
            z = A @ z + rng.multivariate_normal(np.zeros(n), Q)
        x[t] = C @ z + (0 if kind == "r0" else
                        rng.multivariate_normal(np.zeros(p), R))
    x[rng.random(T) < 0.10] = np.nan
    x[rng.random((T, p)) < 0.03] = np.nan
    res = write_case(out, x, A, C, Q, R, mu0, P0)
    # named as kf-smooth names them, so that both read as means with
    # variances (kvae-seq(5))
    names = ["x%d" % (i + 1) for i in range(n)]
    np.savetxt(out + "/smoothed.csv", np.hstack([
        res.smoothed_state.T,
        np.diagonal(res.smoothed_state_cov, axis1=0, axis2=1)]),
        delimiter=",", fmt="%.17g", comments="",
        header=",".join(names + ["var_" + v for v in names]))


if sys.argv[1] == "singular":
    singular_model(sys.argv[2], sys.argv[3])
else:
    {"nile": nile, "random": random_model}[sys.argv[1]](sys.argv[2])
