"""Minimal safetensors reader/writer from the published format, with only
json, struct and numpy (Debian 12 has no python3-safetensors).

File: u64 little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
{str: str}}, then the little-endian byte buffer."""
import json
import struct

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8",
          "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}


def save(path, tensors, metadata=None):
    header, blobs, pos = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, arr in tensors.items():
        shape = list(np.shape(arr))    # () for a scalar, which
        arr = np.ascontiguousarray(arr)  # ascontiguousarray makes (1,)
        code = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32"}[arr.dtype]
        raw = arr.tobytes()
        header[name] = {"dtype": code, "shape": shape,
                        "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    out, spans = {}, []
    for name, t in header.items():
        b, e = t["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype=DTYPES[t["dtype"]])
        out[name] = arr.reshape(t["shape"])
        spans.append((b, e))
    spans.sort()
    pos = 0
    for b, e in spans:
        assert b == pos, "tensors not contiguous"
        pos = e
    assert pos == len(data), "tensors do not cover the buffer"
    return out, meta
