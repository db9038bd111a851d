"""PyTorch reference for the nn layers (llm.c's test_gpt2 pattern).

  nn_torch.py make REF      build a small network with fixed weights and
                            input, run one training-mode forward/backward
                            and an evaluation forward, save everything
  nn_torch.py verify REF C  check a file the C side wrote (its outputs and
                            gradients) against PyTorch's, with PyTorch
                            loading the C-written parameters by name
"""
import sys

import numpy as np
import torch
from torch import nn

import st_py


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 12, 3, stride=2, padding=1)
        self.shuffle = nn.PixelShuffle(2)
        self.fc1 = nn.Linear(108, 16)
        self.bn2 = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        acts = {}
        acts["a1"] = self.conv1(x)
        acts["b1"] = self.bn1(acts["a1"])
        acts["h1"] = nn.functional.leaky_relu(acts["b1"], 0.2)
        acts["a2"] = self.conv2(acts["h1"])
        acts["s"] = self.shuffle(acts["a2"])
        acts["d1"] = self.fc1(acts["s"].flatten(1))
        acts["b2"] = self.bn2(acts["d1"])
        acts["h2"] = torch.tanh(acts["b2"])
        acts["d2"] = self.fc2(acts["h2"])
        acts["y"] = torch.sigmoid(acts["d2"])
        return acts


def state(net):
    return {k: v.detach().numpy().copy() for k, v in net.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def run(net, x, target):
    """One training forward/backward, then an evaluation forward."""
    x = x.clone().requires_grad_(True)
    net.train()
    acts = net(x)
    loss = ((acts["y"] - target) ** 2).mean()
    loss.backward()
    net.eval()
    with torch.no_grad():
        y_eval = net(x)["y"]
    return acts, loss, x.grad, y_eval


def make(path):
    torch.manual_seed(1234)
    net = Net()
    with torch.no_grad():   # non-trivial batch-norm affine parameters
        for bn in (net.bn1, net.bn2):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.uniform_(-0.1, 0.1)
            bn.running_var.uniform_(0.8, 1.2)
    x = torch.randn(4, 3, 6, 6)
    target = torch.rand(4, 5)
    out = {"net." + k: v for k, v in state(net).items()}
    acts, loss, xgrad, y_eval = run(net, x, target)
    out["x"] = x.numpy()
    out["target"] = target.numpy()
    for k, v in acts.items():
        out["act." + k] = v.detach().numpy()
    out["loss"] = np.array(loss.item(), dtype=np.float32)
    out["grad.x"] = xgrad.numpy()
    for k, p in net.named_parameters():
        out["grad.net." + k] = p.grad.numpy()
    for k, v in state(net).items():
        if "running" in k:
            out["after.net." + k] = v
    out["y_eval"] = y_eval.numpy()
    st_py.save(path, out, {"producer": "nn_torch.py", "torch": torch.__version__})
    print(f"nn_torch.py: wrote {len(out)} tensors, loss {loss.item():.6f}")


def verify(ref_path, c_path):
    """The C side's file, read here: torch loads its parameters by name
    (conv OIHW, linear (out, in)), and its results match torch's."""
    ref, _ = st_py.load(ref_path)
    got, meta = st_py.load(c_path)
    net = Net()
    res = net.load_state_dict({k[4:]: torch.from_numpy(v.copy())
                               for k, v in got.items() if k.startswith("net.")},
                              strict=False)
    # Only PyTorch's int64 batch counters may be absent.
    assert not res.unexpected_keys, res.unexpected_keys
    assert all(k.endswith("num_batches_tracked") for k in res.missing_keys), \
        res.missing_keys
    acts, loss, xgrad, y_eval = run(net, torch.from_numpy(ref["x"].copy()),
                                    torch.from_numpy(ref["target"].copy()))
    bad = 0
    checks = [("y", acts["y"].detach().numpy(), got["y"]),
              ("loss", np.float32(loss.item()), got["loss"]),
              ("grad.x", xgrad.numpy(), got["grad.x"])]
    checks += [("grad.net." + k, p.grad.numpy(), got["grad.net." + k])
               for k, p in net.named_parameters()]
    for name, want, have in checks:
        err = np.max(np.abs(np.asarray(want) - have))
        ok = np.allclose(have, want, rtol=1e-4, atol=1e-5)
        bad += not ok
        print(f"{'ok' if ok else 'MISMATCH'}: {name}: max |diff| {err:.3g}")
    print(f"metadata from C: {meta}")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(verify(sys.argv[2], sys.argv[3]))
