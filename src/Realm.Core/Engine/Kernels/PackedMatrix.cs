using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// A matrix packed once into the GEMM's B-panel layout, for weights multiplied many times without
/// changing (generation). Packing costs a pass over the weight, which for small-batch decoding would
/// otherwise cost as much as the multiply itself.
/// </summary>
public sealed unsafe class PackedMatrix : IDisposable
{
    private readonly NativeBuffer _data;
    private readonly long[] _columnBlocks;

    /// <summary>Rows of op(B), i.e. the reduction length k.</summary>
    public int Rows { get; }
    /// <summary>Columns of op(B), i.e. the output width n.</summary>
    public int Cols { get; }
    public SimdLevel Simd { get; }

    /// <summary>Packs op(B) (k×n); with <paramref name="trans"/> B is stored n×k, as a linear layer's weight.</summary>
    public PackedMatrix(Cpu cpu, float* b, int k, int n, int ldb, bool trans)
    {
        Rows = k; Cols = n; Simd = cpu.Simd;
        var g = Gemm.GeometryFor(cpu.Simd);
        int blocks = (n + g.Nc - 1) / g.Nc;
        _columnBlocks = new long[blocks];
        long total = 0;
        for (int block = 0; block < blocks; block++)
        {
            _columnBlocks[block] = total;
            total += (long)k * Gemm.RoundUp(Math.Min(g.Nc, n - block * g.Nc), g.Nr);
        }
        _data = new NativeBuffer(total, zero: false);
        for (int block = 0; block < blocks; block++)
        {
            int jc = block * g.Nc, nc = Math.Min(g.Nc, n - jc), ncPad = Gemm.RoundUp(nc, g.Nr);
            for (int kb = 0; kb * g.Kc < k; kb++)
                for (int panel = 0; panel < ncPad / g.Nr; panel++)
                {
                    int j0 = panel * g.Nr;
                    GemmPacking.PackB(b, ldb, trans, kb * g.Kc, jc + j0, Math.Min(g.Kc, k - kb * g.Kc), Math.Min(g.Nr, nc - j0), g.Nr,
                        _data.Ptr + _columnBlocks[block] + Gemm.PanelOffset(g, k, ncPad, kb, panel));
                }
        }
    }

    /// <summary>The packed panels of column block <paramref name="index"/> (Nc columns each), covering all k.</summary>
    internal float* ColumnBlock(int index) => _data.Ptr + _columnBlocks[index];

    public void Dispose() => _data.Dispose();
}
