"""The safetensors file format, read and written with numpy alone (no safetensors package).

A file is an 8-byte little-endian header length N, N bytes of JSON, then the tensors' raw
little-endian bytes. The JSON maps each tensor's name to its dtype, shape and [begin, end)
byte offsets into the data that follows, plus an optional "__metadata__" dict of strings.
The app writes and reads the same layout (src/features/run-archive/shared/safetensors.ts).
"""

import json
import struct

import numpy as np
import torch

# safetensors dtype -> (numpy dtype, little-endian)
_NUMPY = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "I32": np.dtype("<i4"), "F64": np.dtype("<f8")}
_NAMES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("int32"): "I32", np.dtype("float64"): "F64"}


def read_safetensors(path):
    """Returns ({name: torch.Tensor}, {metadata key: str}); checks offsets and sizes."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short to be a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: the header length {n} runs past the end of the file")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    spans = []
    for name, entry in header.items():
        dtype = _NUMPY.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: {name} has dtype {entry['dtype']}, not one of {sorted(_NUMPY)}")
        begin, end = entry["data_offsets"]
        shape = [int(d) for d in entry["shape"]]
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * dtype.itemsize or base + end > len(data):
            raise ValueError(f"{path}: {name} has {end - begin} bytes for shape {shape} {entry['dtype']}")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=base + begin).reshape(shape)
        tensors[name] = torch.from_numpy(array.astype(dtype.newbyteorder("="), copy=True))
        spans.append((begin, end))
    spans.sort()
    at = 0
    for begin, end in spans:
        if begin != at:
            raise ValueError(f"{path}: the tensors overlap or leave a gap at byte {at}")
        at = end
    if base + at != len(data):
        raise ValueError(f"{path}: {len(data) - base - at} bytes after the last tensor")
    return tensors, dict(metadata)


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (in that order, back to back) with string metadata."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name, tensor in tensors.items():
        array = tensor.detach().cpu().contiguous().numpy()
        dtype = _NAMES.get(array.dtype)
        if dtype is None:
            raise ValueError(f"{name}: cannot write dtype {array.dtype}")
        raw = array.astype(_NUMPY[dtype], copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # tensors start 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
