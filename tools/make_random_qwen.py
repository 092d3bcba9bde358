#!/usr/bin/env python3
"""Writes a randomly initialised Qwen2-style Hugging Face directory (config.json + model.safetensors),
by default Qwen2.5-0.5B's shape stored as BF16: for measuring loading and inference at real size
without downloading a model. Weights ~ N(0, std²) (0.02 by default), norm gains 1, q/k/v biases ~ N(0, bias-std²)
(0 by default); numpy only. A small shape with a larger --std gives clear top-1 gaps, for comparing engines' greedy
continuations (bench/Realm.PeerBench).

    /usr/bin/python3 tools/make_random_qwen.py --out /tmp/q05bf16 [--dtype BF16|F32]
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=["BF16", "F32"], default="BF16")
    ap.add_argument("--dim", type=int, default=896)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--heads", type=int, default=14)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=4864)
    ap.add_argument("--vocab", type=int, default=151936)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--std", type=float, default=0.02, help="standard deviation of the weight matrices")
    ap.add_argument("--bias-std", type=float, default=0.0, help="standard deviation of the q/k/v biases")
    a = ap.parse_args()
    d, hd = a.dim, a.dim // a.heads
    rng = np.random.default_rng(a.seed)

    def matrix(*shape):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(a.std)

    t = {"model.embed_tokens.weight": matrix(a.vocab, d), "model.norm.weight": np.ones(d, np.float32)}
    for layer in range(a.layers):
        p = f"model.layers.{layer}."
        t[p + "input_layernorm.weight"] = np.ones(d, np.float32)
        t[p + "post_attention_layernorm.weight"] = np.ones(d, np.float32)
        for name, rows in (("q", a.heads * hd), ("k", a.kv_heads * hd), ("v", a.kv_heads * hd)):
            t[p + f"self_attn.{name}_proj.weight"] = matrix(rows, d)
            # no draw at --bias-std 0, so the default model's weights stay what they were before the flag existed
            t[p + f"self_attn.{name}_proj.bias"] = (rng.standard_normal(rows, dtype=np.float32) * np.float32(a.bias_std)
                                                    if a.bias_std > 0 else np.zeros(rows, np.float32))
        t[p + "self_attn.o_proj.weight"] = matrix(d, a.heads * hd)
        t[p + "mlp.gate_proj.weight"] = matrix(a.ffn, d)
        t[p + "mlp.up_proj.weight"] = matrix(a.ffn, d)
        t[p + "mlp.down_proj.weight"] = matrix(d, a.ffn)
    os.makedirs(a.out, exist_ok=True)
    save_file(t, os.path.join(a.out, "model.safetensors"), metadata={"format": "pt"}, dtypes={k: a.dtype for k in t})
    config = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": d, "intermediate_size": a.ffn,
        "num_hidden_layers": a.layers, "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads,
        "vocab_size": a.vocab, "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
        "tie_word_embeddings": True, "torch_dtype": "bfloat16" if a.dtype == "BF16" else "float32", "hidden_act": "silu",
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


if __name__ == "__main__":
    main()
