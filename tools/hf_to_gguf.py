#!/usr/bin/env python3
"""Converts a Qwen2-style Hugging Face directory (config.json + model.safetensors, as realm loads it and
tools/make_random_qwen.py writes it) into a GGUF v3 file that llama.cpp loads, for the peer benchmark
(bench/Realm.PeerBench). numpy only.

    /usr/bin/python3 tools/hf_to_gguf.py --model DIR --type bf16|f16|f32|q8_0 [--out FILE]

Follows llama.cpp's own converter (ggml-org/llama.cpp: gguf-py/gguf/constants.py for key names, value
and tensor type numbers; gguf-py/gguf/gguf_writer.py for the file layout; convert_hf_to_gguf.py for
Qwen2Model; gguf-py/gguf/quants.py for BF16 and Q8_0 rounding):
- architecture `qwen2`; tensors token_embd, output_norm, output (only when untied: llama.cpp's qwen2
  loader falls back to token_embd), blk.N.{attn_norm, attn_q/k/v (weight and bias), attn_output,
  ffn_norm, ffn_gate, ffn_up, ffn_down};
- Q and K are NOT permuted: convert_hf_to_gguf.py permutes them only in LlamaModel (for llama.cpp's
  NORM rope, pairs of consecutive values); Qwen2Model keeps HF's layout because llama.cpp's
  llama_model_rope_type() gives LLM_ARCH_QWEN2 the NEOX rope (pairs offset by n_rot/2), which is HF's
  rotate_half;
- 1-D tensors (norm gains, biases) stay F32 whatever the type, as the converter does;
- Q8_0 = blocks of 32: an F16 scale d = max|x|/127 and 32 int8 round-half-away-from-zero(x/d);
  BF16 from F32 rounds to nearest even; a BF16 source converted to BF16 is copied bit for bit.
The tokenizer is a stand-in (the models here are random): model "gpt2", pre-tokenizer "qwen2", the 256
byte-level tokens (GPT-2's bytes_to_unicode, so llama.cpp finds its newline token), placeholders
`<|t{id}|>` up to the vocabulary size, the last id an end-of-text control token, and no merges. It is
enough to load the model and feed it token ids; it does not reproduce Qwen's tokenizer.
"""

import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import f32_to_bf16_bits, load_file  # noqa: E402

GGUF_MAGIC, GGUF_VERSION, ALIGNMENT = b"GGUF", 3, 32
# GGUFValueType
UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9
# GGMLQuantizationType and LlamaFileType (general.file_type) of each output type
GGML_TYPE = {"f32": 0, "f16": 1, "q8_0": 8, "bf16": 30}
FILE_TYPE = {"f32": 0, "f16": 1, "q8_0": 7, "bf16": 32}
TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_BYTE = 1, 3, 6
QK8_0 = 32


def bytes_to_unicode():
    """GPT-2's printable stand-ins for the 256 byte values (byte-level BPE's base tokens)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantize_q8_0(a):
    """Rows of float32 -> Q8_0 bytes, as gguf-py's quants.Q8_0 (bit-exact with ggml's reference)."""
    if a.shape[-1] % QK8_0:
        raise ValueError(f"row length {a.shape[-1]} is not a multiple of {QK8_0}")
    blocks = a.astype(np.float32).reshape(-1, QK8_0)
    d = np.abs(blocks).max(axis=1, keepdims=True) / 127
    with np.errstate(divide="ignore"):
        inv = np.where(d == 0, 0, 1 / d)
    qs = round_half_away(blocks * inv).astype(np.int8)
    return np.concatenate([d.astype(np.float16).view(np.uint8), qs.view(np.uint8)], axis=1).tobytes()


class GgufWriter:
    """Collects key/values and tensors, then writes header, tensor infos and aligned data in one pass."""

    def __init__(self):
        self.kv = []
        self.tensors = []  # (name, ggml dims, ggml type, bytes)

    def add(self, key, vtype, value):
        self.kv.append((key, vtype, value))

    def add_tensor(self, name, shape, ggml_type, data):
        self.tensors.append((name, list(reversed(shape)), ggml_type, data))  # ggml's ne[0] is the innermost dimension

    @staticmethod
    def _string(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def _value(self, vtype, value):
        if vtype == STRING:
            return self._string(value)
        if vtype == ARRAY:
            item_type, items = value
            head = struct.pack("<IQ", item_type, len(items))
            if item_type == STRING:
                return head + b"".join(self._string(s) for s in items)
            return head + np.asarray(items, dtype={INT32: "<i4", UINT32: "<u4", FLOAT32: "<f4"}[item_type]).tobytes()
        return struct.pack({UINT32: "<I", INT32: "<i", FLOAT32: "<f", BOOL: "<?"}[vtype], value)

    def write(self, path):
        header = bytearray(GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv)))
        for key, vtype, value in self.kv:
            header += self._string(key) + struct.pack("<I", vtype) + self._value(vtype, value)
        offset = 0
        for name, dims, ggml_type, data in self.tensors:
            header += self._string(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
            header += struct.pack("<IQ", ggml_type, offset)
            offset += len(data) + (-len(data)) % ALIGNMENT
        header += b"\0" * ((-len(header)) % ALIGNMENT)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(header)
            for _, _, _, data in self.tensors:
                f.write(data)
                f.write(b"\0" * ((-len(data)) % ALIGNMENT))
        os.replace(tmp, path)


def encode(array, bits, out_type):
    """One tensor's bytes and GGML type: 1-D stays F32; `bits` is the BF16 source's raw uint16, if any."""
    if array.ndim == 1 or out_type == "f32":
        return array.astype("<f4").tobytes(), GGML_TYPE["f32"]
    if out_type == "bf16":
        return (bits if bits is not None else f32_to_bf16_bits(array)).astype("<u2").tobytes(), GGML_TYPE["bf16"]
    if out_type == "f16":
        return array.astype("<f2").tobytes(), GGML_TYPE["f16"]
    return quantize_q8_0(array), GGML_TYPE["q8_0"]


def tensor_names(layers):
    """HF name -> GGUF name (gguf-py tensor_mapping.py / constants.py, MODEL_ARCH.QWEN2)."""
    names = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    per_layer = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
                 "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
                 "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}
    for p in "qkv":
        for kind in ("weight", "bias"):
            per_layer[f"self_attn.{p}_proj.{kind}"] = f"attn_{p}.{kind}"
    for i in range(layers):
        for hf, gg in per_layer.items():
            names[f"model.layers.{i}.{hf}"] = f"blk.{i}.{gg}"
    return names


def add_tokenizer(w, vocab):
    if vocab < 257:
        raise ValueError(f"vocab_size {vocab}: the stand-in tokenizer needs at least 257 tokens (256 bytes + end of text)")
    byte_chars = bytes_to_unicode()
    tokens = [byte_chars[b] for b in range(256)] + [f"<|t{i}|>" for i in range(256, vocab - 1)] + ["<|endoftext|>"]
    types = [TOKEN_NORMAL] * (vocab - 1) + [TOKEN_CONTROL]
    w.add("tokenizer.ggml.model", STRING, "gpt2")
    w.add("tokenizer.ggml.pre", STRING, "qwen2")
    w.add("tokenizer.ggml.tokens", ARRAY, (STRING, tokens))
    w.add("tokenizer.ggml.token_type", ARRAY, (INT32, types))
    w.add("tokenizer.ggml.merges", ARRAY, (STRING, []))
    for key in ("eos_token_id", "bos_token_id", "padding_token_id"):
        w.add(f"tokenizer.ggml.{key}", UINT32, vocab - 1)
    w.add("tokenizer.ggml.add_bos_token", BOOL, False)


def convert(model_dir, out_type, out_path):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    if c.get("model_type") not in ("qwen2", "llama"):
        raise ValueError(f"{model_dir}/config.json: model_type {c.get('model_type')!r}: only qwen2 is converted")
    heads, dim = c["num_attention_heads"], c["hidden_size"]
    head_dim = c.get("head_dim") or dim // heads
    if head_dim * heads != dim:
        raise ValueError(f"{model_dir}/config.json: head_dim {head_dim} x {heads} heads != hidden_size {dim}")
    raw, _ = load_file(os.path.join(model_dir, "model.safetensors"), bf16_as="bits")
    names = tensor_names(c["num_hidden_layers"])

    arch = "qwen2"
    w = GgufWriter()
    w.add("general.architecture", STRING, arch)
    w.add("general.name", STRING, os.path.basename(os.path.normpath(model_dir)))
    w.add("general.file_type", UINT32, FILE_TYPE[out_type])
    w.add("general.quantization_version", UINT32, 2)
    w.add(f"{arch}.block_count", UINT32, c["num_hidden_layers"])
    w.add(f"{arch}.context_length", UINT32, c.get("max_position_embeddings", 32768))
    w.add(f"{arch}.embedding_length", UINT32, dim)
    w.add(f"{arch}.feed_forward_length", UINT32, c["intermediate_size"])
    w.add(f"{arch}.attention.head_count", UINT32, heads)
    w.add(f"{arch}.attention.head_count_kv", UINT32, c.get("num_key_value_heads", heads))
    w.add(f"{arch}.rope.freq_base", FLOAT32, float(c.get("rope_theta", 10000.0)))
    w.add(f"{arch}.attention.layer_norm_rms_epsilon", FLOAT32, float(c.get("rms_norm_eps", 1e-6)))
    add_tokenizer(w, c["vocab_size"])

    tied = c.get("tie_word_embeddings", False)
    for hf in sorted(raw, key=lambda n: (n.count("."), n)):
        if hf not in names:
            raise ValueError(f"{model_dir}/model.safetensors: tensor {hf} has no GGUF name")
        if hf == "lm_head.weight" and tied:
            continue
        a = raw[hf]
        bits = a if a.dtype == np.uint16 else None
        values = (bits.astype(np.uint32) << 16).view(np.float32) if bits is not None else a.astype(np.float32)
        data, ggml_type = encode(values, bits, out_type)
        w.add_tensor(names[hf], values.shape, ggml_type, data)
    if not tied and "lm_head.weight" not in raw:
        raise ValueError(f"{model_dir}: tie_word_embeddings is false but there is no lm_head.weight")
    w.write(out_path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="HF directory: config.json + model.safetensors")
    ap.add_argument("--type", choices=sorted(GGML_TYPE), default="bf16")
    ap.add_argument("--out", help="default: MODEL/model-TYPE.gguf")
    a = ap.parse_args()
    out = a.out or os.path.join(a.model, f"model-{a.type}.gguf")
    try:
        convert(a.model, a.type, out)
    except (ValueError, KeyError, OSError) as e:
        sys.exit(f"hf_to_gguf: {e}")
    print(out)


if __name__ == "__main__":
    main()
