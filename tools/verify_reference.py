#!/usr/bin/env python3
"""Self-checks for the Python side (not needed by the C# build):

  1. every fixture parses back with safetensors_io (header padded to 8, sorted, contiguous
     offsets) and the stored references are reproduced by recomputation from the files;
  2. BF16/F16 model files decode to exactly the rounded F32 weights of gqa_tied;
  3. llama_reference agrees with an independent, HF-code-shaped implementation
     ([B,H,T,hd] layout, expand+reshape repeat_kv, additive causal mask);
  4. RoPE agrees with a complex-number formulation; packed attention agrees with one big
     block-diagonal masked softmax; batched / KV-cache paths agree with the packed path;
  5. float64 finite-difference check of the autograd gradients on a small model.

    /usr/bin/python3 tools/verify_reference.py [fixtures_dir]
"""

import glob
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference as R  # noqa: E402
from safetensors_io import load_file, round_to_bf16, save_file  # noqa: E402

F64 = torch.float64
torch.set_num_threads(1)


def t64(a):
    return torch.from_numpy(np.asarray(a)).to(F64)


def relerr(a, b):
    a, b = torch.as_tensor(a, dtype=F64), torch.as_tensor(b, dtype=F64)
    return float((a - b).norm() / max(float(b.norm()), 1e-300))


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print("  ok:", msg)


# ---------------------------------------------------------------- 1. file format


def check_file_format(path):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    assert n % 8 == 0, path
    hdr = json.loads(buf[8 : 8 + n].decode("utf-8"))
    meta = hdr.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in meta.values())
    names = list(hdr.keys())
    assert names == sorted(names), path
    off = 0
    for nm in names:
        b, e = hdr[nm]["data_offsets"]
        assert b == off, (path, nm)
        off = e
    assert 8 + n + off == len(buf), path


def roundtrip_test():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    special = np.array([0.0, -0.0, 1.0, np.inf, -np.inf, np.nan, 3.4e38, 1e-40,
                        1.00390625, 1.01171875, 1.0078125 + 2**-17], dtype=np.float32)
    path = "/tmp/_st_roundtrip.safetensors"
    save_file({"a": x, "h": x, "b": x, "i": np.arange(7, dtype=np.int32),
               "l": np.array([-(2**40), 5], dtype=np.int64), "s": special, "e": np.zeros((0, 3), np.float32)},
              path, metadata={"eps": "1e-5"}, dtypes={"h": "F16", "b": "BF16", "s": "BF16"})
    check_file_format(path)
    t, meta = load_file(path)
    assert meta == {"eps": "1e-5"}
    assert np.array_equal(t["a"], x) and t["a"].dtype == np.float32
    assert np.array_equal(t["h"], x.astype(np.float16))
    assert np.array_equal(t["b"], round_to_bf16(x))
    assert np.array_equal(t["i"], np.arange(7)) and t["i"].dtype == np.int32
    assert t["l"].tolist() == [-(2**40), 5] and t["e"].shape == (0, 3)
    # bf16 rounding vs torch's own float32 -> bfloat16 conversion (RNE)
    ref = torch.from_numpy(np.concatenate([x.ravel(), special])).to(torch.bfloat16).float().numpy()
    got = np.concatenate([t["b"].ravel(), t["s"]])
    assert np.array_equal(np.isnan(ref), np.isnan(got))
    assert np.array_equal(ref[~np.isnan(ref)], got[~np.isnan(got)])
    big = np.random.default_rng(1).standard_normal(100000).astype(np.float32) * 1e3
    assert np.array_equal(round_to_bf16(big), torch.from_numpy(big).to(torch.bfloat16).float().numpy())
    check(True, "safetensors round trip (F32/F16/BF16/I32/I64, empty, metadata); BF16 RNE == torch")


# ---------------------------------------------------------------- 3. independent HF-shaped forward


def hf_style_forward(p, cfg, ids):
    """Single sequence, follows the structure of transformers' modeling_llama.py."""
    B, T = 1, len(ids)
    H, Hkv, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    lin = torch.nn.functional.linear

    def norm(x, w):
        var = x.pow(2).mean(-1, keepdim=True)
        return w * (x * torch.rsqrt(var + cfg.rms_norm_eps))

    inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.int64).to(F64) / hd))
    pos = torch.arange(T, dtype=F64)[None, :]
    freqs = (inv_freq[None, :, None] @ pos[:, None, :]).transpose(1, 2)  # [1,T,hd/2]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # [1,1,T,hd]

    def rot(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
        return torch.cat((-x2, x1), dim=-1)

    def rep(x, n):
        b, hk, s, d = x.shape
        return x[:, :, None, :, :].expand(b, hk, n, s, d).reshape(b, hk * n, s, d)

    mask = torch.full((T, T), torch.finfo(F64).min, dtype=F64).triu(1)[None, None]
    x = p["model.embed_tokens.weight"][torch.as_tensor(ids).long()][None]
    for i in range(cfg.num_hidden_layers):
        pre = f"model.layers.{i}."
        a = pre + "self_attn."
        res = x
        h = norm(x, p[pre + "input_layernorm.weight"])
        q = lin(h, p[a + "q_proj.weight"], p.get(a + "q_proj.bias")).view(B, T, H, hd).transpose(1, 2)
        k = lin(h, p[a + "k_proj.weight"], p.get(a + "k_proj.bias")).view(B, T, Hkv, hd).transpose(1, 2)
        v = lin(h, p[a + "v_proj.weight"], p.get(a + "v_proj.bias")).view(B, T, Hkv, hd).transpose(1, 2)
        q = q * cos + rot(q) * sin
        k = k * cos + rot(k) * sin
        k, v = rep(k, H // Hkv), rep(v, H // Hkv)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(hd) + mask
        w = torch.nn.functional.softmax(w, dim=-1)
        o = torch.matmul(w, v).transpose(1, 2).reshape(B, T, H * hd)
        x = res + lin(o, p[a + "o_proj.weight"])
        res = x
        h = norm(x, p[pre + "post_attention_layernorm.weight"])
        m = pre + "mlp."
        x = res + lin(torch.nn.functional.silu(lin(h, p[m + "gate_proj.weight"])) * lin(h, p[m + "up_proj.weight"]),
                      p[m + "down_proj.weight"])
    x = norm(x, p["model.norm.weight"])
    head = p["model.embed_tokens.weight"] if cfg.tie_word_embeddings else p["lm_head.weight"]
    return lin(x, head)[0]


def check_model_dir(d):
    name = os.path.basename(d)
    print(f"[model {name}]")
    cfg = R.LlamaConfig.from_json(os.path.join(d, "config.json"))
    for f in ("model.safetensors", "expected.safetensors"):
        check_file_format(os.path.join(d, f))
    w, _ = load_file(os.path.join(d, "model.safetensors"))
    exp, meta = load_file(os.path.join(d, "expected.safetensors"))
    shapes = R.param_shapes(cfg)
    check(set(w) == set(shapes) and all(tuple(w[k].shape) == tuple(s) for k, s in shapes.items()),
          "parameter names/shapes match HF layout")
    p = {k: t64(v).requires_grad_() for k, v in w.items()}
    ids, sl = exp["input_ids"], exp["seq_lens"]
    logits = R.forward_packed(p, cfg, ids, sl)
    check(relerr(logits, exp["logits"]) < 1e-6, f"logits recompute (relerr {relerr(logits, exp['logits']):.1e})")
    lp, ent = R.logprobs_entropy(logits, exp["target_ids"])
    check(relerr(lp, exp["logprobs"]) < 1e-6 and relerr(ent, exp["entropy"]) < 1e-6, "logprobs/entropy recompute")
    loss = (t64(exp["coef"]) * lp).sum()
    check(abs(float(loss) - float(exp["loss"][0])) <= 1e-6 * abs(float(loss)), "loss recompute")
    check(float(ent.min()) > 0.05, f"entropies are O(1) (min {float(ent.min()):.3f}, mean {float(ent.mean()):.3f})")

    # independent HF-shaped forward, one sequence at a time
    start, worst = 0, 0.0
    for L in sl.tolist():
        ref = hf_style_forward({k: v.detach() for k, v in p.items()}, cfg, ids[start : start + L])
        worst = max(worst, relerr(logits[start : start + L].detach(), ref))
        # batched path (no cache) and incremental KV-cache path
        bl = R.forward_batched({k: v.detach() for k, v in p.items()}, cfg, torch.as_tensor(ids[start : start + L])[None])[0]
        worst = max(worst, relerr(bl, ref))
        cache = R.KVCache(cfg, 1, L, dtype=F64)
        pd = {k: v.detach() for k, v in p.items()}
        part1 = R.forward_batched(pd, cfg, torch.as_tensor(ids[start : start + 2])[None].long(), cache)[0]
        rest = [R.forward_batched(pd, cfg, torch.as_tensor(ids[start + j : start + j + 1])[None].long(), cache)[0]
                for j in range(2, L)]
        worst = max(worst, relerr(torch.cat([part1] + rest), ref))
        start += L
    check(worst < 1e-12, f"packed == HF-shaped == batched == KV-cache forward (worst relerr {worst:.1e})")
    # B > 1 batched (+ cache) vs packed on equal-length sequences
    pd = {k: v.detach() for k, v in p.items()}
    L = 9
    two = torch.as_tensor(ids[: 2 * L]).long().view(2, L)
    packed = R.forward_packed(pd, cfg, two.reshape(-1), [L, L]).view(2, L, -1)
    cache = R.KVCache(cfg, 2, L, dtype=F64)
    inc = torch.cat([R.forward_batched(pd, cfg, two[:, :4], cache)] +
                    [R.forward_batched(pd, cfg, two[:, j : j + 1], cache) for j in range(4, L)], 1)
    e2 = max(relerr(R.forward_batched(pd, cfg, two), packed), relerr(inc, packed))
    check(e2 < 1e-12, f"batch of 2 (plain and KV-cache) == packed (relerr {e2:.1e})")

    if any(k.startswith("grad.") for k in exp):
        grads = torch.autograd.grad(loss, list(p.values()))
        worst = max(relerr(g, exp["grad." + k]) for k, g in zip(p.keys(), grads))
        check(set("grad." + k for k in p) == {k for k in exp if k.startswith("grad.")}, "one grad per parameter")
        check(worst < 1e-6, f"grads recompute (worst relerr {worst:.1e})")

    pd = {k: v.detach() for k, v in p.items()}
    gids, glp, margins = R.greedy_generate_recompute(pd, cfg, exp["gen_prompt"], len(exp["gen_ids"]))
    check(gids == exp["gen_ids"].tolist() and relerr(torch.tensor(glp), exp["gen_logprobs"]) < 1e-6,
          f"greedy generation recompute (min top-2 margin {min(margins):.3f})")
    return w


def check_lowp(root):
    base, _ = load_file(os.path.join(root, "models", "gqa_tied", "model.safetensors"))
    bf, _ = load_file(os.path.join(root, "models", "gqa_tied_bf16", "model.safetensors"))
    hf, _ = load_file(os.path.join(root, "models", "gqa_tied_f16", "model.safetensors"))
    from safetensors_io import read_header
    hb, _ = read_header(os.path.join(root, "models", "gqa_tied_bf16", "model.safetensors"))
    hh, _ = read_header(os.path.join(root, "models", "gqa_tied_f16", "model.safetensors"))
    check(all(v["dtype"] == "BF16" for v in hb.values()) and all(v["dtype"] == "F16" for v in hh.values()),
          "low-precision files are all BF16 / all F16")
    check(all(np.array_equal(bf[k], round_to_bf16(base[k])) for k in base), "BF16 weights == RNE(gqa_tied F32)")
    check(all(np.array_equal(hf[k], base[k].astype(np.float16)) for k in base), "F16 weights == f16(gqa_tied F32)")


# ---------------------------------------------------------------- 4. kernels


def check_kernels(root):
    print("[kernels]")
    for path in sorted(glob.glob(os.path.join(root, "kernels", "*.safetensors"))):
        check_file_format(path)
    k = lambda n: load_file(os.path.join(root, "kernels", n + ".safetensors"))  # noqa: E731

    t, m = k("rope")
    x, pos, theta = t64(t["x"]), torch.as_tensor(t["positions"]).long(), float(m["theta"])
    hd = x.shape[-1]
    h = hd // 2
    inv = theta ** (-torch.arange(h, dtype=F64) * 2 / hd)
    ang = pos.to(F64)[:, None] * inv[None]  # [N, h]
    z = torch.complex(x[..., :h], x[..., h:]) * torch.polar(torch.ones_like(ang), ang)[:, None, :]
    y = torch.cat([z.real, z.imag], -1)
    check(relerr(y, t["y"]) < 1e-6, "rope == complex rotation of pairs (i, i+hd/2)")
    # rope is orthogonal: dx = R^T dy
    zd = torch.complex(t64(t["dy"])[..., :h], t64(t["dy"])[..., h:]) * torch.polar(torch.ones_like(ang), -ang)[:, None, :]
    check(relerr(torch.cat([zd.real, zd.imag], -1), t["dx"]) < 1e-6, "rope dx == inverse rotation of dy")

    for name in ("attention_small", "attention_long"):
        t, m = k(name)
        q, kk, v = t64(t["q"]), t64(t["k"]), t64(t["v"])
        sl = t["seq_lens"].tolist()
        N, H, hd = q.shape
        Hkv = kk.shape[1]
        seq = torch.repeat_interleave(torch.arange(len(sl)), torch.tensor(sl))
        posn = R.packed_positions(sl)
        allowed = (seq[:, None] == seq[None, :]) & (posn[None, :] <= posn[:, None])
        kh = kk[:, torch.arange(H) // (H // Hkv)]  # [N,H,hd]
        vh = v[:, torch.arange(H) // (H // Hkv)]
        s = torch.einsum("ihd,jhd->hij", q, kh) * float(m["scale"])
        s = s.masked_fill(~allowed[None], float("-inf")).softmax(-1)
        out = torch.einsum("hij,jhd->ihd", s, vh)
        check(relerr(out, t["out"]) < 1e-6, f"{name}: packed attention == block-diagonal masked softmax")

    t, _ = k("embedding")
    dt = np.zeros_like(t["table"], dtype=np.float64)
    np.add.at(dt, t["ids"], t["dout"].astype(np.float64))
    check(relerr(t64(dt), t["dtable"]) < 1e-6 and np.array_equal(t["out"], t["table"][t["ids"]]), "embedding")

    t, _ = k("logsoftmax")
    lg = t64(t["logits"])
    p = lg.softmax(-1)
    onehot = torch.nn.functional.one_hot(torch.as_tensor(t["targets"]).long(), lg.shape[1]).to(F64)
    check(relerr(t64(t["coef"])[:, None] * (onehot - p), t["dlogits"]) < 1e-6, "logsoftmax dlogits == coef*(onehot-p)")

    t, _ = k("swiglu")
    g, u, dy = t64(t["g"]), t64(t["u"]), t64(t["dy"])
    sg = torch.sigmoid(g)
    check(relerr(dy * u * sg * (1 + g * (1 - sg)), t["dg"]) < 1e-6 and relerr(dy * g * sg, t["du"]) < 1e-6,
          "swiglu analytic grads")

    t, m = k("rmsnorm")
    x, w, dy, eps = t64(t["x"]), t64(t["w"]), t64(t["dy"]), float(m["eps"])
    r = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    xh = x * r
    gx = dy * w
    dx = r * (gx - xh * (gx * xh).mean(-1, keepdim=True))
    check(relerr(dx, t["dx"]) < 1e-6 and relerr((dy * xh).sum(0), t["dw"]) < 1e-6, "rmsnorm analytic grads")

    t, m = k("gemm")
    for i, case in enumerate(m["cases"].split(";")):
        M, N, K = map(int, case.split(","))
        a, b = t["c%d.a" % i], t["c%d.b" % i]
        assert a.shape == (M, K) and b.shape == (K, N)
        assert relerr(t64(a) @ t64(b), t["c%d.c" % i]) < 1e-6
    check(True, "gemm cases")


# ---------------------------------------------------------------- 5. finite differences


def finite_difference_check():
    print("[finite differences, float64]")
    conf = dict(model_type="qwen2", hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, vocab_size=19, tie_word_embeddings=True,
                rms_norm_eps=1e-6, rope_theta=10000.0, head_dim=6)
    cfg = R.LlamaConfig(conf)
    g = torch.Generator().manual_seed(7)
    p = {k: v.to(F64).requires_grad_() for k, v in R.init_params(cfg, g, embed_std=0.5).items()}
    sl = [3, 6, 4]
    ids = torch.randint(0, 19, (13,), generator=g)
    tg = torch.randint(0, 19, (13,), generator=g)
    coef = torch.randn(13, generator=g, dtype=F64)

    def loss_fn():
        lp, ent = R.logprobs_entropy(R.forward_packed(p, cfg, ids, sl), tg)
        return (coef * lp).sum() + 0.3 * ent.sum()

    grads = dict(zip(p.keys(), torch.autograd.grad(loss_fn(), list(p.values()))))
    eps, worst, n = 1e-5, 0.0, 0
    with torch.no_grad():
        for name, t in p.items():
            flat = t.view(-1)
            idx = torch.randperm(flat.numel(), generator=g)[:4]
            for j in idx.tolist():
                old = float(flat[j])
                flat[j] = old + eps
                lp_ = float(loss_fn())
                flat[j] = old - eps
                lm_ = float(loss_fn())
                flat[j] = old
                fd = (lp_ - lm_) / (2 * eps)
                ad = float(grads[name].view(-1)[j])
                worst = max(worst, abs(fd - ad) / max(1e-3, abs(ad)))
                n += 1
        # one random direction over all parameters at once
        dirs = {k: torch.randn(v.shape, generator=g, dtype=F64) for k, v in p.items()}
        for k in p:
            p[k] += eps * dirs[k]
        lp_ = float(loss_fn())
        for k in p:
            p[k] -= 2 * eps * dirs[k]
        lm_ = float(loss_fn())
        for k in p:
            p[k] += eps * dirs[k]
        fd = (lp_ - lm_) / (2 * eps)
        ad = sum(float((grads[k] * dirs[k]).sum()) for k in p)
    check(worst < 1e-5, f"{n} single-entry central differences vs autograd (worst rel {worst:.1e})")
    check(abs(fd - ad) < 1e-6 * max(1, abs(ad)), f"directional derivative {ad:.8f} vs FD {fd:.8f}")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
    roundtrip_test()
    for d in sorted(glob.glob(os.path.join(root, "models", "*"))):
        check_model_dir(d)
    check_lowp(root)
    check_kernels(root)
    finite_difference_check()
    print("ALL CHECKS PASSED")


if __name__ == "__main__":
    main()
