"""PyTorch reference for the convolutional encoder/decoder (conv_net.h).

  convnet_torch.py make REF C S L F0,F1,.. [REF C S L F0,F1,.. ...]
        for each configuration: build the module with random weights and
        perturbed batch-norm statistics, run a training-mode
        encode/decode forward and backward for fixed upstream gradients,
        then the same in evaluation mode, and save parameters, inputs,
        outputs, gradients and the updated running statistics (several
        configurations in one run: torch's import is the slow part)
  convnet_torch.py verify REF OURS INIT    compare the C side's results
        (OURS, written by convnet-check) with PyTorch's (REF), and load
        the C side's initialisation (INIT) with strict=True
"""
import sys

import numpy as np
import torch
from torch import nn

import st_py

SLOPE = 0.2


class Encoder(nn.Module):
    def __init__(self, C, S, L, filters):
        super().__init__()
        k, cin = len(filters), C
        for i, f in enumerate(filters):
            setattr(self, f"conv{i}", nn.Conv2d(cin, f, 3, 2, 1, bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm2d(f))
            cin = f
        F = filters[-1] * (S >> k) ** 2
        self.k = k
        self.mean = nn.Linear(F, L)
        self.logvar = nn.Linear(F, L)

    def forward(self, y):
        h = y
        for i in range(self.k):
            h = getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(h))
            h = nn.functional.leaky_relu(h, SLOPE)
        h = h.flatten(1)
        return self.mean(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, C, S, L, filters):
        super().__init__()
        k = len(filters)
        self.k, self.s, self.f_top = k, S >> k, filters[-1]
        self.fc = nn.Linear(L, filters[-1] * self.s ** 2)
        cin = filters[-1]
        for j in range(k):
            c = filters[0] if j == k - 1 else filters[k - 2 - j]
            setattr(self, f"conv{j}", nn.Conv2d(cin, 4 * c, 3, 1, 1,
                                                bias=False))
            setattr(self, f"bn{j}", nn.BatchNorm2d(4 * c))
            cin = c
        self.shuffle = nn.PixelShuffle(2)
        self.out = nn.Conv2d(filters[0], C, 1)

    def forward(self, x):
        h = self.fc(x).view(-1, self.f_top, self.s, self.s)
        for j in range(self.k):
            h = getattr(self, f"bn{j}")(getattr(self, f"conv{j}")(h))
            h = self.shuffle(nn.functional.leaky_relu(h, SLOPE))
        return self.out(h)


class ConvNet(nn.Module):
    def __init__(self, C, S, L, filters):
        super().__init__()
        self.encoder = Encoder(C, S, L, filters)
        self.decoder = Decoder(C, S, L, filters)


def config(meta):
    return (int(meta["channels"]), int(meta["size"]), int(meta["latent"]),
            [int(f) for f in meta["filters"].split(",")])


def state(net):
    return {k: v.detach().float().numpy().copy()
            for k, v in net.state_dict().items()}


def step(net, mode, t):
    """Forward and backward in mode ("train"/"eval"): loss = <dmean,
    mean> + <dlogvar, logvar> + <dymean, ymean>, so the upstream
    gradients are exactly the saved ones."""
    net.train(mode == "train")
    net.zero_grad()
    y = torch.nan_to_num(t["y"], nan=0.0)
    x = t["x"].clone().requires_grad_(True)
    mean, logvar = net.encoder(y)
    ymean = net.decoder(x)
    loss = ((t["dmean"] * mean).sum() + (t["dlogvar"] * logvar).sum() +
            (t["dymean"] * ymean).sum())
    loss.backward()
    out = {f"{mode}.mean": mean, f"{mode}.logvar": logvar,
           f"{mode}.ymean": ymean, f"{mode}.dx": x.grad}
    out = {k: v.detach().numpy().copy() for k, v in out.items()}
    for k, p in net.named_parameters():
        out[f"{mode}.grad.{k}"] = p.grad.numpy().copy()
    for k, v in state(net).items():
        if ".bn" in k and "running" in k or "num_batches" in k:
            out[f"{mode}.after.{k}"] = v
    return out


def make(path, C, S, L, filters):
    torch.manual_seed(20 + C + S)
    net = ConvNet(C, S, L, [int(f) for f in filters.split(",")])
    with torch.no_grad():
        for name, m in net.named_modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.6, 1.4)
                m.num_batches_tracked.fill_(3)
    B = 5
    y = torch.rand(B, C, S, S)
    y[0, 0, 1, 2] = float("nan")
    y[3, C - 1, S - 1, 0] = float("nan")
    t = {"y": y, "x": torch.randn(B, L), "dmean": torch.randn(B, L),
         "dlogvar": torch.randn(B, L), "dymean": torch.randn(B, C, S, S)}
    out = state(net)
    out.update({"in." + k: v.numpy() for k, v in t.items()})
    out.update(step(net, "train", t))
    out.update(step(net, "eval", t))
    st_py.save(path, out, {"channels": C, "size": S, "latent": L,
                           "filters": filters, "batch": B})
    print(f"convnet_torch.py: wrote {len(out)} tensors")


def verify(ref_path, ours_path, init_path):
    ref, meta = st_py.load(ref_path)
    ours, _ = st_py.load(ours_path)
    bad, worst = 0, 0.0
    for name in sorted(k for k in ref if k.startswith(("train.", "eval."))):
        want, have = ref[name].astype(np.float64), ours.get(name)
        if have is None:
            print(f"MISMATCH: {name}: missing from the C side's file")
            bad += 1
            continue
        scale = max(np.max(np.abs(want)), 1e-3)
        err = np.max(np.abs(have - want)) / scale
        ok = have.shape == want.shape and err <= 1e-4
        worst = max(worst, err)
        bad += not ok
        print(f"{'ok' if ok else 'MISMATCH'}: {name}: max |diff| / max |want|"
              f" {err:.2g} (max |want| {scale:.3g})")
    C, S, L, filters = config(meta)
    net = ConvNet(C, S, L, filters)
    init, _ = st_py.load(init_path)
    net.load_state_dict({k: torch.from_numpy(v.copy())
                         for k, v in init.items()}, strict=True)
    sd = net.state_dict()
    nbt = [k for k in sd if k.endswith("num_batches_tracked")]
    good = (all(sd[k].dtype == torch.int64 and sd[k].shape == () and
                sd[k].item() == 0 for k in nbt) and
            all(np.all(sd[k].numpy() == 1) for k in sd
                if k.endswith("running_var")) and
            all(np.all(sd[k].numpy() == 0) for k in sd
                if k.endswith("running_mean")))
    for k, v in sd.items():
        if v.dim() >= 2 or ("bn" not in k and k.endswith("bias")):
            w = sd[k.replace(".bias", ".weight")]
            bound = 1 / np.sqrt(w[0].numel())
            good = good and float(v.abs().max()) <= bound
    bad += not good
    print(f"{'ok' if good else 'MISMATCH'}: init loads with strict=True "
          f"({len(sd)} tensors, {len(nbt)} int64 num_batches_tracked, "
          "weights within 1/sqrt(fan_in), batch norm at its defaults)")
    print(f"worst relative difference {worst:.2g}")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        a = sys.argv[2:]
        for i in range(0, len(a) - 4, 5):
            make(a[i], int(a[i + 1]), int(a[i + 2]), int(a[i + 3]), a[i + 4])
    else:
        sys.exit(verify(sys.argv[2], sys.argv[3], sys.argv[4]))
