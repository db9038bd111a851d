"""PyTorch reference for vae-encode / vae-decode: build a vector VAE in
PyTorch with kvae-model(5)'s tensor names, export it as a model file
(safetensors written with st_py, "kvae" metadata), and compute what the
tools must print for the records and latents it also writes.

  vae_torch.py DIR      writes DIR/model.kvae, DIR/records.csv,
                        DIR/latents.csv, DIR/want-encode.csv (means and
                        variances), DIR/want-decode.csv (means, variances)
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn

import st_py

D, L, HIDDEN = 5, 3, [7, 4]


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        sizes = [D] + HIDDEN
        for i in range(len(HIDDEN)):
            setattr(self, f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))
        self.mean = nn.Linear(sizes[-1], L)
        self.logvar = nn.Linear(sizes[-1], L)

    def forward(self, y):
        h = y
        for i in range(len(HIDDEN)):
            h = torch.tanh(getattr(self, f"fc{i}")(h))
        return self.mean(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        sizes = [L] + HIDDEN[::-1]
        for i in range(len(HIDDEN)):
            setattr(self, f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))
        self.mean = nn.Linear(sizes[-1], D)
        self.logvar = nn.Parameter(0.3 * torch.randn(D))

    def forward(self, x):
        h = x
        for i in range(len(HIDDEN)):
            h = torch.tanh(getattr(self, f"fc{i}")(h))
        return self.mean(h)


def csv(path, rows_by_seq, header=None):
    with open(path, "w") as f:
        if header:
            f.write(",".join(header) + "\n")
        for k, rows in enumerate(rows_by_seq):
            if k:
                f.write("\n")
            for r in rows:
                f.write(",".join("nan" if math.isnan(v) else repr(float(v))
                                 for v in r) + "\n")


def main(out):
    torch.manual_seed(5)
    enc, dec = Encoder(), Decoder()
    rng = np.random.default_rng(5)
    mu, sd = rng.normal(size=D), rng.uniform(0.5, 3.0, size=D)
    tensors = {f"encoder.{k}": v.detach().numpy()
               for k, v in enc.state_dict().items()}
    tensors.update({f"decoder.{k}": v.detach().numpy()
                    for k, v in dec.state_dict().items()})
    meta = {"format": "kvae-model", "version": 1, "input": "vector",
            "input_dim": D, "latent_dim": L, "hidden": HIDDEN,
            "activation": "tanh",
            "normalization": {"mean": mu.tolist(), "std": sd.tolist()}}
    st_py.save(os.path.join(out, "model.kvae"), tensors,
               {"kvae": json.dumps(meta)})

    # Records: two sequences, one value missing, one record all missing.
    recs = [mu + sd * rng.normal(size=(6, D)), mu + sd * rng.normal(size=(4, D))]
    recs[0][2, 1] = np.nan
    recs[1][1, :] = np.nan
    csv(os.path.join(out, "records.csv"), recs)
    want = []
    for seq in recs:
        rows = []
        for r in seq:
            if np.all(np.isnan(r)):
                rows.append([np.nan] * (2 * L))
                continue
            y = np.nan_to_num((r - mu) / sd, nan=0.0)
            m, lv = enc(torch.tensor(y, dtype=torch.float32)[None])
            rows.append(list(m[0].detach().numpy()) +
                        list(np.exp(lv[0].detach().numpy().astype(np.float64))))
        want.append(rows)
    csv(os.path.join(out, "want-encode.csv"), want,
        [f"z{i + 1}" for i in range(L)] + [f"var_z{i + 1}" for i in range(L)])

    lat = [rng.normal(size=(5, L))]
    lat[0][3, 0] = np.nan
    csv(os.path.join(out, "latents.csv"), lat)
    var = np.exp(dec.logvar.detach().numpy().astype(np.float64)) * sd ** 2
    rows = []
    for x in lat[0]:
        if np.any(np.isnan(x)):
            rows.append([np.nan] * (2 * D))
            continue
        m = dec(torch.tensor(x, dtype=torch.float32)[None])[0].detach().numpy()
        rows.append(list(m * sd + mu) + list(var))
    csv(os.path.join(out, "want-decode.csv"), [rows],
        [f"x{i + 1}" for i in range(D)] + [f"var_x{i + 1}" for i in range(D)])


if __name__ == "__main__":
    main(sys.argv[1])
