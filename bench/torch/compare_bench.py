#!/usr/bin/env python3
"""Side by side: `realm bench` and bench_torch.py (next to this file) on the same shape, in one run, interleaved.

    /usr/bin/python3 bench/torch/compare_bench.py [--rounds 3] [--threads 2] [--isa native|avx2] [extra shape flags...]

Builds the CLI (Release), then runs the two benchmarks alternately `--rounds` times (so machine noise
hits both alike), and prints each metric's median and the ratio realm / PyTorch next to the targets of
issue #2. PyTorch runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (its AVX-512 kernels), the
same thread count. --isa avx2 emulates an AVX2-only machine on both sides: realm runs with
DOTNET_EnableAVX512=0 DOTNET_EnableAVXVNNI=0, PyTorch with OPENBLAS_CORETYPE=Haswell (OpenBLAS's AVX2
kernels) and ATEN_CPU_CAPABILITY=avx2 (ATen's AVX2 kernels). Shape flags after the known options are passed to both benchmarks unchanged.

Fairness: both sides build the same model (realm bench's is untied, and so is bench_torch.py's by default;
the script stops if the two parameter counts differ), take medians of the same numbers of timed runs
(5 training steps, 3 decode runs, 15 GEMMs), and PyTorch decodes on its best 1.13 path (bench_torch.py's
FastDecoder: preallocated KV cache written in place).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # the repository: bench/torch/ -> ../..
TARGETS = {"train_tokens_per_s": 3.0, "decode_tokens_per_s": 10.0, "gemm_gflops": 0.8}


def run_json(cmd, env=None):
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--isa", choices=["native", "avx2"], default="native")
    args, shape = ap.parse_known_args()

    subprocess.run(["dotnet", "build", "-c", "Release", "src/Realm.Cli", "-v", "quiet", "-nologo"], cwd=ROOT, check=True,
                   capture_output=True)
    realm = ["dotnet", os.path.join(ROOT, "src/Realm.Cli/bin/Release/net10.0/realm.dll"), "bench", "--json",
             "--threads", str(args.threads)] + shape
    realm_env = dict(os.environ)
    torch_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    if args.isa == "avx2":
        realm_env.update(DOTNET_EnableAVX512="0", DOTNET_EnableAVXVNNI="0")
        torch_env.update(OPENBLAS_CORETYPE="Haswell", ATEN_CPU_CAPABILITY="avx2")
    torch = ["/usr/bin/python3", os.path.join(HERE, "bench_torch.py"), "--json", "--threads", str(args.threads)] + shape

    results = {"realm": [], "torch": []}
    for r in range(args.rounds):
        results["realm"].append(run_json(realm, realm_env))
        results["torch"].append(run_json(torch, torch_env))
        print(f"round {r + 1}: realm {json.dumps(results['realm'][-1])}", file=sys.stderr)
        print(f"round {r + 1}: torch {json.dumps(results['torch'][-1])}", file=sys.stderr)
        if results["realm"][-1]["params"] != results["torch"][-1]["params"]:
            sys.exit(f"compare_bench: the models differ: realm has {results['realm'][-1]['params']:,} parameters, "
                     f"PyTorch {results['torch'][-1]['params']:,}; the comparison would not be fair")

    med = {side: {k: statistics.median(x[k] for x in runs) if runs[0][k] is not None else None for k in runs[0]}
           for side, runs in results.items()}
    print(f"isa {args.isa}, {args.threads} thread(s), medians of {args.rounds} round(s)")
    print(f"{'params':<22}{med['realm']['params']:>12,.0f}{med['torch']['params']:>12,.0f}")
    print(f"{'metric':<22}{'realm':>12}{'pytorch':>12}{'ratio':>9}{'target':>9}")
    for key in ("train_tokens_per_s", "decode_tokens_per_s", "gemm_gflops"):
        ratio = med["realm"][key] / med["torch"][key]
        verdict = "ok" if ratio >= TARGETS[key] else "MISSED"
        print(f"{key:<22}{med['realm'][key]:>12.1f}{med['torch'][key]:>12.1f}{ratio:>8.2f}x{TARGETS[key]:>7.1f}x  {verdict}")
    mfu = med["realm"]["mfu"]
    print(f"{'mfu (realm)':<22}{mfu:>12.1%}{'':>12}{'':>9}{'35%':>9}  {'ok' if mfu >= 0.35 else 'MISSED'}")
    print(f"{'peak_gflops (realm)':<22}{med['realm']['peak_gflops']:>12.1f}")
    print(f"{'peak_rss_mb':<22}{med['realm']['peak_rss_mb']:>12.1f}{med['torch']['peak_rss_mb']:>12.1f}")


if __name__ == "__main__":
    main()
