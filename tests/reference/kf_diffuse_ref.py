"""Reference numbers for exact diffuse initialisation (Durbin & Koopman 2012
ch. 5; Koopman & Durbin 2000), computed here with statsmodels'
exact diffuse filter and smoother (initialization 'diffuse', mixed with
'known' or 'stationary' blocks), for the kf-filter/kf-smooth tests.

  kf_diffuse_ref.py kfas NAME DIR
      NAME: local-level, local-linear-trend, local-linear-trend-missing,
      common-level: the models of statsmodels'
      tests/results/test_exact_diffuse_filtering.R, all states diffuse.
      Writes the spec and data, statsmodels' results, and KFAS's (the
      fixtures Debian's statsmodels ships) after checking that statsmodels
      and KFAS agree (exit 1 naming what differs if not).
  kf_diffuse_ref.py clark DIR
      Clark's (1989) unobserved-components model of log US GDP and
      unemployment with Kim and Nelson's (1999) estimates (Q has zero
      variances, R = 0 for GDP), in DIR/all (every state diffuse, full
      data) and DIR/mixed (trend, drift and unemployment trend diffuse,
      the AR(2) cycle from its stationary distribution, the last 51
      unemployment values missing).
  kf_diffuse_ref.py random DIR
      a random model n=4, p=2, T=60: states 0 and 1 diffuse, a known P0
      block for states 2 and 3, a non-diagonal R, about 20% missing values.
  kf_diffuse_ref.py limit DIR OURS
      the limit check for DIR (written by `random`): conditions the joint
      Gaussian of all states and observations with P0 = P_* + kappa P_inf,
      kappa = 1e4, 1e6, 1e8, on the observed values, and compares with
      OURS (kf-smooth --states --variances on DIR's model and data).
  kf_diffuse_ref.py preset DIR
      the local-level data of the `kfas` case as DIR/data.csv, and
      statsmodels' smoothed means and variances and llf for the local-level
      preset's model (mu0 = 0): exact diffuse (DIR/exact.csv,
      DIR/exact_llf.txt) and P0 = 1e6 (DIR/approx.csv, DIR/approx_llf.txt).

Files a case writes in DIR:
  model.json       the spec kf-filter/kf-smooth read
  data.csv         the data (nan = missing)
  filtered.csv     x1..xn,var_x1..var_xn: statsmodels' filtered means and
                   the diagonal of the filtered covariance, inf where the
                   state is still diffuse after that record (its P_inf,t|t
                   diagonal is > 0); the mean there is arbitrary (it is the
                   diffuse component of the prior mean) and written as nan
  filtered_obs.csv the same for the observation estimate: C mu_t|t and
                   diag(C P_t|t C^T), inf where diag(C P_inf,t|t C^T) > 0
  smoothed.csv     x1..xn,var_x1..var_xn: statsmodels' smoothed means and
                   the diagonal of smoothed_state_cov
  llf.txt          statsmodels' llf (each diffuse element contributes
                   -0.5 log(2 pi F_inf), Durbin & Koopman 7.2.5)
  kfas_means.csv   (kfas) KFAS's alphahat
  kfas_llf.txt     (kfas) KFAS's logLik + (-0.5 log 2 pi) per observed
                   element with F_inf > 0 in the diffuse period (KFAS
                   leaves that constant out; statsmodels'
                   test_exact_diffuse_filtering.py corrects it the same way)
  kfas_var.csv     (kfas, n = 1 only) KFAS's sumV, which is then the
                   smoothed variance
Everything but the KFAS fixtures is computed here, during the test run.
"""
import json
import os
import sys

import numpy as np
from statsmodels.tsa.statespace.initialization import Initialization
from statsmodels.tsa.statespace.mlemodel import MLEModel

RESULTS = "/usr/lib/python3/dist-packages/statsmodels/tsa/statespace/tests/results"
LOG2PI = np.log(2 * np.pi)


def die(msg):
    sys.stderr.write("kf_diffuse_ref.py: %s\n" % msg)
    sys.exit(1)


def check_close(what, got, want, rtol, atol):
    """Exit 1 naming the first element where got and want differ."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    if got.shape != want.shape:
        die("%s: shape %s, want %s" % (what, got.shape, want.shape))
    bad = ~(np.abs(got - want) <= atol + rtol * np.abs(want))
    if bad.any():
        i = np.unravel_index(np.argmax(bad), bad.shape)
        die("%s at %s: %.17g, want %.17g (rtol %g, atol %g)"
            % (what, i, got[i], want[i], rtol, atol))


def states_csv(path, means, variances):
    """means, variances (T, n) as kf-smooth writes them, with a header."""
    n = means.shape[1]
    names = ["x%d" % (i + 1) for i in range(n)]
    np.savetxt(path, np.hstack([means, variances]), delimiter=",",
               fmt="%.17g", comments="",
               header=",".join(names + ["var_" + v for v in names]))


def write_spec(out, A, C, Q, R, mu0, P0, diffuse=None):
    spec = {"A": A.tolist(), "C": C.tolist(), "Q": Q.tolist(),
            "R": R.tolist(), "mu0": list(map(float, mu0)),
            "P0": P0 if isinstance(P0, str) else P0.tolist()}
    if diffuse is not None:
        spec["diffuse"] = list(diffuse)
    json.dump(spec, open(out + "/model.json", "w"))


def smooth(x, A, C, Q, R, init):
    """statsmodels' exact diffuse filter and smoother of x (T, p)."""
    n = A.shape[0]
    mod = MLEModel(x, k_states=n)
    mod.ssm["design"] = C
    mod.ssm["obs_cov"] = R
    mod.ssm["transition"] = A
    mod.ssm["selection"] = np.eye(n)
    mod.ssm["state_cov"] = Q
    mod.ssm.initialize(init)
    mod.ssm.tolerance = 0  # no steady-state switch: exact recursions
    return mod.ssm.smooth()


def filtered_diffuse(x, A, C, Pinf):
    """diag of P_inf,t|t for each record (T, n)"""
    return np.diagonal(filtered_diffuse_cov(x, A, C, Pinf), axis1=1, axis2=2)


def filtered_diffuse_cov(x, A, C, Pinf):
    """P_inf,t|t for each record (T, n, n): P_inf loses the directions
    the observed rows of C see (Durbin & Koopman 5.2; P_inf's update does
    not involve R or P_*, and the result of a record does not depend on the
    order or on a transformation of its observed elements)."""
    out = np.empty((len(x), A.shape[0], A.shape[0]))
    for t, xt in enumerate(x):
        Z = C[~np.isnan(xt)]
        if len(Z):
            F = Z @ Pinf @ Z.T
            Pinf = Pinf - Pinf @ Z.T @ np.linalg.pinv(F, rcond=1e-10) @ Z @ Pinf
        Pinf[np.abs(Pinf) < 1e-10] = 0
        out[t] = Pinf
        Pinf = A @ Pinf @ A.T
    return out


def write_results(out, x, A, C, res, Pinf0):
    np.savetxt(out + "/data.csv", x, delimiter=",", fmt="%.17g")
    still = filtered_diffuse(x, A, C, Pinf0) > 0
    fm = res.filtered_state.T.copy()
    fv = np.diagonal(res.filtered_state_cov, axis1=0, axis2=1).copy()
    fm[still] = np.nan
    fv[still] = np.inf
    states_csv(out + "/filtered.csv", fm, fv)
    # the same for the observation estimate C mu_t|t, diag(C P_t|t C^T)
    Pinf = filtered_diffuse_cov(x, A, C, Pinf0)
    om = res.filtered_state.T @ C.T
    ov = np.einsum("ij,tjk,ik->ti", C,
                   np.moveaxis(res.filtered_state_cov, 2, 0), C)
    still = np.einsum("ij,tjk,ik->ti", C, Pinf, C) > 1e-10
    om[still] = np.nan
    ov[still] = np.inf
    states_csv(out + "/filtered_obs.csv", om, ov)
    states_csv(out + "/smoothed.csv", res.smoothed_state.T,
               np.diagonal(res.smoothed_state_cov, axis1=0, axis2=1))
    open(out + "/llf.txt", "w").write("%.17g\n" % res.llf)
    if res.nobs_diffuse >= len(x):
        die("the diffuse period does not end before the data do")


# -- a: the models of statsmodels' test_exact_diffuse_filtering.R --------

def kfas_model(name):
    if name == "local-level":
        x = np.r_[10.2394, [1.0] * 9][:, None]
        A, C = np.eye(1), np.eye(1)
        Q, R = np.array([[8.253]]), np.array([[1.993]])
        mu0 = [3.0]
    elif name.startswith("local-linear-trend"):
        x = np.r_[10.2394, 4.2039, 6.123123, [1.0] * 7][:, None]
        if name.endswith("-missing"):
            x[1] = np.nan
        A, C = np.array([[1.0, 1], [0, 1]]), np.array([[1.0, 0]])
        Q, R = np.diag([8.253, 2.334]), np.array([[1.993]])
        mu0 = [3.0, -1.0]
    elif name == "common-level":
        x = np.column_stack([np.r_[10.2394, [1.0] * 9],
                             np.r_[8.2304, [1.0] * 9]])
        A, C = np.eye(2), np.array([[1.0, 0], [0.1111, 1]])
        Q, R = np.diag([3.2324, 0.0]), np.eye(2)   # state 2: no noise
        mu0 = [3.0, -1.0]
    else:
        die("no model %s" % name)
    return x, A, C, Q, R, np.array(mu0)


def kfas(name, out):
    x, A, C, Q, R, mu0 = kfas_model(name)
    n = A.shape[0]
    # mu0's diffuse components do not matter: not 0, to show it
    write_spec(out, A, C, Q, R, mu0, "diffuse")
    res = smooth(x, A, C, Q, R, Initialization(n, "diffuse"))
    write_results(out, x, A, C, res, np.eye(n))

    fixture = "%s/results_exact_initial_%s_R.csv" % (
        RESULTS, name.replace("-", "_"))
    head = open(fixture).readline().strip().split(",")
    head = [h.strip('"') for h in head]
    rows = np.genfromtxt(fixture, delimiter=",", skip_header=1,
                         missing_values="NA", filling_values=np.nan)
    col = {h: rows[:, i] for i, h in enumerate(head)}
    T, p = x.shape
    alphahat = np.column_stack([col["alphahat_%d" % (i + 1)]
                                for i in range(n)])[:T]
    Finf = np.column_stack([col["Finf_%d" % (i + 1)] for i in range(p)])
    d = res.nobs_diffuse
    count = np.sum((np.nan_to_num(Finf[:d]) > 0) & ~np.isnan(x[:d]))
    llf_kfas = col["llf"][0] + (-0.5 * LOG2PI) * count
    np.savetxt(out + "/kfas_means.csv", alphahat, delimiter=",", fmt="%.17g")
    open(out + "/kfas_llf.txt", "w").write("%.17g\n" % llf_kfas)
    if n == 1:
        np.savetxt(out + "/kfas_var.csv", col["sumV"][:T], fmt="%.17g")

    # the reference itself: statsmodels against KFAS (fixtures printed to
    # 15 significant digits)
    check_close(name + ": statsmodels smoothed_state vs KFAS alphahat",
                res.smoothed_state.T, alphahat, 1e-9, 1e-12)
    check_close(name + ": statsmodels sum(smoothed_state_cov) vs KFAS sumV",
                res.smoothed_state_cov.sum(axis=(0, 1)), col["sumV"][:T],
                1e-9, 1e-12)
    check_close(name + ": statsmodels llf vs KFAS logLik, corrected",
                res.llf, llf_kfas, 1e-10, 0)


# -- b: Clark (1989), Kim and Nelson's estimates ----------------------------

def clark_model():
    """Data and matrices as statsmodels' test_representation.py Clark1989
    sets them up (from clark1989.csv, which holds the same series)."""
    from statsmodels.tsa.statespace.tests.results import results_kalman_filter
    raw = np.genfromtxt(RESULTS + "/clark1989.csv", delimiter=",")[4:]
    x = np.column_stack([np.log(raw[:, 0]), raw[:, 1] / 100])
    (s_v, s_e, s_w, s_vl, s_ec, phi1, phi2, a1, a2, a3) = \
        results_kalman_filter.uc_bi["parameters"]
    # states: trend, cycle c_t, c_{t-1}, c_{t-2}, drift, unemployment trend
    A = np.zeros((6, 6))
    A[[0, 0, 1, 1, 2, 3, 4, 5], [0, 4, 1, 2, 1, 2, 4, 5]] = \
        [1, 1, phi1, phi2, 1, 1, 1, 1]
    C = np.array([[1.0, 1, 0, 0, 0, 0], [0, a1, a2, a3, 0, 1]])
    Q = np.diag([s_v ** 2, s_e ** 2, 0, 0, s_w ** 2, s_vl ** 2])
    R = np.diag([0.0, s_ec ** 2])                     # GDP exact: R = 0
    return x, A, C, Q, R


def clark_published_check(x, A, C, Q, R):
    """Reproduce statsmodels' TestClark1989PartialMissing (P0 = A 100 I A',
    a known prior standing in for a diffuse one, and the last 51
    unemployment values missing): its log-likelihood 1232.113456 and the
    predicted states of results_clark1989_R.csv; this checks that the data
    and matrices above are the published ones."""
    from statsmodels.tsa.statespace.kalman_filter import KalmanFilter
    xm = x.copy()
    xm[-51:, 1] = np.nan
    kf = KalmanFilter(k_endog=2, k_states=6)
    kf.bind(np.ascontiguousarray(xm))
    kf["design"], kf["obs_cov"], kf["transition"] = C, R, A
    kf["selection"], kf["state_cov"] = np.eye(6), Q
    kf.initialize_known(np.zeros(6), A @ (100 * np.eye(6)) @ A.T)
    res = kf.filter()
    check_close("Clark 1989 published log-likelihood", res.llf,
                1232.113456, 1e-9, 0)
    want = np.genfromtxt(RESULTS + "/results_clark1989_R.csv",
                         delimiter=",", skip_header=1)[:, 1:]
    check_close("Clark 1989 published predicted states",
                res.predicted_state.T[1:], want, 0, 1e-8)
    return res


def clark(out):
    x, A, C, Q, R = clark_model()
    published = clark_published_check(x, A, C, Q, R)
    cases = {}
    # every state diffuse, full data
    os.makedirs(out + "/all", exist_ok=True)
    mu0 = np.zeros(6)
    write_spec(out + "/all", A, C, Q, R, mu0, "diffuse")
    res = smooth(x, A, C, Q, R, Initialization(6, "diffuse"))
    write_results(out + "/all", x, A, C, res, np.eye(6))
    cases["all"] = res
    # the nonstationary states diffuse, the cycle from its stationary
    # distribution, the last 51 unemployment values missing
    from scipy.linalg import solve_discrete_lyapunov
    os.makedirs(out + "/mixed", exist_ok=True)
    xm = x.copy()
    xm[-51:, 1] = np.nan
    init = Initialization(6)
    init.set(0, "diffuse")
    init.set((1, 4), "stationary")
    init.set((4, 6), "diffuse")
    res = smooth(xm, A, C, Q, R, init)
    cyc = solve_discrete_lyapunov(A[1:4, 1:4], Q[1:4, 1:4])
    check_close("Clark 1989 stationary cycle covariance",
                cyc, res.initial_state_cov[1:4, 1:4], 1e-12, 1e-15)
    # the diffuse states' rows and columns of P0 are ignored: put
    # something there (P0 stays symmetric positive definite)
    P0 = np.eye(6) * 50 + 0.5
    P0[1:4, 1:4] = cyc
    mu0 = np.array([7.0, 0, 0, 0, 0.01, 0.05])
    write_spec(out + "/mixed", A, C, Q, R, mu0, P0, diffuse=[0, 4, 5])
    write_results(out + "/mixed", xm, A, C, res, np.diag([1.0, 0, 0, 0, 1, 1]))
    # How the published test relates (for the comment in the bats file):
    # the largest difference in filtered trend, cycle, drift between the
    # A 100 I A' prior and the exact diffuse one past the diffuse period.
    d = cases["all"].nobs_diffuse
    diff = np.abs(published.filtered_state - smooth(
        xm, A, C, Q, R, Initialization(6, "diffuse")).filtered_state)[:, d:]
    sys.stdout.write("clark: diffuse period %d records (all), %d (mixed); "
                     "P0 = A 100 I A' vs exact diffuse, same data: largest "
                     "filtered-state difference past it %.3g, at the end "
                     "%.3g\n" % (d, res.nobs_diffuse, diff.max(),
                                 diff[:, -1].max()))


# -- c: a random partly diffuse model ---------------------------------------

def random_model(out):
    rng = np.random.default_rng(5150)
    n, p, T = 4, 2, 60
    A = rng.normal(size=(n, n)) / np.sqrt(n)
    A *= 0.9 / max(abs(np.linalg.eigvals(A)))
    A[0] = [1.0, 0.5, 0, 0]      # states 0 and 1 nonstationary, as a
    A[1] = [0.0, 1.0, 0, 0]      # diffuse prior is for: a trend and slope
    C = rng.normal(size=(p, n))
    B = rng.normal(size=(n, n)) / np.sqrt(n)
    Q = B @ B.T * 0.2
    B = rng.normal(size=(p, p)) / np.sqrt(p)
    R = B @ B.T * 0.3 + 0.1 * np.eye(p)              # not diagonal
    mu0 = np.array([4.0, -2.0, 0.5, -0.3])           # 4 and -2 do not matter
    B = rng.normal(size=(2, 2))
    Pk = B @ B.T + 0.5 * np.eye(2)
    # P0: the known block for states 2, 3; the diffuse rows and columns
    # hold numbers the programs must ignore
    P0 = np.eye(n) * 3.0 + 0.2
    P0[2:, 2:] = Pk
    z = np.r_[rng.normal(size=2) * 10, rng.multivariate_normal(mu0[2:], Pk)]
    x = np.empty((T, p))
    for t in range(T):
        if t:
            z = A @ z + rng.multivariate_normal(np.zeros(n), Q)
        x[t] = C @ z + rng.multivariate_normal(np.zeros(p), R)
    x[rng.random((T, p)) < 0.20] = np.nan
    x[1] = np.nan                       # a missing record in the diffuse period
    write_spec(out, A, C, Q, R, mu0, P0, diffuse=[0, 1])
    init = Initialization(n)
    init.set((0, 2), "diffuse")
    init.set((2, 4), "known", constant=mu0[2:], stationary_cov=Pk)
    res = smooth(x, A, C, Q, R, init)
    write_results(out, x, A, C, res, np.diag([1.0, 1, 0, 0]))


# -- d: the limit P0 = P_* + kappa P_inf, kappa -> infinity -------------------

def dense_posterior(spec, x, kappas):
    """Smoothed means and variances of every state by conditioning the joint
    Gaussian of z_1..z_T and the observed values, P0 = P_* + kappa P_inf.

    The joint covariance is Sigma_* + kappa G G' (G: how the diffuse
    directions of z_1 reach every state); Sigma_yy is then badly conditioned
    (cond ~ kappa), and a plain solve loses about log10(kappa) digits, as
    much as the 1/kappa effect being measured at kappa = 1e8. So each
    posterior is computed by the same algebra in a stable order (Woodbury:
    the diffuse coordinates delta ~ N(0, kappa I) conditioned first):
      Lambda = Gy' S0^-1 Gy + I/kappa,  delta^ = Lambda^-1 Gy' S0^-1 (y - m_y)
      mean = m + K0 (y - m_y) + B delta^,  cov = Sigma_* - K0 Sigma_*yz
             + B Lambda^-1 B',  K0 = Sigma_*zy S0^-1,  B = G - K0 Gy
    and the plain solve is kept to check it at kappa = 1e4, where
    cond(Sigma_yy) is ~1e9 here (S0's alone ~3e5): they agree to ~1e-8, the
    plain solve's own rounding, so that check's tolerance is 1e-7. kappa =
    inf is the exact diffuse limit."""
    A, C = np.array(spec["A"]), np.array(spec["C"])
    Q, R = np.array(spec["Q"]), np.array(spec["R"])
    mu0, P0 = np.array(spec["mu0"]), np.array(spec["P0"], float)
    n, p, T = A.shape[0], C.shape[0], len(x)
    dif = np.zeros(n, bool)
    dif[spec["diffuse"]] = True
    Pstar = P0.copy()
    Pstar[dif, :] = 0
    Pstar[:, dif] = 0
    D = np.eye(n)[:, dif]                             # (n, d)
    # states: mean, Sigma_* blocks, G
    m = np.empty((T, n))
    S = np.zeros((T * n, T * n))
    G = np.empty((T * n, D.shape[1]))
    m[0], S[:n, :n], G[:n] = mu0, Pstar, D
    for t in range(1, T):
        r, q = slice(t * n, t * n + n), slice((t - 1) * n, t * n)
        m[t] = A @ m[t - 1]
        S[r, :t * n] = A @ S[q, :t * n]
        S[:t * n, r] = S[r, :t * n].T
        S[r, r] = A @ S[q, q] @ A.T + Q
        G[r] = A @ G[q]
    # observed values: y = H z + v
    obs = ~np.isnan(x)
    H = np.zeros((obs.sum(), T * n))
    Rv = np.zeros((obs.sum(), obs.sum()))
    k = 0
    for t in range(T):
        i = np.flatnonzero(obs[t])
        H[k:k + len(i), t * n:t * n + n] = C[i]
        Rv[k:k + len(i), k:k + len(i)] = R[np.ix_(i, i)]
        k += len(i)
    y, my = x[obs], H @ m.ravel()
    Szy = S @ H.T
    S0 = H @ Szy + Rv
    Gy = H @ G
    K0 = np.linalg.solve(S0, Szy.T).T
    B = G - K0 @ Gy
    W = np.linalg.solve(S0, Gy)
    base_mean = m.ravel() + K0 @ (y - my)
    base_var = np.diag(S) - np.einsum("ij,ij->i", K0, Szy)
    out = {}
    for kappa in kappas:
        Lam = Gy.T @ W + (0 if np.isinf(kappa) else 1 / kappa) * np.eye(D.shape[1])
        dhat = np.linalg.solve(Lam, W.T @ (y - my))
        mean = base_mean + B @ dhat
        var = base_var + np.einsum("ij,ij->i", B @ np.linalg.inv(Lam), B)
        out[kappa] = (mean.reshape(T, n), var.reshape(T, n))
    # the plain solve at kappa = 1e4, where it keeps ~12 digits
    kappa = 1e4
    Syy = S0 + kappa * Gy @ Gy.T
    Szy_k = Szy + kappa * G @ Gy.T
    pm = m.ravel() + Szy_k @ np.linalg.solve(Syy, y - my)
    pv = np.diag(S + kappa * G @ G.T) - np.einsum(
        "ij,ji->i", Szy_k, np.linalg.solve(Syy, Szy_k.T))
    if kappa in out:
        check_close("dense posterior: stable vs plain solve, means, kappa 1e4",
                    out[kappa][0].ravel(), pm, 1e-7, 1e-7)
        check_close("dense posterior: stable vs plain solve, variances, kappa 1e4",
                    out[kappa][1].ravel(), pv, 1e-7, 1e-7)
    return out


def read_states(path):
    """A kf-smooth CSV with header x..,var_x..: (means, variances)."""
    a = np.genfromtxt(path, delimiter=",", skip_header=1, ndmin=2)
    n = a.shape[1] // 2
    return a[:, :n], a[:, n:]


def limit(out, ours_path):
    """The limit check; prints the table, exits 1 if it fails."""
    spec = json.load(open(out + "/model.json"))
    x = np.genfromtxt(out + "/data.csv", delimiter=",", ndmin=2)
    kappas = [1e4, 1e6, 1e8, np.inf]
    post = dense_posterior(spec, x, kappas)
    ours = read_states(ours_path)
    sm = read_states(out + "/smoothed.csv")

    def err(a, b):
        """largest |a - b| / (1 + |b|) over means and variances"""
        return max(np.max(np.abs(a[i] - b[i]) / (1 + np.abs(b[i])))
                   for i in (0, 1))
    e = {k: err(ours, post[k]) for k in kappas}
    for k in kappas:
        sys.stdout.write("kappa %-5g: max |ours - dense| / (1 + |dense|) "
                         "= %.3g (means and variances)\n" % (k, e[k]))
    e_sm = err(sm, post[np.inf])
    sys.stdout.write("statsmodels vs the dense limit (kappa = inf): %.3g\n"
                     % e_sm)
    ok = True
    # the error shrinks like 1/kappa: each factor 100 in kappa divides it
    # by 100, give or take a factor 3
    for k in (1e4, 1e6):
        r = e[k] / e[k * 100]
        if not 100 / 3 <= r <= 100 * 3:
            sys.stdout.write("FAIL: error(%g) / error(%g) = %.3g, want about "
                             "100 (1/kappa)\n" % (k, k * 100, r))
            ok = False
    # at kappa = 1e8 the 1/kappa term is ~1e-8 here; 1e-6 leaves room for
    # a constant up to 100 times larger, and nothing more
    if not e[1e8] <= 1e-6:
        sys.stdout.write("FAIL: at kappa = 1e8 the error %.3g > 1e-6\n" % e[1e8])
        ok = False
    # the exact limit itself: to rounding (ours and statsmodels alike)
    if not e[np.inf] <= 1e-9 or not e_sm <= 1e-9:
        sys.stdout.write("FAIL: at kappa = inf, ours %.3g, statsmodels %.3g; "
                         "want <= 1e-9\n" % (e[np.inf], e_sm))
        ok = False
    sys.exit(0 if ok else 1)


# -- presets ------------------------------------------------------------------

def preset(out):
    x = kfas_model("local-level")[0]
    np.savetxt(out + "/data.csv", x, fmt="%.17g")
    A, C = np.eye(1), np.eye(1)
    Q, R = np.array([[8.253]]), np.array([[1.993]])
    for name, init in (("exact", Initialization(1, "diffuse")),
                       ("approx", Initialization(
                           1, "known", constant=[0.0],
                           stationary_cov=[[1e6]]))):
        res = smooth(x, A, C, Q, R, init)
        states_csv(out + "/%s.csv" % name, res.smoothed_state.T,
                   np.diagonal(res.smoothed_state_cov, axis1=0, axis2=1))
        open(out + "/%s_llf.txt" % name, "w").write("%.17g\n" % res.llf)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "kfas":
        kfas(sys.argv[2], sys.argv[3])
    elif cmd == "limit":
        limit(sys.argv[2], sys.argv[3])
    else:
        {"clark": clark, "random": random_model, "preset": preset}[cmd](
            sys.argv[2])
