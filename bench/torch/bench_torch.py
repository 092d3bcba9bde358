#!/usr/bin/env python3
"""PyTorch CPU baseline for `realm bench`: same model shape, same metrics, same JSON keys.

For a fair comparison run it as

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch/bench_torch.py [--json]

(the environment sets OPENBLAS_CORETYPE=Haswell, which disables OpenBLAS's AVX-512 kernels
and makes every fp32 GEMM here markedly slower).

Metrics
  params               parameter count (a tied embedding counts once; untied by default, as realm
                       bench's model; --tied for realm's Qwen-shaped benchmarks)
  train_tokens_per_s   batch*seq / time of one training step = forward + cross-entropy
                       backward + torch.optim.AdamW step (median over timed steps, after
                       warm-up steps)
  decode_tokens_per_s  decode_batch*gen / time of one full batched KV-cache sampling run:
                       prefill of a `prompt`-token prompt + `gen` sampled tokens per sequence
                       (the prefill IS included in the timed region; median over runs), on
                       FastDecoder: fused q/k/v and gate/up, a preallocated KV cache written in
                       place, last-position logits only
The counts are realm bench's: median of 5 training steps after 2 warm-up steps, of 3 decode
runs after a 16-token warm-up run, of 15 GEMMs after 3.
  gemm_gflops          2*1024^3 / t for a 1024x1024x1024 fp32 torch.matmul (median)
  peak_gflops, mfu     null (not measured here)
  peak_rss_mb          resource.getrusage(RUSAGE_SELF).ru_maxrss in MiB
The model is tools/llama_reference.py in float32 with the standard [batch, seq] layout
(torch 1.13 has no F.scaled_dot_product_attention, so attention is matmul + causal-masked
softmax, with GQA done by folding query-head groups instead of copying K/V).
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

# the reference model stays with the other PyTorch reference code in the repository's tools/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import llama_reference as R  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=688)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--decode-batch", type=int, default=16)
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--gen", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", action="store_true", help="print only the JSON result line")
    ap.add_argument("--warmup", type=int, default=2, help="untimed training steps")
    ap.add_argument("--steps", type=int, default=5, help="timed training steps")
    # the same counts as `realm bench` (src/Realm.Cli/Bench/EngineBench.cs): medians of 5 steps, 3 runs, 15 GEMMs
    ap.add_argument("--decode-runs", type=int, default=3, help="timed generate runs")
    ap.add_argument("--gemm-iters", type=int, default=15)
    ap.add_argument("--tied", action="store_true", help="tie the output head to the embedding (realm bench's model is untied)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--decode-only", action="store_true",
                    help="time decoding only (train_tokens_per_s and gemm_gflops are null): for real-size shapes, "
                         "whose training step would not fit or take minutes")
    return ap.parse_args()


def model_config(a):
    return R.LlamaConfig({
        "model_type": "llama",
        "hidden_size": a.dim,
        "intermediate_size": a.ffn,
        "num_hidden_layers": a.layers,
        "num_attention_heads": a.heads,
        "num_key_value_heads": a.kv_heads,
        "vocab_size": a.vocab,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "max_position_embeddings": max(a.seq, a.prompt + a.gen),
        "tie_word_embeddings": a.tied,
    })


def bench_train(params, cfg, a, g):
    leaves = list(params.values())
    for t in leaves:
        t.requires_grad_(True)
    opt = torch.optim.AdamW(leaves, lr=1e-4, weight_decay=0.01)
    data = torch.randint(0, cfg.vocab_size, (a.batch, a.seq + 1), generator=g)
    inputs, targets = data[:, :-1], data[:, 1:]

    def step():
        logits = R.forward_batched(params, cfg, inputs)
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab_size), targets.reshape(-1))
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return float(loss)

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    for t in leaves:
        t.requires_grad_(False)
    return times


class FastDecoder:
    """PyTorch 1.13's best batched decode path for this model, as a careful user would write it: q/k/v and
    gate/up fused into one matrix each (one F.linear instead of three or two), a KV cache preallocated for the
    whole run and written in place (slice assignment, no growing torch.cat), RoPE tables computed once, GQA by
    folding the query heads of a group (no K/V copies), logits of the last prompt position only, and no
    autograd (inference_mode). Checked against tools/llama_reference.generate (same greedy ids) on start-up."""

    def __init__(self, params, cfg, batch, max_len):
        self.cfg, self.batch = cfg, batch
        H, Hkv, hd, L = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim, cfg.num_hidden_layers
        self.split = (H * hd, Hkv * hd, Hkv * hd)
        self.layers = []
        for i in range(L):
            p = f"model.layers.{i}."
            qkv = torch.cat([params[p + f"self_attn.{n}_proj.weight"] for n in "qkv"])
            bias = (torch.cat([params[p + f"self_attn.{n}_proj.bias"] for n in "qkv"])
                    if cfg.attention_bias else None)
            gate_up = torch.cat([params[p + "mlp.gate_proj.weight"], params[p + "mlp.up_proj.weight"]])
            self.layers.append((params[p + "input_layernorm.weight"], qkv, bias, params[p + "self_attn.o_proj.weight"],
                                params[p + "post_attention_layernorm.weight"], gate_up, params[p + "mlp.down_proj.weight"]))
        self.embed = params["model.embed_tokens.weight"]
        self.norm = params["model.norm.weight"]
        self.head = R.lm_head_weight(params, cfg)
        self.cos, self.sin = R.rope_cos_sin(torch.arange(max_len), hd, cfg.rope_theta, torch.float32)
        self.k = torch.zeros(L, batch, Hkv, max_len, hd)
        self.v = torch.zeros(L, batch, Hkv, max_len, hd)
        self.length = 0

    def forward(self, ids):
        """ids [B, T] at positions length .. length+T-1 -> logits of the last position [B, V]."""
        cfg = self.cfg
        B, T = ids.shape
        H, Hkv, hd, eps = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim, cfg.rms_norm_eps
        start, end = self.length, self.length + T
        cos, sin = self.cos[start:end], self.sin[start:end]
        x = F.embedding(ids, self.embed)
        for i, (n1, qkv, bias, wo, n2, gate_up, down) in enumerate(self.layers):
            q, k, v = F.linear(R.rms_norm(x, n1, eps), qkv, bias).split(self.split, dim=-1)
            q = R.apply_rope(q.view(B, T, H, hd), cos, sin).transpose(1, 2)
            self.k[i, :, :, start:end] = R.apply_rope(k.view(B, T, Hkv, hd), cos, sin).transpose(1, 2)
            self.v[i, :, :, start:end] = v.view(B, T, Hkv, hd).transpose(1, 2)
            a = R.grouped_causal_attention(q, self.k[i, :, :, :end], self.v[i, :, :, :end], hd ** -0.5, offset=start)
            x = x + F.linear(a.transpose(1, 2).reshape(B, T, H * hd), wo)
            g, u = F.linear(R.rms_norm(x, n2, eps), gate_up).chunk(2, dim=-1)
            x = x + F.linear(F.silu(g) * u, down)
        self.length = end
        return F.linear(R.rms_norm(x[:, -1], self.norm, eps), self.head)

    def generate(self, prompts, gen, greedy, generator=None):
        self.length = 0
        logits = self.forward(prompts)
        out = []
        for step in range(gen):
            nxt = (logits.argmax(-1) if greedy
                   else torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)[:, 0])
            out.append(nxt)
            if step + 1 < gen:
                logits = self.forward(nxt[:, None])
        return torch.stack(out, 1)


def bench_decode(params, cfg, a, g):
    prompts = torch.randint(0, cfg.vocab_size, (a.decode_batch, a.prompt), generator=g)
    with torch.inference_mode():
        dec = FastDecoder(params, cfg, a.decode_batch, a.prompt + a.gen)
        n_check = min(4, a.gen)
        ref_ids, _ = R.generate(params, cfg, prompts[:1], n_check, greedy=True)
        fast_ids = FastDecoder(params, cfg, 1, a.prompt + n_check).generate(prompts[:1], n_check, greedy=True)
        if not torch.equal(ref_ids, fast_ids):
            sys.exit(f"bench_torch: the fast decode path disagrees with llama_reference.generate: {fast_ids.tolist()} vs {ref_ids.tolist()}")
        dec.generate(prompts, min(16, a.gen), greedy=False, generator=g)  # warm-up, as realm bench's
        times = []
        for _ in range(a.decode_runs):
            t0 = time.perf_counter()
            ids = dec.generate(prompts, a.gen, greedy=False, generator=g)
            times.append(time.perf_counter() - t0)
    assert ids.shape == (a.decode_batch, a.gen)
    return times


def bench_gemm(a, g):
    n = 1024
    x = torch.randn(n, n, generator=g)
    y = torch.randn(n, n, generator=g)
    out = torch.empty(n, n)
    for _ in range(3):  # warm-up, as realm bench's
        torch.matmul(x, y, out=out)
    times = []
    for _ in range(a.gemm_iters):
        t0 = time.perf_counter()
        torch.matmul(x, y, out=out)
        times.append(time.perf_counter() - t0)
    return times


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(a.seed)
    cfg = model_config(a)
    params = R.init_params(cfg, g, dtype=torch.float32, embed_std=1.0)
    n_params = R.num_params(params)

    train_t = None if a.decode_only else bench_train(params, cfg, a, g)
    decode_t = bench_decode(params, cfg, a, g)
    gemm_t = None if a.decode_only else bench_gemm(a, g)

    decode_med = statistics.median(decode_t)
    result = {
        "params": n_params,
        "train_tokens_per_s": a.batch * a.seq / statistics.median(train_t) if train_t else None,
        "decode_tokens_per_s": a.decode_batch * a.gen / decode_med,
        "gemm_gflops": 2.0 * 1024**3 / statistics.median(gemm_t) / 1e9 if gemm_t else None,
        "peak_gflops": None,
        "mfu": None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    if a.json:
        print(json.dumps(result))
        return

    ob = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    print(f"PyTorch {torch.__version__} CPU baseline, threads={a.threads}, "
          f"OPENBLAS env: {ob if ob else 'unset'}")
    print(f"model: dim={a.dim} layers={a.layers} heads={a.heads} kv_heads={a.kv_heads} "
          f"ffn={a.ffn} vocab={a.vocab} (fp32, {'tied' if a.tied else 'untied'})")
    rows = [("params", f"{n_params:,}", "")]
    if train_t:
        rows.append(("train_tokens_per_s", f"{result['train_tokens_per_s']:,.1f}",
                     f"batch {a.batch} x seq {a.seq}; fwd + CE bwd + AdamW; median of {a.steps} steps "
                     f"(mean {a.batch * a.seq / statistics.mean(train_t):,.1f}), {a.warmup} warm-up"))
    rows.append(("decode_tokens_per_s", f"{result['decode_tokens_per_s']:,.1f}",
                 f"batch {a.decode_batch}, prompt {a.prompt}, gen {a.gen}; preallocated KV cache, sampling; "
                 f"time INCLUDES prefill; median of {a.decode_runs} runs"))
    if gemm_t:
        rows.append(("gemm_gflops", f"{result['gemm_gflops']:,.1f}",
                     f"1024^3 fp32 torch.matmul, median of {a.gemm_iters} (best {2 * 1024**3 / min(gemm_t) / 1e9:,.1f})"))
    rows += [
        ("peak_gflops", "n/a", ""),
        ("mfu", "n/a", ""),
        ("peak_rss_mb", f"{result['peak_rss_mb']:,.1f}", "ru_maxrss"),
    ]
    for k, v, note in rows:
        print(f"  {k:22s} {v:>14s}   {note}")


if __name__ == "__main__":
    main()
