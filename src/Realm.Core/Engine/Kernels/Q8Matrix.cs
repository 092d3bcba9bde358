using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// A weight matrix (n output rows × k inputs) in 8-bit blocks for inference: every row is cut into blocks
/// of 32 consecutive inputs, each stored as 32 int8 values q ∈ [−127, 127] and one scale d, with w ≈ d·q
/// (llama.cpp's Q8_0: 1.0625 bytes per weight). Two choices differ from Q8_0:
/// <list type="bullet">
/// <item>Rows are interleaved by 16: for one block, the 16 rows' values are stored 4 inputs at a time
/// (row 0's inputs 0–3, row 1's 0–3, …, row 15's, then inputs 4–7 …), which is the operand layout of
/// the integer dot-product instructions (vpdpbusd, vpmaddubsw + vpmaddwd): one load of 32 bytes gives 8
/// rows × 4 inputs, a broadcast of 4 activation bytes multiplies them, and the 8 lanes of the result
/// are 8 rows' partial sums. No horizontal sums per block, and 16 rows give 2 independent chains.</item>
/// <item>Scales are BF16, rounded up from max|w|/127 before the values are quantised against them, so
/// the stored scale is exact (no error beyond the int8 rounding) and widening it is a 16-bit shift.</item>
/// </list>
/// A group of 16 rows is contiguous over all k: blocks of 512 value bytes followed by 16 scales.
/// </summary>
public sealed unsafe class Q8Matrix : IDisposable
{
    public const int BlockSize = 32, GroupRows = 16;
    /// <summary>Bytes of one block of a row group: 16 rows × 32 int8 values, then 16 BF16 scales.</summary>
    public const int BlockBytes = GroupRows * BlockSize + GroupRows * sizeof(ushort);

    private readonly NativeBuffer _data;

    /// <summary>Output rows n (a linear layer's out features).</summary>
    public int Rows { get; }
    /// <summary>Inputs k (a linear layer's in features).</summary>
    public int Inputs { get; }
    public int Groups => (Rows + GroupRows - 1) / GroupRows;
    public int Blocks => (Inputs + BlockSize - 1) / BlockSize;
    public long GroupBytes => (long)Blocks * BlockBytes;
    public long Bytes => Groups * GroupBytes;

    /// <summary>Quantises w (n rows of k values, row stride ld) row by row; padding rows and inputs are zero.</summary>
    public Q8Matrix(Cpu cpu, float* w, int n, int k, int ld)
    {
        Rows = n; Inputs = k;
        _data = new NativeBuffer((Bytes + 3) / 4, zero: true);
        cpu.Pool.For(Groups, new QuantiseWork(this, w, ld));
    }

    internal byte* Group(int g) => (byte*)_data.Ptr + g * GroupBytes;

    /// <summary>The BF16 scale for max|w| = <paramref name="amax"/>: amax/127 rounded up to a BF16 value, so |w/d| ≤ 127.</summary>
    internal static float Scale(float amax)
    {
        uint bits = BitConverter.SingleToUInt32Bits(amax / 127f);
        if ((bits & 0xFFFF) != 0) bits = (bits & 0xFFFF0000u) + 0x10000u;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    internal static sbyte Quantise(float w, float inverseScale) => (sbyte)Math.Clamp(MathF.Round(w * inverseScale), -127f, 127f);

    /// <summary>Where row r (within a group), input i (within a block) sits in a block's value bytes.</summary>
    internal static int ValueIndex(int r, int i) => i / 4 * (GroupRows * 4) + r * 4 + i % 4;

    private readonly struct QuantiseWork : IParallelWork
    {
        private readonly Q8Matrix _m;
        private readonly float* _w;
        private readonly int _ld;
        public QuantiseWork(Q8Matrix m, float* w, int ld) { _m = m; _w = w; _ld = ld; }

        public void Run(int g)
        {
            byte* group = _m.Group(g);
            for (int b = 0; b < _m.Blocks; b++)
            {
                byte* block = group + (long)b * BlockBytes;
                ushort* scales = (ushort*)(block + GroupRows * BlockSize);
                for (int r = 0; r < GroupRows; r++)
                {
                    int row = g * GroupRows + r, k0 = b * BlockSize, count = Math.Min(BlockSize, _m.Inputs - k0);
                    if (row >= _m.Rows) break;
                    float* src = _w + (long)row * _ld + k0;
                    float amax = 0;
                    for (int i = 0; i < count; i++) amax = Math.Max(amax, MathF.Abs(src[i]));
                    float d = Scale(amax), inv = d == 0 ? 0 : 1 / d;
                    scales[r] = (ushort)(BitConverter.SingleToUInt32Bits(d) >> 16);
                    for (int i = 0; i < count; i++) ((sbyte*)block)[ValueIndex(r, i)] = Quantise(src[i], inv);
                }
            }
        }
    }

    /// <summary>Row <paramref name="row"/> dequantised: k floats (a tied embedding looks tokens up this way).</summary>
    public void ReadRow(int row, float* destination)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        DequantiseRows(row, 1, destination, Inputs);
    }

    /// <summary>Rows [first, first + count) dequantised into dst (row stride ld).</summary>
    internal void DequantiseRows(int first, int count, float* dst, int ld)
    {
        // A row's 32 values of a block are 8 runs of 4 bytes, 64 bytes apart: one gather of 8 ints.
        var runs = Vector256.Create(0, 64, 128, 192, 256, 320, 384, 448);
        for (int row = first; row < first + count; row++)
        {
            byte* group = Group(row / GroupRows);
            int r = row % GroupRows;
            float* d = dst + (long)(row - first) * ld;
            for (int b = 0; b < Blocks; b++)
            {
                byte* block = group + (long)b * BlockBytes;
                float scale = Bf16.ToFloat(((ushort*)(block + GroupRows * BlockSize))[r]);
                int k0 = b * BlockSize, n = Math.Min(BlockSize, Inputs - k0);
                if (Avx2.IsSupported && n == BlockSize)
                {
                    var values = Avx2.GatherVector256((int*)(block + r * 4), runs, 1).AsSByte();
                    var s = Vector256.Create(scale);
                    Vector256.Store(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(values.GetLower())) * s, d + k0);
                    Vector256.Store(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(values.GetLower(), 8))) * s, d + k0 + 8);
                    Vector256.Store(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(values.GetUpper())) * s, d + k0 + 16);
                    Vector256.Store(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(values.GetUpper(), 8))) * s, d + k0 + 24);
                }
                else
                    for (int i = 0; i < n; i++) d[k0 + i] = scale * ((sbyte*)block)[ValueIndex(r, i)];
            }
        }
    }

    public void Dispose() => _data.Dispose();
}
