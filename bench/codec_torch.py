"""vae-encode / vae-decode as a PyTorch user would run them, for
bench/codec: convnet_torch's module (tests/reference) loaded from a
kvae-model(5) file, eval(), inference mode, float32, batches of 32
frames (vae-encode's batch), OMP_NUM_THREADS threads.

  codec_torch.py encode MODEL   raw grey frames of the model's size on
        stdin (ffmpeg -f rawvideo -pix_fmt gray) -> float32 latent means
        on stdout
  codec_torch.py decode MODEL   float32 latents on stdin -> raw grey
        frames on stdout (for ffmpeg -f rawvideo -i -)"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "reference"))
import convnet_torch  # noqa: E402
import st_py  # noqa: E402

BATCH = 32


def main(what, model):
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    tensors, meta_all = st_py.load(model)
    meta = json.loads(meta_all["kvae"])
    C, S, L = meta["channels"], meta["frame_size"], meta["latent_dim"]
    net = convnet_torch.ConvNet(C, S, L, meta["filters"])
    net.load_state_dict({k: torch.from_numpy(v.astype(np.float32))
                         for k, v in tensors.items()
                         if k.startswith(("encoder.", "decoder."))
                         and k != "decoder.logvar"}, strict=True)
    net.eval()
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    D = C * S * S
    with torch.inference_mode():
        if what == "encode":
            while True:
                raw = inp.read(BATCH * D)
                if not raw:
                    break
                y = torch.from_numpy(np.frombuffer(raw, np.uint8)
                                     .astype(np.float32) / 127.5 - 1)
                mean, _ = net.encoder(y.view(-1, C, S, S))
                out.write(mean.numpy().tobytes())
        else:
            while True:
                raw = inp.read(BATCH * L * 4)
                if not raw:
                    break
                x = torch.from_numpy(np.frombuffer(raw, np.float32).copy())
                ym = net.decoder(x.view(-1, L))
                px = ((ym.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
                out.write(px.numpy().tobytes())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
