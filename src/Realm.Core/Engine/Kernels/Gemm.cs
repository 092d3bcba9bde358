using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// Single-precision matrix multiply, row-major: C[m×n] = op(A)·op(B) (or C += when accumulating), where
/// op(A) is m×k (A stored k×m when transA) and op(B) is k×n (B stored n×k when transB). The three forms
/// a linear layer needs are A·Bᵀ (forward), A·B (input gradient) and Aᵀ·B (weight gradient).
///
/// Design (after BLIS/GotoBLAS): B is packed once per k-block into NR-wide column panels shared by all
/// threads; each task packs an MC-row block of A into MR-tall row panels and sweeps it against a range of
/// B panels with a register-blocked micro-kernel. Every element of C is produced by exactly one task
/// summing k in a fixed order, so results are identical for any thread count.
/// </summary>
public static unsafe class Gemm
{
    internal readonly struct Geometry
    {
        public readonly int Mr, Nr, Kc, Mc, Nc;
        public Geometry(int mr, int nr, int kc, int mc, int nc) { Mr = mr; Nr = nr; Kc = kc; Mc = mc; Nc = nc; }
    }

    internal static Geometry GeometryFor(SimdLevel simd) => simd switch
    {
        SimdLevel.Vector512 => new Geometry(GemmMicroKernels.Mr512, GemmMicroKernels.Nr512, TKc, TMc, TNc),
        SimdLevel.Vector256 => new Geometry(GemmMicroKernels.Mr256, GemmMicroKernels.Nr256, 256, 192, 4096),
        _ => new Geometry(GemmMicroKernels.MrScalar, GemmMicroKernels.NrScalar, 256, 64, 4096),
    };

    static readonly int TKc = int.Parse(Environment.GetEnvironmentVariable("TKC") ?? "256"), TMc = int.Parse(Environment.GetEnvironmentVariable("TMC") ?? "192"), TNc = int.Parse(Environment.GetEnvironmentVariable("TNC") ?? "4096");
    [ThreadStatic] private static NativeBuffer? t_packA;
    [ThreadStatic] private static NativeBuffer? t_packB;

    /// <summary>C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.</summary>
    public static void Multiply(Cpu cpu, int m, int n, int k,
        float* a, int lda, bool transA, float* b, int ldb, bool transB,
        float* c, int ldc, bool accumulate)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        var g = GeometryFor(cpu.Simd);
        for (int jc = 0; jc < n; jc += g.Nc)
        {
            int nc = Math.Min(g.Nc, n - jc);
            int panels = (nc + g.Nr - 1) / g.Nr;
            for (int pc = 0; pc < k; pc += g.Kc)
            {
                int kc = Math.Min(g.Kc, k - pc);
                float* bPack = Scratch.Get(ref t_packB, (long)panels * g.Nr * kc);
                cpu.Pool.For(panels, new PackBWork(g, b, ldb, transB, pc, jc, kc, nc, bPack));
                RunBlock(cpu, g, m, nc, kc, a, lda, transA, pc, bPack, c + jc, ldc, accumulate || pc > 0);
            }
        }
    }

    /// <summary>C (+)= op(A)·B for a B packed ahead of time (weights reused across many calls, e.g. decoding).</summary>
    public static void Multiply(Cpu cpu, int m, float* a, int lda, bool transA, PackedMatrix b,
        float* c, int ldc, bool accumulate)
    {
        if (b.Simd != cpu.Simd) throw new InvalidOperationException($"matrix packed for {b.Simd}, CPU runs {cpu.Simd}");
        if (m <= 0) return;
        var g = GeometryFor(cpu.Simd);
        for (int jc = 0, block = 0; jc < b.Cols; jc += g.Nc)
        {
            int nc = Math.Min(g.Nc, b.Cols - jc);
            for (int pc = 0; pc < b.Rows; pc += g.Kc, block++)
            {
                int kc = Math.Min(g.Kc, b.Rows - pc);
                RunBlock(cpu, g, m, nc, kc, a, lda, transA, pc, b.Block(block), c + jc, ldc, accumulate || pc > 0);
            }
        }
    }

    private static void RunBlock(Cpu cpu, in Geometry g, int m, int nc, int kc, float* a, int lda, bool transA,
        int pc, float* bPack, float* c, int ldc, bool accumulate)
    {
        int panels = (nc + g.Nr - 1) / g.Nr;
        int mc = Math.Min(g.Mc, RoundUp(m, g.Mr));
        int mBlocks = (m + mc - 1) / mc;
        // Enough tasks to keep every thread busy: split the B panels when A has few row blocks.
        int nSplits = Math.Clamp(2 * cpu.Threads / mBlocks, 1, panels);
        int panelsPerSplit = (panels + nSplits - 1) / nSplits;
        nSplits = (panels + panelsPerSplit - 1) / panelsPerSplit;
        cpu.Pool.For(mBlocks * nSplits, new BlockWork(g, cpu.Simd, m, nc, kc, mc, a, lda, transA, pc, bPack, c, ldc,
            accumulate, nSplits, panelsPerSplit));
    }

    internal static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private readonly struct PackBWork : IParallelWork
    {
        private readonly Geometry _g;
        private readonly float* _b, _dst;
        private readonly int _ldb, _pc, _jc, _kc, _nc;
        private readonly bool _trans;

        public PackBWork(Geometry g, float* b, int ldb, bool trans, int pc, int jc, int kc, int nc, float* dst)
        { _g = g; _b = b; _ldb = ldb; _trans = trans; _pc = pc; _jc = jc; _kc = kc; _nc = nc; _dst = dst; }

        public void Run(int panel)
        {
            int j0 = panel * _g.Nr;
            GemmPacking.PackB(_b, _ldb, _trans, _pc, _jc + j0, _kc, Math.Min(_g.Nr, _nc - j0), _g.Nr,
                _dst + (long)panel * _g.Nr * _kc);
        }
    }

    private readonly struct BlockWork : IParallelWork
    {
        private readonly Geometry _g;
        private readonly SimdLevel _simd;
        private readonly int _m, _nc, _kc, _mc, _lda, _pc, _ldc, _nSplits, _panelsPerSplit;
        private readonly float* _a, _bPack, _c;
        private readonly bool _transA, _accumulate;

        public BlockWork(Geometry g, SimdLevel simd, int m, int nc, int kc, int mc, float* a, int lda, bool transA,
            int pc, float* bPack, float* c, int ldc, bool accumulate, int nSplits, int panelsPerSplit)
        {
            _g = g; _simd = simd; _m = m; _nc = nc; _kc = kc; _mc = mc; _a = a; _lda = lda; _transA = transA;
            _pc = pc; _bPack = bPack; _c = c; _ldc = ldc; _accumulate = accumulate; _nSplits = nSplits;
            _panelsPerSplit = panelsPerSplit;
        }

        public void Run(int task)
        {
            int mBlock = task / _nSplits, split = task % _nSplits;
            int i0 = mBlock * _mc, rows = Math.Min(_mc, _m - i0);
            int rowPanels = (rows + _g.Mr - 1) / _g.Mr;
            float* aPack = Scratch.Get(ref t_packA, (long)rowPanels * _g.Mr * _kc);
            GemmPacking.PackA(_a, _lda, _transA, i0, _pc, rows, _kc, _g.Mr, aPack);

            int firstPanel = split * _panelsPerSplit;
            int lastPanel = Math.Min((_nc + _g.Nr - 1) / _g.Nr, firstPanel + _panelsPerSplit);
            float* edge = stackalloc float[GemmMicroKernels.Mr512 * GemmMicroKernels.Nr512];
            for (int jp = firstPanel; jp < lastPanel; jp++)
            {
                int j0 = jp * _g.Nr, cols = Math.Min(_g.Nr, _nc - j0);
                float* bp = _bPack + (long)jp * _g.Nr * _kc;
                for (int ip = 0; ip < rowPanels; ip++)
                {
                    int r0 = ip * _g.Mr, mr = Math.Min(_g.Mr, rows - r0);
                    float* ap = aPack + (long)ip * _g.Mr * _kc;
                    float* cTile = _c + (long)(i0 + r0) * _ldc + j0;
                    if (mr == _g.Mr && cols == _g.Nr)
                        RunKernel(_simd, _kc, ap, bp, cTile, _ldc, _accumulate);
                    else
                    {
                        RunKernel(_simd, _kc, ap, bp, edge, _g.Nr, false);
                        for (int i = 0; i < mr; i++)
                            for (int j = 0; j < cols; j++)
                            {
                                float v = edge[i * _g.Nr + j];
                                cTile[(long)i * _ldc + j] = _accumulate ? cTile[(long)i * _ldc + j] + v : v;
                            }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunKernel(SimdLevel simd, int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        if (simd == SimdLevel.Vector512) GemmMicroKernels.Kernel512(kc, a, b, c, ldc, accumulate);
        else if (simd == SimdLevel.Vector256) GemmMicroKernels.Kernel256(kc, a, b, c, ldc, accumulate);
        else GemmMicroKernels.KernelScalar(kc, a, b, c, ldc, accumulate);
    }
}
