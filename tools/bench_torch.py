#!/usr/bin/env python3
"""PyTorch CPU baseline for `realm bench`: same model shape, same metrics, same JSON keys.

For a fair comparison run it as

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_torch.py [--json]

(the environment sets OPENBLAS_CORETYPE=Haswell, which disables OpenBLAS's AVX-512 kernels
and makes every fp32 GEMM here markedly slower).

Metrics
  params               parameter count (a tied embedding counts once; default shape is untied)
  train_tokens_per_s   batch*seq / time of one training step = forward + cross-entropy
                       backward + torch.optim.AdamW step (median over timed steps, after
                       warm-up steps)
  decode_tokens_per_s  decode_batch*gen / time of one full batched KV-cache sampling run:
                       prefill of a `prompt`-token prompt + `gen` sampled tokens per sequence
                       (the prefill IS included in the timed region; median over runs)
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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
    ap.add_argument("--decode-runs", type=int, default=5, help="timed generate runs")
    ap.add_argument("--gemm-iters", type=int, default=20)
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
        "tie_word_embeddings": False,
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


def bench_decode(params, cfg, a, g):
    prompts = torch.randint(0, cfg.vocab_size, (a.decode_batch, a.prompt), generator=g)
    with torch.inference_mode():
        R.generate(params, cfg, prompts, min(4, a.gen), generator=g)  # warm-up
        times = []
        for _ in range(a.decode_runs):
            t0 = time.perf_counter()
            ids, _ = R.generate(params, cfg, prompts, a.gen, greedy=False, temperature=1.0, generator=g)
            times.append(time.perf_counter() - t0)
    assert ids.shape == (a.decode_batch, a.gen)
    return times


def bench_gemm(a, g):
    n = 1024
    x = torch.randn(n, n, generator=g)
    y = torch.randn(n, n, generator=g)
    out = torch.empty(n, n)
    for _ in range(3):
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
          f"ffn={a.ffn} vocab={a.vocab} (fp32, untied)")
    rows = [("params", f"{n_params:,}", "")]
    if train_t:
        rows.append(("train_tokens_per_s", f"{result['train_tokens_per_s']:,.1f}",
                     f"batch {a.batch} x seq {a.seq}; fwd + CE bwd + AdamW; median of {a.steps} steps "
                     f"(mean {a.batch * a.seq / statistics.mean(train_t):,.1f}), {a.warmup} warm-up"))
    rows.append(("decode_tokens_per_s", f"{result['decode_tokens_per_s']:,.1f}",
                 f"batch {a.decode_batch}, prompt {a.prompt}, gen {a.gen}; KV cache, sampling; "
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
