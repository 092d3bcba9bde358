"""Minimal safetensors reader/writer (numpy only; no `safetensors` package needed).

File layout:
    8 bytes   little-endian u64 N = header length
    N bytes   UTF-8 JSON header, padded with spaces so that N % 8 == 0:
              {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
               "__metadata__": {"key": "value", ...}}      (metadata values are strings)
    data      raw little-endian tensor bytes; offsets are relative to the start of this
              section. Tensors are written in sorted name order, back to back.

Supported dtypes: F32, F16, BF16, I32, I64.
BF16 is the top 16 bits of the float32 bit pattern, rounded to nearest-even.

API:
    save_file(tensors, path, metadata=None, dtypes=None)
        tensors:  {name: numpy array or torch tensor}
        dtypes:   optional {name: "F32" | "F16" | "BF16" | "I32" | "I64"} to convert on write
                  (default: derived from the array dtype; float64 -> F32, bool -> I32)
    load_file(path, bf16_as="f32") -> (tensors, metadata)
        tensors:  {name: numpy array}; BF16 tensors are widened to float32
                  (bf16_as="bits" returns the raw uint16 bit patterns instead)
    read_header(path) -> (header_dict_without_metadata, metadata)
    f32_to_bf16_bits(a) / bf16_bits_to_f32(bits) / round_to_bf16(a)
"""

import json
import struct

import numpy as np

_NP_OF = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "BF16": np.dtype("<u2"),  # stored as raw bit patterns
}


def f32_to_bf16_bits(a):
    """float32 array -> uint16 bf16 bit patterns, round-to-nearest-even (NaN stays NaN)."""
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32))
    bits = a.view(np.uint32).astype(np.uint64)
    rounding_bias = np.uint64(0x7FFF) + ((bits >> np.uint64(16)) & np.uint64(1))
    out = ((bits + rounding_bias) >> np.uint64(16)).astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        out[nan] = ((bits[nan] >> np.uint64(16)) | np.uint64(0x0040)).astype(np.uint16)
    return out


def bf16_bits_to_f32(bits):
    bits = np.asarray(bits, dtype=np.uint16)
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)


def round_to_bf16(a):
    """float32 array rounded to the nearest bf16 value, returned as float32."""
    return bf16_bits_to_f32(f32_to_bf16_bits(a))


def _to_numpy(t):
    if hasattr(t, "detach"):  # torch tensor
        t = t.detach().cpu().contiguous().numpy()
    return np.asarray(t)


def _default_dtype(a):
    if a.dtype == np.float32 or a.dtype == np.float64:
        return "F32"
    if a.dtype == np.float16:
        return "F16"
    if a.dtype == np.int32 or a.dtype == np.bool_:
        return "I32"
    if a.dtype == np.int64:
        return "I64"
    raise TypeError(f"unsupported numpy dtype {a.dtype}")


def _encode(a, dtype):
    if dtype == "BF16":
        if a.dtype == np.uint16:  # already bit patterns
            return np.ascontiguousarray(a, dtype="<u2")
        return f32_to_bf16_bits(a.astype(np.float32))
    if dtype in ("I32", "I64"):
        if a.dtype.kind == "f":
            raise TypeError("refusing to write a float array as an integer dtype")
        info = np.iinfo(_NP_OF[dtype])
        if a.size and (a.min() < info.min or a.max() > info.max):
            raise ValueError("integer value out of range")
    return np.ascontiguousarray(a.astype(_NP_OF[dtype]))


def save_file(tensors, path, metadata=None, dtypes=None):
    dtypes = dtypes or {}
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved")
        a = _to_numpy(tensors[name])
        dt = dtypes.get(name) or _default_dtype(a)
        if dt not in _NP_OF:
            raise ValueError(f"unsupported dtype {dt}")
        raw = _encode(a, dt).tobytes()
        header[name] = {
            "dtype": dt,
            "shape": [int(s) for s in a.shape],
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((-len(hbytes)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for raw in blobs:
            f.write(raw)


def _parse(buf):
    if len(buf) < 8:
        raise ValueError("file too short")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ValueError("header length exceeds file size")
    header = json.loads(bytes(buf[8 : 8 + n]).decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    return header, metadata, 8 + n


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        buf = struct.pack("<Q", n) + f.read(n)
    header, metadata, _ = _parse(buf)
    return header, metadata


def load_file(path, bf16_as="f32"):
    with open(path, "rb") as f:
        buf = f.read()
    header, metadata, start = _parse(buf)
    data_len = len(buf) - start
    out = {}
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in _NP_OF:
            raise ValueError(f"{name}: unsupported dtype {dt}")
        shape = tuple(info["shape"])
        b, e = info["data_offsets"]
        npdt = _NP_OF[dt]
        if not (0 <= b <= e <= data_len):
            raise ValueError(f"{name}: data_offsets out of range")
        if e - b != int(np.prod(shape, dtype=np.int64)) * npdt.itemsize:
            raise ValueError(f"{name}: byte size does not match shape")
        a = np.frombuffer(buf, dtype=npdt, count=(e - b) // npdt.itemsize, offset=start + b)
        a = a.reshape(shape).copy()
        if dt == "BF16" and bf16_as == "f32":
            a = bf16_bits_to_f32(a)
        out[name] = a
    return out, metadata


if __name__ == "__main__":
    import sys

    for p in sys.argv[1:]:
        hdr, meta = read_header(p)
        print(p)
        for k in sorted(hdr):
            print(f"  {k:60s} {hdr[k]['dtype']:5s} {hdr[k]['shape']}")
        for k, v in sorted(meta.items()):
            print(f"  [meta] {k} = {v}")
