using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// Batch-1 decoding's projection: y (+)= x·Wᵀ for one row x, over a weight packed for the GEMM
/// (<see cref="PackedMatrix"/>, F32 or BF16 panels). At one row the GEMM's micro-kernels would multiply
/// padded rows of A (4 on AVX-512, 6 on AVX2): on AVX2 with BF16 that makes the multiply compute-bound,
/// not bandwidth-bound. Here four adjacent panels (4·Nr output columns) are swept together over each k-block
/// with one broadcast of x[p] per k-row and 8 independent FMA chains, so every weight byte is read exactly
/// once and the loop is bound by memory. BF16 is widened in registers by the panel format. Panels are
/// split into chunks the pool's threads claim, so both cores stream; each output is one task's sum in the
/// GEMM's own order, so results do not depend on the thread count or on batching.
/// </summary>
public static unsafe class MatVec
{
    /// <summary>A chunk of panels smaller than this is not worth handing to another thread.</summary>
    private const long MinChunkBytes = 64 << 10;

    /// <summary>Panels swept together: 8 FMA chains, enough to cover the FMA latency on two pipes.</summary>
    private const int Wide = 4;

    /// <summary>y[0..b.Cols) (+)= Σ_k x[k]·op(B)[k, j].</summary>
    public static void Multiply(Cpu cpu, float* x, PackedMatrix b, float* y, bool accumulate)
    {
        if (b.Simd != cpu.Simd) throw new InvalidOperationException($"matrix packed for {b.Simd}, CPU runs {cpu.Simd}");
        using var _ = Profiler.Measure(b.Format == WeightFormat.Bf16 ? "matvec (decode, bf16)" : "matvec (decode)");
        if (b.Format == WeightFormat.Bf16) Run<Bf16Panels>(cpu, x, b, y, accumulate);
        else Run<F32Panels>(cpu, x, b, y, accumulate);
    }

    private static void Run<B>(Cpu cpu, float* x, PackedMatrix b, float* y, bool accumulate) where B : struct, IPanelFormat
    {
        var g = Gemm.GeometryFor(cpu.Simd);
        int panels = (b.Cols + g.Nr - 1) / g.Nr;
        long panelBytes = (long)b.Rows * g.Nr * B.ElementBytes;
        int perChunk = Math.Max((int)Math.Min(panels, MinChunkBytes / Math.Max(1, panelBytes) + 1), (panels + 4 * cpu.Threads - 1) / (4 * cpu.Threads));
        int chunks = (panels + perChunk - 1) / perChunk;
        cpu.Pool.For(chunks, new Work<B>(g, cpu.Simd, b, x, y, accumulate, perChunk, panels));
    }

    private readonly struct Work<B> : IParallelWork where B : struct, IPanelFormat
    {
        private readonly Gemm.Geometry _g;
        private readonly SimdLevel _simd;
        private readonly PackedMatrix _b;
        private readonly float* _x, _y;
        private readonly bool _accumulate;
        private readonly int _perChunk, _panels;

        public Work(Gemm.Geometry g, SimdLevel simd, PackedMatrix b, float* x, float* y, bool accumulate, int perChunk, int panels)
        { _g = g; _simd = simd; _b = b; _x = x; _y = y; _accumulate = accumulate; _perChunk = perChunk; _panels = panels; }

        public void Run(int chunk)
        {
            int panelsPerBlock = _g.Nc / _g.Nr, k = _b.Rows, n = _b.Cols;
            float* sums = stackalloc float[Wide * GemmMicroKernels.Nr512];
            for (int p = chunk * _perChunk, end = Math.Min(_panels, p + _perChunk); p < end;)
            {
                // Four adjacent panels of one column block at a time: 8 independent FMA chains.
                int block = p / panelsPerBlock, local = p % panelsPerBlock, j0 = p * _g.Nr;
                int blockCols = Math.Min(_g.Nc, n - block * _g.Nc), ncPad = Gemm.RoundUp(blockCols, _g.Nr);
                int count = Math.Min(Math.Min(Wide, ncPad / _g.Nr - local), end - p), cols = Math.Min(count * _g.Nr, n - j0);
                float* yj = _y + j0;
                for (int j = 0; j < count * _g.Nr; j++) sums[j] = _accumulate && j < cols ? yj[j] : 0f;
                byte* blockData = _b.ColumnBlock(block);
                for (int kb = 0; kb * _g.Kc < k; kb++)
                {
                    int kc = Math.Min(_g.Kc, k - kb * _g.Kc);
                    byte* panel = blockData + Gemm.PanelOffset(_g, k, ncPad, kb, local) * B.ElementBytes;
                    float* xk = _x + kb * _g.Kc;
                    long next = (long)_g.Nr * kc * B.ElementBytes; // the second panel follows the first
                    if (_simd == SimdLevel.Vector512) Panels512<B>(kc, xk, panel, next, count, sums);
                    else if (_simd == SimdLevel.Vector256) Panels256<B>(kc, xk, panel, next, count, sums);
                    else for (int i = 0; i < count; i++) PanelScalar<B>(kc, xk, panel + i * next, sums + i * _g.Nr, _g.Nr);
                }
                for (int j = 0; j < cols; j++) yj[j] = sums[j];
                p += count;
            }
        }
    }

    // The sums follow the GEMM micro-kernels' order exactly: per column, one FMA chain over the k-rows of a
    // k-block, added to the running total once per k-block. So a row decoded alone gets the very bits it
    // gets in a batch (sampling does not depend on batching, and KV-cache decoding matches the full pass).

    /// <summary>sums[0..32·count) += Σ_p x[p]·panel[p, ·] over kc k-rows of four 32-wide panels (8 FMA chains), or of one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panels512<B>(int kc, float* x, byte* b, long next, int count, float* sums) where B : struct, IPanelFormat
    {
        int row = 32 * B.ElementBytes;
        if (count == Wide)
        {
            Vector512<float> a0 = default, a1 = default, c0 = default, c1 = default, e0 = default, e1 = default, g0 = default, g1 = default;
            for (int p = 0; p < kc; p++, b += row)
            {
                var xp = Vector512.Create(x[p]);
                B.Load512(b, out var l0, out var h0);
                B.Load512(b + next, out var l1, out var h1);
                a0 = Vector512.FusedMultiplyAdd(xp, l0, a0); a1 = Vector512.FusedMultiplyAdd(xp, h0, a1);
                c0 = Vector512.FusedMultiplyAdd(xp, l1, c0); c1 = Vector512.FusedMultiplyAdd(xp, h1, c1);
                B.Load512(b + 2 * next, out var l2, out var h2);
                B.Load512(b + 3 * next, out var l3, out var h3);
                e0 = Vector512.FusedMultiplyAdd(xp, l2, e0); e1 = Vector512.FusedMultiplyAdd(xp, h2, e1);
                g0 = Vector512.FusedMultiplyAdd(xp, l3, g0); g1 = Vector512.FusedMultiplyAdd(xp, h3, g1);
            }
            Add(sums, a0, a1); Add(sums + 32, c0, c1); Add(sums + 64, e0, e1); Add(sums + 96, g0, g1);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            Vector512<float> a0 = default, a1 = default;
            byte* bp = b + i * next;
            for (int p = 0; p < kc; p++, bp += row)
            {
                var xp = Vector512.Create(x[p]);
                B.Load512(bp, out var l0, out var h0);
                a0 = Vector512.FusedMultiplyAdd(xp, l0, a0); a1 = Vector512.FusedMultiplyAdd(xp, h0, a1);
            }
            Add(sums + i * 32, a0, a1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* sums, Vector512<float> low, Vector512<float> high)
    {
        Vector512.Store(Vector512.Load(sums) + low, sums);
        Vector512.Store(Vector512.Load(sums + 16) + high, sums + 16);
    }

    /// <summary>sums[0..16·count) += Σ_p x[p]·panel[p, ·] over kc k-rows of four 16-wide panels (8 FMA chains), or of one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panels256<B>(int kc, float* x, byte* b, long next, int count, float* sums) where B : struct, IPanelFormat
    {
        int row = 16 * B.ElementBytes;
        if (count == Wide)
        {
            Vector256<float> a0 = default, a1 = default, c0 = default, c1 = default, e0 = default, e1 = default, g0 = default, g1 = default;
            for (int p = 0; p < kc; p++, b += row)
            {
                var xp = Vector256.Create(x[p]);
                B.Load256(b, out var l0, out var h0);
                B.Load256(b + next, out var l1, out var h1);
                a0 = Vector256.FusedMultiplyAdd(xp, l0, a0); a1 = Vector256.FusedMultiplyAdd(xp, h0, a1);
                c0 = Vector256.FusedMultiplyAdd(xp, l1, c0); c1 = Vector256.FusedMultiplyAdd(xp, h1, c1);
                B.Load256(b + 2 * next, out var l2, out var h2);
                B.Load256(b + 3 * next, out var l3, out var h3);
                e0 = Vector256.FusedMultiplyAdd(xp, l2, e0); e1 = Vector256.FusedMultiplyAdd(xp, h2, e1);
                g0 = Vector256.FusedMultiplyAdd(xp, l3, g0); g1 = Vector256.FusedMultiplyAdd(xp, h3, g1);
            }
            Add(sums, a0, a1); Add(sums + 16, c0, c1); Add(sums + 32, e0, e1); Add(sums + 48, g0, g1);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            Vector256<float> a0 = default, a1 = default;
            byte* bp = b + i * next;
            for (int p = 0; p < kc; p++, bp += row)
            {
                var xp = Vector256.Create(x[p]);
                B.Load256(bp, out var l0, out var h0);
                a0 = Vector256.FusedMultiplyAdd(xp, l0, a0); a1 = Vector256.FusedMultiplyAdd(xp, h0, a1);
            }
            Add(sums + i * 16, a0, a1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* sums, Vector256<float> low, Vector256<float> high)
    {
        Vector256.Store(Vector256.Load(sums) + low, sums);
        Vector256.Store(Vector256.Load(sums + 8) + high, sums + 8);
    }

    private static void PanelScalar<B>(int kc, float* x, byte* b, float* sums, int nr) where B : struct, IPanelFormat
    {
        int row = nr * B.ElementBytes;
        for (int j = 0; j < nr; j++)
        {
            float s = 0;
            for (int p = 0; p < kc; p++) s = MathF.FusedMultiplyAdd(x[p], B.Load1(b + (long)p * row, j), s);
            sums[j] += s;
        }
    }
}
