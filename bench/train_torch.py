"""One KVAE training step in PyTorch, as a PyTorch user would write it,
for bench/train: convnet_torch's ConvNet (tests/reference) in train()
mode, a per-pixel output log-variance, a reparameterised sample, the
LGSSM log-likelihood by a Kalman filter batched over sequences and
looped over time (diagonal Q, R, P0 as log standard deviations),
autograd through all of it, Adam (lr 0.007, global norm clipped at
150, as kvae-train's defaults), float32.

Usage: train_torch.py SIZE FILTERS LATENT STATE NSEQ T STEPS
Uses OMP_NUM_THREADS threads (torch.set_num_threads). One warm-up
step, then STEPS timed ones. Prints "ms_per_step PEAK_MIB" (peak
resident memory of the process, torch's import included)."""
import math
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "reference"))
from convnet_torch import ConvNet  # noqa: E402


def kalman_loglik(x, A, C, Q, R, mu0, P0):
    """log p(x) for x (B, T, L), summed over the batch."""
    B, T, L = x.shape
    mu = mu0.expand(B, -1)
    P = P0.expand(B, -1, -1)
    ll = x.new_zeros(())
    for t in range(T):
        S = C @ P @ C.T + R
        e = x[:, t] - mu @ C.T
        Lc = torch.linalg.cholesky(S)
        v = torch.cholesky_solve(e.unsqueeze(-1), Lc)
        ll = ll - 0.5 * (B * L * math.log(2 * math.pi)
                         + 2 * torch.log(torch.diagonal(Lc, dim1=-2,
                                                        dim2=-1)).sum()
                         + (e.unsqueeze(1) @ v).sum())
        PCt = P @ C.T
        K = torch.cholesky_solve(PCt.transpose(-1, -2), Lc).transpose(-1, -2)
        mu = mu + (K @ e.unsqueeze(-1)).squeeze(-1)
        P = P - K @ PCt.transpose(-1, -2)
        mu = mu @ A.T
        P = A @ P @ A.T + Q
    return ll


def main(S, filters, L, n, nseq, T, steps):
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(1)
    net = ConvNet(1, S, L, filters)
    net.train()
    out_logvar = torch.nn.Parameter(torch.zeros(1, S, S))
    A = torch.nn.Parameter(torch.eye(n) + torch.empty(n, n).uniform_(-.05, .05))
    Cm = torch.nn.Parameter(torch.empty(L, n).uniform_(-n ** -.5, n ** -.5))
    mu0 = torch.nn.Parameter(torch.zeros(n))
    q_ls = torch.nn.Parameter(torch.full((n,), math.log(0.1)))
    r_ls = torch.nn.Parameter(torch.full((L,), math.log(0.3)))
    p0_ls = torch.nn.Parameter(torch.zeros(n))
    params = list(net.parameters()) + [out_logvar, A, Cm, mu0, q_ls, r_ls,
                                       p0_ls]
    opt = torch.optim.Adam(params, lr=0.007)
    N = nseq * T
    y = torch.rand(N, 1, S, S) * 2 - 1

    def step():
        opt.zero_grad()
        mean, lv = net.encoder(y)
        eps = torch.randn_like(mean)
        x = mean + torch.exp(lv / 2) * eps
        ym = net.decoder(x)
        nll = 0.5 * (math.log(2 * math.pi) + out_logvar
                     + (y - ym) ** 2 / torch.exp(out_logvar)).sum()
        log_q = -0.5 * (math.log(2 * math.pi) + lv + eps ** 2).sum()
        ll = kalman_loglik(x.view(nseq, T, L), A, Cm,
                           torch.diag(torch.exp(2 * q_ls)),
                           torch.diag(torch.exp(2 * r_ls)), mu0,
                           torch.diag(torch.exp(2 * p0_ls)))
        loss = (nll + log_q - ll) / N
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 150)
        opt.step()
        return loss.item()

    step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    t1 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("%.1f %.0f" % ((t1 - t0) * 1e3 / steps, peak))


if __name__ == "__main__":
    a = sys.argv[1:]
    main(int(a[0]), [int(f) for f in a[1].split(",")], int(a[2]), int(a[3]),
         int(a[4]), int(a[5]), int(a[6]))
