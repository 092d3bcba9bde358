using System.Runtime.CompilerServices;
using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// Single-precision matrix multiply, row-major: C[m×n] = op(A)·op(B) (or C += when accumulating), where
/// op(A) is m×k (A stored k×m when transA) and op(B) is k×n (B stored n×k when transB). The three forms
/// a linear layer needs are A·Bᵀ (forward), A·B (input gradient) and Aᵀ·B (weight gradient).
///
/// Design (after BLIS/GotoBLAS): B is packed into NR-wide column panels, KC deep, shared by all threads.
/// Each task owns a block of C rows (and a range of its columns): for each KC step it packs its rows of
/// A into MR-tall panels and sweeps them against the B panels with a register-blocked micro-kernel,
/// keeping its C block in cache across the whole k loop. Every element of C is produced by one task
/// summing k in a fixed order, so results are identical for any thread count. A B packed ahead of time
/// (<see cref="PackedMatrix"/>) may hold BF16, which the micro-kernels widen to F32 in registers.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>Packed B is built for at most this many floats at a time (bounds memory for huge k·n).</summary>
    private const long PackedBBudget = 8L << 20;

    /// <summary>Bytes of C one task keeps hot across k-blocks: about half of a 1 MiB L2.</summary>
    private const long CBlockBudget = 512L << 10;

    internal readonly struct Geometry
    {
        public readonly int Mr, Nr, Kc, Mc, Nc;
        public Geometry(int mr, int nr, int kc, int mc, int nc) { Mr = mr; Nr = nr; Kc = kc; Mc = mc; Nc = nc; }
    }

    /// <summary>Blocking for a SIMD level: the micro-kernel's MR×NR, and KC, MC, NC cache blocks.</summary>
    internal static Geometry GeometryFor(SimdLevel simd) => simd switch
    {
        SimdLevel.Vector512 => new Geometry(GemmMicroKernels.Mr512, GemmMicroKernels.Nr512, 256, 192, 4096),
        SimdLevel.Vector256 => new Geometry(GemmMicroKernels.Mr256, GemmMicroKernels.Nr256, 256, 192, 4096),
        _ => new Geometry(GemmMicroKernels.MrScalar, GemmMicroKernels.NrScalar, 256, 64, 4096),
    };

    /// <summary>
    /// Blocking for <paramref name="m"/> rows: on AVX-512 a short A (decoding) uses the 4-row kernel for up
    /// to 4 rows, and the 8-row kernel when that pads fewer rows than the 12-row one. Kc, Nc and Nr never
    /// depend on m, so packed B fits them all.
    /// </summary>
    internal static Geometry GeometryFor(SimdLevel simd, int m)
    {
        var g = GeometryFor(simd);
        if (simd != SimdLevel.Vector512 || m > 64) return g;
        int mr = m <= GemmMicroKernels.Mr512Tiny ? GemmMicroKernels.Mr512Tiny
            : RoundUp(m, GemmMicroKernels.Mr512Small) < RoundUp(m, g.Mr) ? GemmMicroKernels.Mr512Small : g.Mr;
        return new Geometry(mr, g.Nr, g.Kc, g.Mc / g.Mr * mr, g.Nc);
    }

    internal static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    [ThreadStatic] private static NativeBuffer? t_packA;
    [ThreadStatic] private static NativeBuffer? t_packB;

    /// <summary>C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.</summary>
    public static void Multiply(Cpu cpu, int m, int n, int k,
        float* a, int lda, bool transA, float* b, int ldb, bool transB,
        float* c, int ldc, bool accumulate)
    {
        if (m <= 0 || n <= 0) return;
        using var _ = Profiler.Measure(transA ? "gemm Aᵀ·B (weight grad)" : transB ? "gemm A·Bᵀ (forward)" : "gemm A·B (input grad)");
        if (k <= 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        var g = GeometryFor(cpu.Simd, m);
        for (int jc = 0; jc < n; jc += g.Nc)
        {
            int nc = Math.Min(g.Nc, n - jc), ncPad = RoundUp(nc, g.Nr);
            int kSpan = (int)Math.Clamp(PackedBBudget / ncPad / g.Kc * g.Kc, g.Kc, RoundUp(k, g.Kc));
            for (int k0 = 0; k0 < k; k0 += kSpan)
            {
                int kLen = Math.Min(kSpan, k - k0);
                float* bPack = Scratch.Get(ref t_packB, (long)kLen * ncPad);
                int kBlocks = (kLen + g.Kc - 1) / g.Kc, panels = ncPad / g.Nr;
                cpu.Pool.For(kBlocks * panels, new PackBWork(g, b, ldb, transB, k0, kLen, jc, nc, bPack));
                RunBlocks<F32Panels>(cpu, g, m, nc, a, lda, transA, k0, kLen, (byte*)bPack, c + jc, ldc, accumulate || k0 > 0);
            }
        }
    }

    /// <summary>
    /// C (+)= op(A)·B for a B packed ahead of time (weights reused across many calls, e.g. decoding), in
    /// F32 or BF16; A and C are F32 either way.
    /// </summary>
    public static void Multiply(Cpu cpu, int m, float* a, int lda, bool transA, PackedMatrix b,
        float* c, int ldc, bool accumulate)
    {
        if (b.Simd != cpu.Simd) throw new InvalidOperationException($"matrix packed for {b.Simd}, CPU runs {cpu.Simd}");
        if (m <= 0) return;
        if (m == 1 || b.Format == WeightFormat.Q8)
        {
            DecodeProjection.Multiply(cpu, m, a, lda, transA, b, c, ldc, accumulate); // one row: a matrix-vector product; Q8: its own kernels
            return;
        }
        using var _ = Profiler.Measure(b.Format == WeightFormat.Bf16 ? "gemm A·packed B (inference, bf16)" : "gemm A·packed B (inference)");
        if (b.Format == WeightFormat.Bf16) MultiplyPacked<Bf16Panels>(cpu, m, a, lda, transA, b, c, ldc, accumulate);
        else MultiplyPacked<F32Panels>(cpu, m, a, lda, transA, b, c, ldc, accumulate);
    }

    private static void MultiplyPacked<B>(Cpu cpu, int m, float* a, int lda, bool transA, PackedMatrix b,
        float* c, int ldc, bool accumulate) where B : struct, IPanelFormat
    {
        var g = GeometryFor(cpu.Simd, m);
        for (int jc = 0, block = 0; jc < b.Cols; jc += g.Nc, block++)
            RunBlocks<B>(cpu, g, m, Math.Min(g.Nc, b.Cols - jc), a, lda, transA, 0, b.Rows, b.ColumnBlock(block), c + jc, ldc, accumulate);
    }

    /// <summary>
    /// Where the panel for k-block <paramref name="kBlock"/> and column panel <paramref name="panel"/> sits
    /// in packed B covering kLen rows and ncPad columns: k-blocks of Kc rows one after another, each
    /// holding its column panels one after another.
    /// </summary>
    internal static long PanelOffset(in Geometry g, int kLen, int ncPad, int kBlock, int panel)
    {
        int kc = Math.Min(g.Kc, kLen - kBlock * g.Kc);
        return (long)kBlock * g.Kc * ncPad + (long)panel * g.Nr * kc;
    }

    private static void RunBlocks<B>(Cpu cpu, in Geometry g, int m, int nc, float* a, int lda, bool transA, int k0, int kLen,
        byte* bPack, float* c, int ldc, bool accumulate) where B : struct, IPanelFormat
    {
        int panels = (nc + g.Nr - 1) / g.Nr;
        // Row blocks of at most Mc rows, as equal as MR allows, in a multiple of the thread count so no
        // thread is left with a short last block.
        int rowPanels = (m + g.Mr - 1) / g.Mr;
        int mBlocks = (rowPanels * g.Mr + g.Mc - 1) / g.Mc;
        if (rowPanels >= cpu.Threads) mBlocks = Math.Min(rowPanels, RoundUp(mBlocks, cpu.Threads));
        // Split the columns when A has few row blocks (to keep every thread busy), and when a task's C
        // block would not stay in L2 across k-blocks (it is re-read once per k-block).
        int nSplits = Math.Max(2 * cpu.Threads / mBlocks, 1);
        long cBlockBytes = (long)(rowPanels / mBlocks + 1) * g.Mr * nc * sizeof(float);
        if (kLen > g.Kc) nSplits = Math.Max(nSplits, (int)((cBlockBytes + CBlockBudget - 1) / CBlockBudget));
        nSplits = Math.Clamp(nSplits, 1, panels);
        int panelsPerSplit = (panels + nSplits - 1) / nSplits;
        nSplits = (panels + panelsPerSplit - 1) / panelsPerSplit;
        cpu.Pool.For(mBlocks * nSplits, new BlockWork<B>(g, cpu.Simd, m, nc, rowPanels, mBlocks, a, lda, transA, k0, kLen,
            bPack, c, ldc, accumulate, nSplits, panelsPerSplit));
    }

    private readonly struct PackBWork : IParallelWork
    {
        private readonly Geometry _g;
        private readonly float* _b, _dst;
        private readonly int _ldb, _k0, _kLen, _jc, _nc;
        private readonly bool _trans;

        public PackBWork(Geometry g, float* b, int ldb, bool trans, int k0, int kLen, int jc, int nc, float* dst)
        { _g = g; _b = b; _ldb = ldb; _trans = trans; _k0 = k0; _kLen = kLen; _jc = jc; _nc = nc; _dst = dst; }

        public void Run(int index)
        {
            int panels = RoundUp(_nc, _g.Nr) / _g.Nr;
            int kBlock = index / panels, panel = index % panels;
            int j0 = panel * _g.Nr, kc = Math.Min(_g.Kc, _kLen - kBlock * _g.Kc);
            GemmPacking.PackB(_b, _ldb, _trans, _k0 + kBlock * _g.Kc, _jc + j0, kc, Math.Min(_g.Nr, _nc - j0), _g.Nr,
                _dst + PanelOffset(_g, _kLen, RoundUp(_nc, _g.Nr), kBlock, panel));
        }
    }

    /// <summary>One task's block of C rows × a range of column panels, over all of k; B's panels in format <typeparamref name="B"/>.</summary>
    private readonly struct BlockWork<B> : IParallelWork where B : struct, IPanelFormat
    {
        private readonly Geometry _g;
        private readonly SimdLevel _simd;
        private readonly int _m, _nc, _rowPanels, _mBlocks, _lda, _k0, _kLen, _ldc, _nSplits, _panelsPerSplit;
        private readonly float* _a, _c;
        private readonly byte* _bPack;
        private readonly bool _transA, _accumulate;

        public BlockWork(Geometry g, SimdLevel simd, int m, int nc, int rowPanels, int mBlocks, float* a, int lda, bool transA,
            int k0, int kLen, byte* bPack, float* c, int ldc, bool accumulate, int nSplits, int panelsPerSplit)
        {
            _g = g; _simd = simd; _m = m; _nc = nc; _rowPanels = rowPanels; _mBlocks = mBlocks; _a = a; _lda = lda;
            _transA = transA; _k0 = k0; _kLen = kLen; _bPack = bPack; _c = c; _ldc = ldc; _accumulate = accumulate;
            _nSplits = nSplits; _panelsPerSplit = panelsPerSplit;
        }

        public void Run(int task)
        {
            int mBlock = task / _nSplits, split = task % _nSplits;
            int firstRowPanel = (int)((long)mBlock * _rowPanels / _mBlocks);
            int lastRowPanel = (int)((long)(mBlock + 1) * _rowPanels / _mBlocks);
            int i0 = firstRowPanel * _g.Mr, rows = Math.Min(lastRowPanel * _g.Mr, _m) - i0;
            if (rows <= 0) return;
            int rowPanels = lastRowPanel - firstRowPanel;
            int ncPad = RoundUp(_nc, _g.Nr);
            int firstPanel = split * _panelsPerSplit;
            int lastPanel = Math.Min(ncPad / _g.Nr, firstPanel + _panelsPerSplit);
            float* aPack = Scratch.Get(ref t_packA, (long)rowPanels * _g.Mr * _g.Kc);
            float* edge = stackalloc float[GemmMicroKernels.Mr512 * GemmMicroKernels.Nr512];

            for (int kBlock = 0, kDone = 0; kDone < _kLen; kBlock++, kDone += _g.Kc)
            {
                int kc = Math.Min(_g.Kc, _kLen - kDone);
                bool accumulate = _accumulate || kBlock > 0;
                GemmPacking.PackA(_a, _lda, _transA, i0, _k0 + kDone, rows, kc, _g.Mr, aPack);
                for (int jp = firstPanel; jp < lastPanel; jp++)
                {
                    int j0 = jp * _g.Nr, cols = Math.Min(_g.Nr, _nc - j0);
                    byte* bp = _bPack + PanelOffset(_g, _kLen, ncPad, kBlock, jp) * B.ElementBytes;
                    for (int ip = 0; ip < rowPanels; ip++)
                    {
                        int r0 = ip * _g.Mr, mr = Math.Min(_g.Mr, rows - r0);
                        float* ap = aPack + (long)ip * _g.Mr * kc;
                        float* cTile = _c + (long)(i0 + r0) * _ldc + j0;
                        if (mr == _g.Mr && cols == _g.Nr)
                            RunKernel<B>(_simd, _g.Mr, kc, ap, bp, cTile, _ldc, accumulate);
                        else
                        {
                            RunKernel<B>(_simd, _g.Mr, kc, ap, bp, edge, _g.Nr, false);
                            for (int i = 0; i < mr; i++)
                                for (int j = 0; j < cols; j++)
                                {
                                    float v = edge[i * _g.Nr + j];
                                    cTile[(long)i * _ldc + j] = accumulate ? cTile[(long)i * _ldc + j] + v : v;
                                }
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunKernel<B>(SimdLevel simd, int mr, int kc, float* a, byte* b, float* c, int ldc, bool accumulate)
        where B : struct, IPanelFormat
    {
        if (simd == SimdLevel.Vector512)
        {
            if (mr == GemmMicroKernels.Mr512) GemmMicroKernels.Kernel512<B>(kc, a, b, c, ldc, accumulate);
            else if (mr == GemmMicroKernels.Mr512Small) GemmMicroKernels.Kernel512Small<B>(kc, a, b, c, ldc, accumulate);
            else GemmMicroKernels.Kernel512Tiny<B>(kc, a, b, c, ldc, accumulate);
        }
        else if (simd == SimdLevel.Vector256) GemmMicroKernels.Kernel256<B>(kc, a, b, c, ldc, accumulate);
        else GemmMicroKernels.KernelScalar<B>(kc, a, b, c, ldc, accumulate);
    }
}
