"""The KVAE objective and every gradient, C (kvae-grad, Fisher's identity
for the LGSSM) against PyTorch autograd in float64 (backpropagation
through a plain Kalman filter), on a model file written by kvae-train.
A model of frames is built as convnet_torch's nn.Module from the file's
metadata, loaded with strict=True and run in training mode (batch
statistics), as kvae-train's step runs it.

Usage: kvae_torch.py MODEL WORKDIR [FRAMES]. FRAMES (raw 8-bit frames
of the model's size, as ffmpeg -f rawvideo writes them) are the records
of a model of frames; random ones are used without it. Prints the worst
relative difference per tensor; exits 1 if any exceeds the tolerance."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_py  # noqa: E402

ACT = {"tanh": torch.tanh, "relu": torch.relu,
       "leaky_relu": lambda v: torch.nn.functional.leaky_relu(v, 0.01)}


def kalman_loglik(x, A, C, Q, R, mu0, P0):
    """log p(x_1:T) by the prediction-error decomposition."""
    L = C.shape[0]
    mu, P, ll = mu0, P0, 0.0
    for t in range(x.shape[0]):
        S = C @ P @ C.T + R
        e = x[t] - C @ mu
        Si = torch.linalg.inv(S)
        ll = ll - 0.5 * (L * math.log(2 * math.pi) + torch.logdet(S)
                         + e @ Si @ e)
        K = P @ C.T @ Si
        mu = mu + K @ e
        P = P - K @ C @ P
        P = 0.5 * (P + P.T)
        mu = A @ mu
        P = A @ P @ A.T + Q
    return ll


def dense_net(p, meta):
    """Encoder and decoder of a vector model from the tensors p."""
    act = ACT[meta["activation"]]
    nh = len(meta["hidden"])

    def encode(y):
        h = torch.nan_to_num(y, nan=0.0)
        for i in range(nh):
            h = act(h @ p["encoder.fc%d.weight" % i].T
                    + p["encoder.fc%d.bias" % i])
        return (h @ p["encoder.mean.weight"].T + p["encoder.mean.bias"],
                h @ p["encoder.logvar.weight"].T + p["encoder.logvar.bias"])

    def decode(x):
        h = x
        for i in range(nh):
            h = act(h @ p["decoder.fc%d.weight" % i].T
                    + p["decoder.fc%d.bias" % i])
        return h @ p["decoder.mean.weight"].T + p["decoder.mean.bias"]
    return encode, decode


def conv_net(p, meta):
    """Encoder and decoder of a model of frames: convnet_torch's module
    holding the tensors p (as parameters, so their .grad fill), in
    training mode."""
    import convnet_torch
    C, S, L = meta["channels"], meta["frame_size"], meta["latent_dim"]
    net = convnet_torch.ConvNet(C, S, L, meta["filters"]).double()
    state = {k: v for k, v in p.items()
             if k.startswith(("encoder.", "decoder.")) and k != "decoder.logvar"}
    net.load_state_dict({k: v.detach() for k, v in state.items()}, strict=True)
    for name, prm in net.named_parameters():
        p[name] = prm       # gradients land on the module's parameters
    net.train()

    def encode(y):
        return net.encoder(torch.nan_to_num(y, nan=0.0).view(-1, C, S, S))

    def decode(x):
        return net.decoder(x).reshape(x.shape[0], -1)
    return encode, decode


def objective(p, meta, y, T, eps, dynamics, w_rec, beta):
    encode, decode = (conv_net if meta["input"] == "image" else dense_net)(
        p, meta)
    mean, lv = encode(y)
    K, N = eps.shape[0], y.shape[0]
    obs = ~torch.isnan(y)
    yz = torch.nan_to_num(y, nan=0.0)
    olv = p["decoder.logvar"].reshape(-1)
    nll = prior = loglik = 0.0
    for k in range(K):
        x = mean + torch.exp(lv / 2) * eps[k]
        ym = decode(x)
        e = 0.5 * (math.log(2 * math.pi) + olv + (yz - ym) ** 2 / torch.exp(olv))
        nll = nll + (e * obs).sum()
        if dynamics:
            prior = prior - 0.5 * (math.log(2 * math.pi) + lv + eps[k] ** 2).sum()
            Q = torch.diag(torch.exp(2 * p["lgssm.Q_log_std"]))
            R = torch.diag(torch.exp(2 * p["lgssm.R_log_std"]))
            P0 = torch.diag(torch.exp(2 * p["lgssm.P0_log_std"]))
            off = 0
            for t in T:
                ll = kalman_loglik(x[off:off + t], p["lgssm.A"], p["lgssm.C"],
                                   Q, R, p["lgssm.mu0"], P0)
                prior = prior - ll
                loglik = loglik + ll
                off += t
    nll, prior, loglik = nll / K, prior / K, loglik / K
    if not dynamics:
        prior = 0.5 * (torch.exp(lv) + mean ** 2 - 1 - lv).sum()
    return (w_rec * nll + beta * prior) / N, nll, prior, loglik


def records(meta, frames, N, g):
    """N records for the model: frames scaled to [-1, 1], or random."""
    if meta["input"] != "image":
        y = g.normal(0, 1, (N, meta["input_dim"])).astype(np.float32)
        y[2, 1] = np.nan
        y[7, :] = np.nan
        return y
    D = meta["channels"] * meta["frame_size"] ** 2
    if frames is None:
        return g.uniform(-1, 1, (N, D)).astype(np.float32)
    raw = np.fromfile(frames, np.uint8).reshape(-1, D)[:N]
    if meta["channels"] == 3:   # rawvideo rgb24 is packed; the model planar
        S = meta["frame_size"]
        raw = raw.reshape(-1, S, S, 3).transpose(0, 3, 1, 2).reshape(-1, D)
    return (raw.astype(np.float32) / np.float32(127.5) - 1).astype(np.float32)


def main(model, work, frames=None):
    tensors, meta_all = st_py.load(model)
    meta = json.loads(meta_all["kvae"])
    L = meta["latent_dim"]
    g = np.random.default_rng(5)
    T = [6, 4, 5]
    N = sum(T)
    y = records(meta, frames, N, g)
    eps = g.normal(0, 1, (2, N, L)).astype(np.float32)
    inp = os.path.join(work, "in.st")
    st_py.save(inp, {"y": y, "T": np.array(T, dtype=np.float64), "eps": eps})
    worst_all = 0.0
    for dynamics, w_rec, beta in ((1, 1.3, 0.7), (0, 0.9, 1.2)):
        out = os.path.join(work, "out%d.st" % dynamics)
        subprocess.run(["kvae-grad", model, inp, out, str(dynamics),
                        str(w_rec), str(beta), "train"], check=True)
        got, _ = st_py.load(out)
        p = {k: torch.tensor(v.astype(np.float64), requires_grad=True)
             for k, v in tensors.items()}
        loss, nll, prior, loglik = objective(
            p, meta, torch.tensor(y, dtype=torch.float64), T,
            torch.tensor(eps, dtype=torch.float64), dynamics, w_rec, beta)
        loss.backward()
        name = "LGSSM prior" if dynamics else "N(0,I) prior"
        rl = abs(float(got["loss"]) - loss.item()) / abs(loss.item())
        print("%s: loss C %.9g torch %.9g (rel %.2g); log p_gamma C %.9g "
              "torch %.9g" % (name, float(got["loss"]), loss.item(), rl,
                              got["terms"][2], float(loglik)))
        worst_all = max(worst_all, rl)
        if dynamics:
            worst_all = max(worst_all, abs(got["terms"][2] - float(loglik))
                            / abs(float(loglik)))
        for key in sorted(k for k in got if k.startswith("grad.")):
            gr = p[key[5:]].grad  # None: unused (LGSSM without dynamics)
            if key == "grad.decoder.logvar":
                gr = gr.reshape(got[key].shape)
            want = gr.numpy() if gr is not None else np.zeros(got[key].shape)
            have = got[key].astype(np.float64)
            scale = np.abs(want).max() + 1e-8
            err = np.abs(have - want).max() / scale
            worst_all = max(worst_all, err)
            print("  %-28s max |C - torch| / max |torch| = %.2g" % (key[5:], err))
    tol = 1e-4
    print("worst %.2g, tolerance %g" % (worst_all, tol))
    return 0 if worst_all <= tol else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
