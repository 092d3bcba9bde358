using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// A matrix packed once into the GEMM's B-panel layout, for weights multiplied many times without
/// changing (generation). Packing costs a pass over the weight, which for small-batch decoding would
/// otherwise cost as much as the multiply itself. Stored as F32, or as BF16 (rounded to nearest even)
/// to halve the memory and the bytes each multiply reads; or as 8-bit blocks (<see cref="Q8Matrix"/>, its
/// own layout, which the decode kernels read directly and the GEMM reads dequantised).
/// </summary>
public sealed unsafe class PackedMatrix : IDisposable
{
    private readonly NativeBuffer? _data;
    private readonly long[] _columnBlocks = [];

    /// <summary>The 8-bit form (Q8 only; then there are no GEMM panels).</summary>
    internal Q8Matrix? Q8 { get; }

    /// <summary>Rows of op(B), i.e. the reduction length k.</summary>
    public int Rows { get; }
    /// <summary>Columns of op(B), i.e. the output width n.</summary>
    public int Cols { get; }
    public SimdLevel Simd { get; }
    public WeightFormat Format { get; }

    /// <summary>Bytes the packed panels occupy (padding to whole panels included).</summary>
    public long Bytes => Q8?.Bytes ?? _data!.Length * sizeof(float);

    private int ElementBytes => Format == WeightFormat.Bf16 ? sizeof(ushort) : sizeof(float);

    /// <summary>Packs op(B) (k×n); with <paramref name="trans"/> B is stored n×k, as a linear layer's weight.</summary>
    public PackedMatrix(Cpu cpu, float* b, int k, int n, int ldb, bool trans, WeightFormat format = WeightFormat.F32)
    {
        Rows = k; Cols = n; Simd = cpu.Simd; Format = format;
        if (format == WeightFormat.Q8)
        {
            if (!trans) throw new ArgumentException("Q8 packs a linear layer's weight (B stored n×k)");
            Q8 = new Q8Matrix(cpu, b, n, k, ldb);
            return;
        }
        var g = Gemm.GeometryFor(cpu.Simd);
        int blocks = (n + g.Nc - 1) / g.Nc;
        _columnBlocks = new long[blocks];
        long total = 0;
        for (int block = 0; block < blocks; block++)
        {
            _columnBlocks[block] = total;
            total += (long)k * Gemm.RoundUp(Math.Min(g.Nc, n - block * g.Nc), g.Nr);
        }
        // The buffer counts floats; BF16 elements take two to a float.
        _data = new NativeBuffer(format == WeightFormat.Bf16 ? (total + 1) / 2 : total, zero: false);
        using var staging = format == WeightFormat.Bf16 ? new NativeBuffer((long)g.Kc * g.Nr, zero: false) : null;
        for (int block = 0; block < blocks; block++)
        {
            int jc = block * g.Nc, nc = Math.Min(g.Nc, n - jc), ncPad = Gemm.RoundUp(nc, g.Nr);
            for (int kb = 0; kb * g.Kc < k; kb++)
                for (int panel = 0; panel < ncPad / g.Nr; panel++)
                {
                    int j0 = panel * g.Nr, kc = Math.Min(g.Kc, k - kb * g.Kc);
                    long at = _columnBlocks[block] + Gemm.PanelOffset(g, k, ncPad, kb, panel);
                    float* dst = staging != null ? staging.Ptr : _data.Ptr + at;
                    GemmPacking.PackB(b, ldb, trans, kb * g.Kc, jc + j0, kc, Math.Min(g.Nr, nc - j0), g.Nr, dst);
                    if (staging != null) Bf16Panels.Store(staging.Ptr, kc, g.Nr, (ushort*)_data.Ptr + at);
                }
        }
    }

    /// <summary>The packed panels of column block <paramref name="index"/> (Nc columns each), covering all k.</summary>
    internal byte* ColumnBlock(int index) => (byte*)_data!.Ptr + _columnBlocks[index] * ElementBytes;

    /// <summary>
    /// Copies column <paramref name="j"/> of op(B) (all k values, as F32) to <paramref name="destination"/>:
    /// for a linear layer's weight, its row j. A tied embedding looks tokens up in the packed output head
    /// this way, so a BF16 model keeps no second copy of the table.
    /// </summary>
    public void ReadColumn(int j, float* destination)
    {
        if ((uint)j >= (uint)Cols) throw new ArgumentOutOfRangeException(nameof(j));
        if (Q8 != null)
        {
            Q8.ReadRow(j, destination);
            return;
        }
        var g = Gemm.GeometryFor(Simd);
        int block = j / g.Nc, jc = block * g.Nc, ncPad = Gemm.RoundUp(Math.Min(g.Nc, Cols - jc), g.Nr);
        int panel = (j - jc) / g.Nr, column = (j - jc) % g.Nr;
        int position = Format == WeightFormat.Bf16 ? Bf16Panels.Position(column, g.Nr) : column;
        for (int kb = 0; kb * g.Kc < Rows; kb++)
        {
            int kc = Math.Min(g.Kc, Rows - kb * g.Kc);
            long at = _columnBlocks[block] + Gemm.PanelOffset(g, Rows, ncPad, kb, panel) + position;
            float* dst = destination + kb * g.Kc;
            if (Format == WeightFormat.Bf16)
            {
                ushort* src = (ushort*)_data!.Ptr + at;
                for (int p = 0; p < kc; p++) dst[p] = Bf16.ToFloat(src[(long)p * g.Nr]);
            }
            else
            {
                float* src = _data!.Ptr + at;
                for (int p = 0; p < kc; p++) dst[p] = src[(long)p * g.Nr];
            }
        }
    }

    public void Dispose()
    {
        _data?.Dispose();
        Q8?.Dispose();
    }
}
