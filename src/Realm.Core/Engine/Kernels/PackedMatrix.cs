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
    private readonly long[] _blockOffsets;

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
        var offsets = new List<long>();
        long total = 0;
        for (int jc = 0; jc < n; jc += g.Nc)
            for (int pc = 0; pc < k; pc += g.Kc)
            {
                offsets.Add(total);
                total += (long)Gemm.RoundUp(Math.Min(g.Nc, n - jc), g.Nr) * Math.Min(g.Kc, k - pc);
            }
        _blockOffsets = offsets.ToArray();
        _data = new NativeBuffer(total, zero: false);
        int block = 0;
        for (int jc = 0; jc < n; jc += g.Nc)
            for (int pc = 0; pc < k; pc += g.Kc, block++)
            {
                int nc = Math.Min(g.Nc, n - jc), kc = Math.Min(g.Kc, k - pc);
                float* dst = _data.Ptr + _blockOffsets[block];
                for (int j0 = 0; j0 < nc; j0 += g.Nr)
                    GemmPacking.PackB(b, ldb, trans, pc, jc + j0, kc, Math.Min(g.Nr, nc - j0), g.Nr, dst + (long)j0 * kc);
            }
    }

    internal float* Block(int index) => _data.Ptr + _blockOffsets[index];

    public void Dispose() => _data.Dispose();
}
