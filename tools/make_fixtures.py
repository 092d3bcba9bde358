#!/usr/bin/env python3
"""Writes the deterministic PyTorch reference fixtures used by the C# tests.

    /usr/bin/python3 tools/make_fixtures.py            # writes tests/fixtures/{models,kernels,lora}
    /usr/bin/python3 tools/make_fixtures.py --out DIR  # somewhere else

Every random input/weight is drawn in float32 from a fixed-seed torch.Generator (one
generator per fixture, so fixtures are independent of each other) and stored as float32
(or rounded to BF16/F16 for the low-precision model variants). All reference outputs and
gradients are computed in float64 from those stored values (torch autograd for gradients)
and then stored as float32. Scalars go into the safetensors "__metadata__" as strings.
See tools/README.md for the exact contents.
"""

import argparse
import contextlib
import json
import math
import os
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference as R  # noqa: E402
from safetensors_io import save_file, round_to_bf16  # noqa: E402

torch.set_num_threads(1)  # bit-for-bit reproducible float64 reductions

F64 = torch.float64
SEQ_LENS = [5, 11, 16]
GEN_PROMPT_LEN = 7
GEN_NEW = 12
MIN_GREEDY_MARGIN = 0.05  # top1 - top2 logit gap required at every greedy step


def f32(t):
    return t.detach().to(torch.float32).contiguous().numpy()


def i32(t):
    return torch.as_tensor(t).to(torch.int32).contiguous().numpy()


def gen(seed):
    return torch.Generator().manual_seed(seed)


def randn(g, *shape, scale=1.0):
    """float32 N(0, scale^2), then widened to float64 (so the f32 copy is exact)."""
    return (torch.randn(shape, generator=g, dtype=torch.float32) * scale).to(F64)


# --------------------------------------------------------------------------- models


def hf_config(name, *, model_type, hidden, inter, layers, heads, kv_heads, vocab, tied,
              theta, eps, max_pos, bias=False, head_dim=None, torch_dtype="float32"):
    arch = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM"}[model_type]
    c = {
        "architectures": [arch],
        "attention_bias": bias,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": inter,
        "max_position_embeddings": max_pos,
        "model_type": model_type,
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "num_key_value_heads": kv_heads,
        "rms_norm_eps": eps,
        "rope_scaling": None,
        "rope_theta": theta,
        "tie_word_embeddings": tied,
        "torch_dtype": torch_dtype,
        "transformers_version": "4.46.0",
        "use_cache": True,
        "vocab_size": vocab,
    }
    if model_type == "llama":
        c["mlp_bias"] = False
        c["pretraining_tp"] = 1
    else:
        c["max_window_layers"] = layers
        c["sliding_window"] = None
        c["use_sliding_window"] = False
    if head_dim is not None:
        c["head_dim"] = head_dim
    return c


MODELS = {
    "gqa_tied": dict(model_type="llama", hidden=64, inter=160, layers=2, heads=4, kv_heads=2,
                     vocab=96, tied=True, theta=10000.0, eps=1e-5, max_pos=128),
    "qwen_bias_untied": dict(model_type="qwen2", hidden=48, inter=136, layers=2, heads=6,
                             kv_heads=2, vocab=83, tied=False, theta=1000000.0, eps=1e-6,
                             max_pos=128, bias=True),
    "mha_headdim": dict(model_type="llama", hidden=64, inter=176, layers=3, heads=4, kv_heads=4,
                        vocab=130, tied=False, theta=10000.0, eps=1e-5, max_pos=128,
                        head_dim=24),
}
MODEL_SEEDS = {"gqa_tied": 1001, "qwen_bias_untied": 1002, "mha_headdim": 1003}
# name -> (base model, weight dtype in model.safetensors, torch_dtype in config.json)
LOWP_MODELS = {
    "gqa_tied_bf16": ("gqa_tied", "BF16", "bfloat16"),
    "gqa_tied_f16": ("gqa_tied", "F16", "float16"),
}


def make_weights(cfg, seed):
    # Tied models use embedding std hidden^-0.5 instead of 1: the embedding doubles as the
    # lm head, and N(0,1) rows would give logits of std ~sqrt(hidden) (near-one-hot softmax,
    # entropies ~1e-14), which makes a useless test. Untied models use N(0,1).
    std = cfg.hidden_size ** -0.5 if cfg.tie_word_embeddings else 1.0
    return R.init_params(cfg, gen(seed), dtype=torch.float32, embed_std=std)


def pick_greedy_prompt(params64, cfg, seed):
    """First random prompt (seeded) whose greedy continuation never has a near-tie."""
    g = gen(seed)
    for attempt in range(200):
        prompt = torch.randint(0, cfg.vocab_size, (GEN_PROMPT_LEN,), generator=g)
        ids, lps, margins = R.greedy_generate_recompute(params64, cfg, prompt, GEN_NEW)
        if min(margins) >= MIN_GREEDY_MARGIN:
            # cross-check against the batched KV-cache path
            kv_ids, kv_lps = R.generate(params64, cfg, prompt[None], GEN_NEW, greedy=True)
            assert kv_ids[0].tolist() == ids, "KV-cache greedy path disagrees with recompute"
            assert torch.allclose(kv_lps[0], torch.tensor(lps, dtype=F64), rtol=0, atol=1e-10)
            return prompt, ids, lps, min(margins), attempt
    raise RuntimeError("no prompt with a clear greedy margin found")


def model_expected(params32, cfg, seed, with_grads=True):
    """params32: dict of float32 tensors exactly as stored (already rounded for BF16/F16)."""
    g = gen(seed + 500)
    N = sum(SEQ_LENS)
    V = cfg.vocab_size
    input_ids = torch.randint(0, V, (N,), generator=g)
    target_ids = torch.randint(0, V, (N,), generator=g)
    coef = torch.randn(N, generator=g, dtype=torch.float32)
    coef[torch.arange(N) % 7 == 3] = 0.0  # some exact zeros
    coef = coef.to(F64)

    p64 = {k: v.to(F64).requires_grad_(with_grads) for k, v in params32.items()}
    logits = R.forward_packed(p64, cfg, input_ids, SEQ_LENS)
    logprobs, entropy = R.logprobs_entropy(logits, target_ids)
    loss = (coef * logprobs).sum()
    out = {
        "input_ids": i32(input_ids),
        "seq_lens": i32(SEQ_LENS),
        "target_ids": i32(target_ids),
        "coef": f32(coef),
        "logits": f32(logits),
        "logprobs": f32(logprobs),
        "entropy": f32(entropy),
        "loss": f32(loss.reshape(1)),
    }
    if with_grads:
        grads = torch.autograd.grad(loss, list(p64.values()))
        for name, gr in zip(p64.keys(), grads):
            out["grad." + name] = f32(gr)

    p64d = {k: v.detach() for k, v in p64.items()}
    prompt, ids, lps, margin, attempt = pick_greedy_prompt(p64d, cfg, seed + 900)
    out["gen_prompt"] = i32(prompt)
    out["gen_ids"] = i32(ids)
    out["gen_logprobs"] = f32(torch.tensor(lps, dtype=F64))
    meta = {
        "loss": "sum(coef * logprobs)",
        "seq_lens": ",".join(str(x) for x in SEQ_LENS),
        "rms_norm_eps": repr(cfg.rms_norm_eps),
        "rope_theta": repr(cfg.rope_theta),
        "head_dim": str(cfg.head_dim),
        "gen_min_top2_margin": f"{margin:.6g}",
        "gen_note": "greedy argmax continuation of gen_prompt, no stop token; "
                    "gen_logprobs = log-softmax of each chosen token",
        "reference": "float64 torch (tools/llama_reference.py) from the stored weights",
    }
    return out, meta


def write_model(root, name, spec, seed, weight_dtype="F32", torch_dtype="float32",
                with_grads=True):
    d = os.path.join(root, "models", name)
    os.makedirs(d, exist_ok=True)
    conf = hf_config(name, torch_dtype=torch_dtype, **spec)
    cfg = R.LlamaConfig(conf)
    w = make_weights(cfg, seed)
    if weight_dtype == "BF16":
        w = {k: torch.from_numpy(round_to_bf16(v.numpy())) for k, v in w.items()}
    elif weight_dtype == "F16":
        w = {k: v.to(torch.float16).to(torch.float32) for k, v in w.items()}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(conf, f, indent=2, sort_keys=True)
        f.write("\n")
    np_w = {k: v.numpy() for k, v in w.items()}
    save_file(np_w, os.path.join(d, "model.safetensors"),
              metadata={"format": "pt"}, dtypes={k: weight_dtype for k in np_w})
    exp, meta = model_expected(w, cfg, seed, with_grads=with_grads)
    meta["model"] = name
    meta["weights_dtype"] = weight_dtype
    save_file(exp, os.path.join(d, "expected.safetensors"), metadata=meta)


# --------------------------------------------------------------------------- LoRA

# A PEFT-style adapter on the qwen_bias_untied base. k_proj and gate_proj are left out on purpose:
# the engine fuses q/k/v and gate/up into one GEMM each, so partial targeting must be covered.
LORA = dict(base="qwen_bias_untied", r=4, alpha=8, seed=3001,
            targets=["q_proj", "v_proj", "o_proj", "up_proj", "down_proj"])
LORA_B_STD = 0.3  # PEFT starts B at zero; a random B makes the adapter change the logits


def lora_module(target):
    return ("self_attn." if target in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp.") + target


def lora_name(layer, target, matrix):
    return f"base_model.model.model.layers.{layer}.{lora_module(target)}.lora_{matrix}.weight"


@contextlib.contextmanager
def lora_linear(lora, scale):
    """Patches the reference's linear() with PEFT's LoRA forward (dropout off, as in eval mode):
    y = x·Wᵀ + b + scale·(x·Aᵀ)·Bᵀ for every module that has lora_A/lora_B tensors."""
    plain = R.linear

    def adapted(x, params, name):
        y = plain(x, params, name)
        a = lora.get("base_model.model." + name + ".lora_A.weight")
        if a is None:
            return y
        b = lora["base_model.model." + name + ".lora_B.weight"]
        return y + scale * torch.matmul(torch.matmul(x, a.t()), b.t())

    R.linear = adapted
    try:
        yield
    finally:
        R.linear = plain


def peft_adapter_config(base, spec):
    return {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": base, "bias": "none",
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
        "layer_replication": None, "layers_pattern": None, "layers_to_transform": None,
        "loftq_config": {}, "lora_alpha": spec["alpha"], "lora_dropout": 0.0, "megatron_config": None,
        "megatron_core": "megatron.core", "modules_to_save": None, "peft_type": "LORA",
        "r": spec["r"], "rank_pattern": {}, "revision": None, "target_modules": spec["targets"],
        "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": False,
    }


def write_lora(root):
    spec = LORA
    base = spec["base"]
    cfg = R.LlamaConfig(hf_config(base, **MODELS[base]))
    w = make_weights(cfg, MODEL_SEEDS[base])
    g = gen(spec["seed"])
    r, scale = spec["r"], spec["alpha"] / spec["r"]
    lora = OrderedDict()
    for i in range(cfg.num_hidden_layers):
        for t in spec["targets"]:
            out_dim, in_dim = w[f"model.layers.{i}.{lora_module(t)}.weight"].shape
            # A as PEFT draws it: kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(in), 1/sqrt(in)).
            lora[lora_name(i, t, "A")] = (torch.rand((r, in_dim), generator=g) * 2 - 1) * in_dim ** -0.5
            lora[lora_name(i, t, "B")] = torch.randn((out_dim, r), generator=g) * LORA_B_STD

    d = os.path.join(root, "lora", base)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        json.dump(peft_adapter_config(base, spec), f, indent=2, sort_keys=True)
        f.write("\n")
    save_file({k: v.numpy() for k, v in lora.items()}, os.path.join(d, "adapter_model.safetensors"),
              metadata={"format": "pt"})

    g = gen(spec["seed"] + 500)
    N, V = sum(SEQ_LENS), cfg.vocab_size
    input_ids = torch.randint(0, V, (N,), generator=g)
    target_ids = torch.randint(0, V, (N,), generator=g)
    coef = torch.randn(N, generator=g, dtype=torch.float32)
    coef[torch.arange(N) % 7 == 3] = 0.0
    coef = coef.to(F64)
    p64 = {k: v.to(F64) for k, v in w.items()}
    l64 = {k: v.to(F64).requires_grad_() for k, v in lora.items()}
    with lora_linear(l64, scale):
        logits = R.forward_packed(p64, cfg, input_ids, SEQ_LENS)
        logprobs, _ = R.logprobs_entropy(logits, target_ids)
        loss = (coef * logprobs).sum()
        grads = torch.autograd.grad(loss, list(l64.values()))
    base_logits = R.forward_packed(p64, cfg, input_ids, SEQ_LENS)
    out = {
        "input_ids": i32(input_ids), "seq_lens": i32(SEQ_LENS), "target_ids": i32(target_ids),
        "coef": f32(coef), "logits": f32(logits), "logprobs": f32(logprobs), "base_logits": f32(base_logits),
    }
    for name, gr in zip(l64.keys(), grads):
        out["grad." + name] = f32(gr)
    with lora_linear({k: v.detach() for k, v in l64.items()}, scale):
        prompt, ids, lps, margin, _ = pick_greedy_prompt(p64, cfg, spec["seed"] + 900)
    out["gen_prompt"] = i32(prompt)
    out["gen_ids"] = i32(ids)
    out["gen_logprobs"] = f32(torch.tensor(lps, dtype=F64))
    meta = {
        "base_model": f"models/{base}",
        "loss": "sum(coef * logprobs) with the adapter; grad.<peft name> = d loss / d lora_A, lora_B",
        "lora": f"y = x W^T + b + (lora_alpha/r) (x A^T) B^T on {','.join(spec['targets'])}; no dropout",
        "seq_lens": ",".join(str(x) for x in SEQ_LENS),
        "gen_min_top2_margin": f"{margin:.6g}",
        "reference": "float64 torch (tools/llama_reference.py, linear() patched with the LoRA path)",
    }
    save_file(out, os.path.join(d, "expected.safetensors"), metadata=meta)


# --------------------------------------------------------------------------- kernels


def grads_of(out, inputs, upstream):
    return torch.autograd.grad(out, inputs, upstream)


def kernel_rmsnorm(g):
    eps = 1e-5
    x = randn(g, 7, 48, scale=2.0).requires_grad_()
    w = (1.0 + randn(g, 48, scale=0.3)).requires_grad_()
    y = R.rms_norm(x, w, eps)
    dy = randn(g, 7, 48)
    dx, dw = grads_of(y, [x, w], dy)
    t = {"x": f32(x), "w": f32(w), "y": f32(y), "dy": f32(dy), "dx": f32(dx), "dw": f32(dw)}
    return t, {"eps": repr(eps), "op": "y = w * x * rsqrt(mean(x^2, -1) + eps)"}


def kernel_rope(g):
    theta = 10000.0
    N, H, hd = 19, 3, 16
    x = randn(g, N, H, hd).requires_grad_()
    pos = torch.randint(0, 128, (N,), generator=g)
    pos[3], pos[7], pos[12], pos[15] = 0, 100, 127, 1
    cos, sin = R.rope_cos_sin(pos, hd, theta, F64)
    y = R.apply_rope(x, cos, sin)
    dy = randn(g, N, H, hd)
    (dx,) = grads_of(y, [x], dy)
    t = {"x": f32(x), "positions": i32(pos), "y": f32(y), "dy": f32(dy), "dx": f32(dx)}
    return t, {"theta": repr(theta), "head_dim": str(hd),
               "op": "HF rotate_half RoPE: y = x*cos + rotate_half(x)*sin, "
                     "inv_freq = theta^(-arange(0,hd,2)/hd), cos/sin = cat((f,f))"}


def kernel_swiglu(g):
    gt = randn(g, 9, 37, scale=2.0).requires_grad_()
    u = randn(g, 9, 37).requires_grad_()
    y = R.silu(gt) * u
    dy = randn(g, 9, 37)
    dg, du = grads_of(y, [gt, u], dy)
    t = {"g": f32(gt), "u": f32(u), "y": f32(y), "dy": f32(dy), "dg": f32(dg), "du": f32(du)}
    return t, {"op": "y = silu(g) * u"}


def kernel_attention(g, seq_lens, H, Hkv, hd):
    N = sum(seq_lens)
    q = randn(g, N, H, hd).requires_grad_()
    k = randn(g, N, Hkv, hd).requires_grad_()
    v = randn(g, N, Hkv, hd).requires_grad_()
    out = R.packed_attention(q, k, v, seq_lens)
    dout = randn(g, N, H, hd)
    dq, dk, dv = grads_of(out, [q, k, v], dout)
    t = {"seq_lens": i32(seq_lens), "q": f32(q), "k": f32(k), "v": f32(v), "out": f32(out),
         "dout": f32(dout), "dq": f32(dq), "dk": f32(dk), "dv": f32(dv)}
    return t, {"scale": repr(1.0 / math.sqrt(hd)), "num_heads": str(H),
               "num_kv_heads": str(Hkv), "head_dim": str(hd),
               "op": "packed causal softmax attention; query head h uses kv head "
                     "h // (num_heads/num_kv_heads); no attention across sequences"}


def kernel_logsoftmax(g):
    logits = randn(g, 11, 97, scale=3.0).requires_grad_()
    targets = torch.randint(0, 97, (11,), generator=g)
    coef = randn(g, 11)
    coef[4] = 0.0
    lp, ent = R.logprobs_entropy(logits, targets)
    loss = (coef * lp).sum()
    (dlogits,) = torch.autograd.grad(loss, [logits])
    t = {"logits": f32(logits), "targets": i32(targets), "coef": f32(coef), "logprobs": f32(lp),
         "entropy": f32(ent), "loss": f32(loss.reshape(1)), "dlogits": f32(dlogits)}
    return t, {"op": "logprobs = log_softmax(logits)[target]; entropy = -sum(p log p); "
                     "dlogits = d(sum(coef*logprobs))/dlogits"}


def kernel_embedding(g):
    table = randn(g, 50, 24).requires_grad_()
    ids = torch.randint(0, 50, (13,), generator=g)
    ids[5], ids[9], ids[12] = ids[0], ids[0], 49
    ids[10] = ids[2]
    out = table[ids]
    dout = randn(g, 13, 24)
    (dtable,) = grads_of(out, [table], dout)
    t = {"table": f32(table), "ids": i32(ids), "out": f32(out), "dout": f32(dout),
         "dtable": f32(dtable)}
    return t, {"op": "out = table[ids]; dtable = scatter-add of dout rows"}


def kernel_gemm(g):
    cases = [(37, 53, 29), (128, 96, 300), (5, 700, 64)]
    t = {}
    for i, (M, N, K) in enumerate(cases):
        a = randn(g, M, K)
        b = randn(g, K, N)
        t[f"c{i}.a"], t[f"c{i}.b"], t[f"c{i}.c"] = f32(a), f32(b), f32(a @ b)
    return t, {"cases": ";".join(f"{M},{N},{K}" for M, N, K in cases),
               "op": "c = a @ b with a [M,K], b [K,N] row-major; cases listed as M,N,K"}


KERNELS = {
    "rmsnorm": (2001, kernel_rmsnorm),
    "rope": (2002, kernel_rope),
    "swiglu": (2003, kernel_swiglu),
    "attention_small": (2004, lambda g: kernel_attention(g, [5, 17, 40], 4, 2, 16)),
    "attention_long": (2005, lambda g: kernel_attention(g, [130, 3, 67], 8, 4, 32)),
    "logsoftmax": (2006, kernel_logsoftmax),
    "embedding": (2007, kernel_embedding),
    "gemm": (2008, kernel_gemm),
}


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "fixtures"))
    args = ap.parse_args()
    root = os.path.abspath(args.out)

    for name, spec in MODELS.items():
        write_model(root, name, spec, MODEL_SEEDS[name])
        print("wrote models/" + name)
    for name, (base, wdt, tdt) in LOWP_MODELS.items():
        write_model(root, name, MODELS[base], MODEL_SEEDS[base], weight_dtype=wdt,
                    torch_dtype=tdt, with_grads=False)
        print("wrote models/" + name)

    write_lora(root)
    print("wrote lora/" + LORA["base"])

    kdir = os.path.join(root, "kernels")
    os.makedirs(kdir, exist_ok=True)
    for name, (seed, fn) in KERNELS.items():
        tensors, meta = fn(gen(seed))
        meta["kernel"] = name
        save_file(tensors, os.path.join(kdir, name + ".safetensors"), metadata=meta)
        print("wrote kernels/" + name)


if __name__ == "__main__":
    main()
