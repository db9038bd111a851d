"""Moments of kf-sample's draws against what they must be.

  kf_sample_check.py prior MODEL.json T X.csv Z.csv
  kf_sample_check.py posterior MODEL.json GIVEN.csv X.csv Z.csv \
      SMOOTH_STATES.csv SMOOTH_OBS.csv

prior: the draws' mean and covariance of z_t and x_t at each t against
the model's marginal moments (m_1 = mu0, P_1 = P0, m_t+1 = A m_t,
P_t+1 = A P_t A' + Q; x: C m_t, C P_t C' + R).

posterior: the draws given GIVEN.csv (one sequence) against kf-smooth's
means and variances (--states --variances, and of the observations where
R does not tie a missing component to an observed one), and
the whole covariance of (z_1 .. z_T), lag-one terms included, against
dense Gaussian conditioning of the joint prior of (z, x) on the observed
components (numpy, no Kalman recursions). Observed components must come
back exactly.

Every mean is within 5 standard errors and every covariance entry
within 5 standard errors of its sample estimate (SE of a sample
covariance: sqrt((S_ii S_jj + S_ij^2) / N)): 5.7e-7 a comparison, so
with about a thousand a correct sampler fails one with probability below
1e-3; and the seed is fixed. Prints the worst z-score; exits 1 on a failure.
"""
import json
import sys

import numpy as np

LIMIT = 5.0


def read_seqs(path):
    seqs, cur = [], []
    for line in open(path):
        line = line.strip()
        if not line:
            if cur:
                seqs.append(np.array(cur))
            cur = []
            continue
        if line[0].isalpha() and not line.startswith(("nan", "inf")):
            continue  # a header
        cur.append([float(v) for v in line.split(",")])
    if cur:
        seqs.append(np.array(cur))
    return seqs


def model(path):
    spec = json.load(open(path))
    A, C = np.array(spec["A"], float), np.array(spec["C"], float)
    n, p = A.shape[0], C.shape[0]

    def cov(v, d):
        v = np.array(v, float)
        return v * np.eye(d) if v.ndim == 0 else (
            np.diag(v) if v.ndim == 1 else v)
    return (A, C, cov(spec["Q"], n), cov(spec["R"], p),
            np.array(spec["mu0"], float), cov(spec["P0"], n))


worst = [0.0, ""]
failed = []


def check_mean(draws, mean, var, what):
    N = draws.shape[0]
    z = np.abs(draws.mean(axis=0) - mean) / np.sqrt(np.maximum(var, 1e-300) / N)
    note(z, what + " mean")


def check_cov(draws, S, what):
    N = draws.shape[0]
    got = np.cov(draws, rowvar=False, bias=False)
    d = np.diag(S)
    se = np.sqrt((np.outer(d, d) + S * S) / N)
    z = np.abs(got - S) / np.maximum(se, 1e-300)
    note(z, what + " covariance")


def note(z, what):
    m = float(np.max(z))
    if m > worst[0]:
        worst[:] = [m, what]
    if m > LIMIT:
        failed.append(f"{what}: {m:.2f} standard errors off")


def prior(argv):
    A, C, Q, R, mu0, P0 = model(argv[0])
    T = int(argv[1])
    X = np.array(read_seqs(argv[2]))  # (N, T, p)
    Z = np.array(read_seqs(argv[3]))
    assert X.shape[1] == T and Z.shape[1] == T, (X.shape, Z.shape)
    m, P = mu0, P0
    for t in range(T):
        mx, Px = C @ m, C @ P @ C.T + R
        check_mean(Z[:, t], m, np.diag(P), f"z_{t + 1}")
        check_cov(Z[:, t], P, f"z_{t + 1}")
        check_mean(X[:, t], mx, np.diag(Px), f"x_{t + 1}")
        check_cov(X[:, t], Px, f"x_{t + 1}")
        m, P = A @ m, A @ P @ A.T + Q
    return X.shape[0]


def joint_prior(A, C, Q, R, mu0, P0, T):
    """Mean and covariance of (z_1..z_T, x_1..x_T), dense."""
    n, p = A.shape[0], C.shape[0]
    mz = np.zeros(T * n)
    Sz = np.zeros((T * n, T * n))
    m, P = mu0, P0
    Ps = []
    for t in range(T):
        mz[t * n:(t + 1) * n] = m
        Ps.append(P)
        m, P = A @ m, A @ P @ A.T + Q
    for s in range(T):
        for t in range(s, T):
            blk = np.linalg.matrix_power(A, t - s) @ Ps[s]  # Cov(z_t, z_s)
            Sz[t * n:(t + 1) * n, s * n:(s + 1) * n] = blk
            Sz[s * n:(s + 1) * n, t * n:(t + 1) * n] = blk.T
    Cb = np.kron(np.eye(T), C)
    mx = Cb @ mz
    Sxz = Cb @ Sz
    Sx = Cb @ Sz @ Cb.T + np.kron(np.eye(T), R)
    mean = np.concatenate([mz, mx])
    cov = np.block([[Sz, Sxz.T], [Sxz, Sx]])
    return mean, cov


def posterior(argv):
    A, C, Q, R, mu0, P0 = model(argv[0])
    n, p = A.shape[0], C.shape[0]
    (G,) = read_seqs(argv[1])
    T = G.shape[0]
    X = np.array(read_seqs(argv[2]))
    Z = np.array(read_seqs(argv[3]))
    Zs = read_seqs(argv[4])[0]  # means, then variances
    Xs = read_seqs(argv[5])[0]
    N = X.shape[0]
    obs = ~np.isnan(G)
    if not np.array_equal(X[:, obs], np.broadcast_to(G[obs], (N, obs.sum()))):
        failed.append("observed components do not come back exactly")
    for t in range(T):
        check_mean(Z[:, t], Zs[t, :n], Zs[t, n:], f"z_{t + 1} (kf-smooth)")
        for i in range(p):
            # kf-smooth's x is C z; that is x's mean only where no
            # observed component of the record is correlated with it
            if not obs[t, i] and not np.any(R[i, obs[t]]):
                v = Xs[t, p + i] + R[i, i]
                check_mean(X[:, t, i], Xs[t, i], v, f"x_{t + 1},{i + 1}")
    mean, cov = joint_prior(A, C, Q, R, mu0, P0, T)
    o = np.concatenate([np.zeros(T * n, bool), obs.reshape(-1)])
    u = ~o
    K = np.linalg.solve(cov[np.ix_(o, o)], cov[np.ix_(o, u)]).T
    pm = mean[u] + K @ (G.reshape(-1)[obs.reshape(-1)] - mean[o])
    pc = cov[np.ix_(u, u)] - K @ cov[np.ix_(o, u)]
    draws = np.concatenate([Z.reshape(N, -1),
                            X.reshape(N, -1)[:, ~obs.reshape(-1)]], axis=1)
    check_mean(draws, pm, np.diag(pc), "(z, x_missing) dense conditioning")
    check_cov(draws, pc, "(z, x_missing) dense conditioning")
    return N


def main():
    mode, argv = sys.argv[1], sys.argv[2:]
    N = prior(argv) if mode == "prior" else posterior(argv)
    print(f"{N} draws; worst: {worst[0]:.2f} standard errors ({worst[1]})")
    for f in failed:
        print("FAIL:", f)
    sys.exit(1 if failed else 0)


main()
