"""vae-encode and vae-decode of a model of frames against PyTorch.

Usage: vae_frames_torch.py MODEL FRAMES LATENTS DECODED

MODEL is a kvae-model(5) file of input "image"; FRAMES the video's frames
as ffmpeg -vf scale=S:S:flags=area,format=gray -f rawvideo writes them
(rgb24 for colour); LATENTS what vae-encode wrote for that video (CSV);
DECODED what vae-decode -f csv wrote for LATENTS (records of C S S values
in [-1, 1]). Builds convnet_torch's module from the file's metadata, loads
the tensors with strict=True, switches to eval() (running statistics), and
compares in float64. Exits 1 past the tolerance."""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convnet_torch  # noqa: E402
import st_py  # noqa: E402


def read_csv(path):
    rows = [line for line in open(path) if line.strip() and
            not line[0].isalpha() and not line.startswith("#")]
    return np.array([[float(v) for v in r.split(",")] for r in rows])


def main(model, frames, latents, decoded):
    tensors, meta_all = st_py.load(model)
    meta = json.loads(meta_all["kvae"])
    C, S, L = meta["channels"], meta["frame_size"], meta["latent_dim"]
    net = convnet_torch.ConvNet(C, S, L, meta["filters"]).double()
    net.load_state_dict({k: torch.tensor(v.astype(np.float64))
                         for k, v in tensors.items()
                         if k.startswith(("encoder.", "decoder."))
                         and k != "decoder.logvar"}, strict=True)
    net.eval()
    raw = np.fromfile(frames, np.uint8).reshape(-1, S, S, C)
    y = torch.tensor(raw.transpose(0, 3, 1, 2) / 127.5 - 1)
    z = read_csv(latents)
    rec = read_csv(decoded)
    with torch.no_grad():
        mean, _ = net.encoder(y)
        out = net.decoder(torch.tensor(z)).reshape(len(z), -1).numpy()
    mean = mean.numpy()
    e_enc = np.abs(z - mean).max() / np.abs(mean).max()
    e_dec = np.abs(rec - out).max() / np.abs(out).max()
    print("frames %d: encoder means max |C - torch| / max |torch| = %.2g; "
          "decoder means %.2g (tolerance 1e-4)" % (len(y), e_enc, e_dec))
    return 0 if len(z) == len(y) and e_enc < 1e-4 and e_dec < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
