using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>Which integer dot product a Q8 matrix-vector product runs with (tests force each).</summary>
public enum Q8Path
{
    /// <summary>Plain loops over the same layout: the reference.</summary>
    Scalar,
    /// <summary>AVX2 without VNNI: vpmaddubsw + vpmaddwd, with llama.cpp's sign trick.</summary>
    Avx2,
    /// <summary>AVX-VNNI vpdpbusd (256-bit): the AVX-512 machines' path too, since .NET 10 exposes no 512-bit vpdpbusd.</summary>
    AvxVnni,
}

/// <summary>
/// Batch-1 decoding with 8-bit weights (<see cref="Q8Matrix"/>): y (+)= x·Wᵀ where x is quantised per block of
/// 32 to int8 with an F32 scale (once per call, on the calling thread), every block's dot product is an
/// integer one, and y = Σ_blocks d_w·d_x·(q_w·q_x). Row groups are split into chunks the pool's threads
/// claim; each output is one task's fixed-order sum.
/// <para>vpdpbusd and vpmaddubsw multiply unsigned bytes by signed ones. VNNI: the weights are made unsigned
/// by adding 128 (q_w xor 0x80) and the excess 128·Σq_x, the same for every row, is subtracted per block.
/// AVX2: the products of vpmaddubsw are summed in pairs into int16 with saturation, so both operands must
/// stay within ±127: |q_w| times q_x with q_w's sign (vpsignb), at most 2·127·127 &lt; 2¹⁵ (llama.cpp's trick).</para>
/// </summary>
public static unsafe class Q8MatVec
{
    private const long MinChunkBytes = 64 << 10;

    [ThreadStatic] private static NativeBuffer? t_activations;

    /// <summary>The fastest path this CPU runs at <paramref name="simd"/> (AVX-VNNI counts as available only with AVX2 or wider).</summary>
    public static Q8Path PathFor(SimdLevel simd) =>
        simd == SimdLevel.Scalar ? Q8Path.Scalar : AvxVnni.IsSupported ? Q8Path.AvxVnni : Avx2.IsSupported ? Q8Path.Avx2 : Q8Path.Scalar;

    public static void Multiply(Cpu cpu, float* x, Q8Matrix w, float* y, bool accumulate) =>
        Multiply(cpu, PathFor(cpu.Simd), x, w, y, accumulate);

    public static void Multiply(Cpu cpu, Q8Path path, float* x, Q8Matrix w, float* y, bool accumulate)
    {
        using var _ = Profiler.Measure("matvec (decode, q8)");
        if (path == Q8Path.AvxVnni && !AvxVnni.IsSupported || path == Q8Path.Avx2 && !Avx2.IsSupported)
            throw new InvalidOperationException($"this CPU does not run the {path} path");
        int blocks = w.Blocks;
        // Quantised activations: blocks × 32 int8, then per block the F32 scale and the int32 sum of its values.
        float* buffer = Scratch.Get(ref t_activations, blocks * (Q8Matrix.BlockSize / 4 + 2));
        sbyte* qx = (sbyte*)buffer;
        float* dx = buffer + blocks * Q8Matrix.BlockSize / 4;
        int* sx = (int*)(dx + blocks);
        QuantiseActivations(x, w.Inputs, blocks, qx, dx, sx);
        int perChunk = Math.Max((int)Math.Min(w.Groups, MinChunkBytes / w.GroupBytes + 1), (w.Groups + 4 * cpu.Threads - 1) / (4 * cpu.Threads));
        cpu.Pool.For((w.Groups + perChunk - 1) / perChunk, new Work(w, path, qx, dx, sx, y, accumulate, perChunk));
    }

    /// <summary>Per block of 32: d = max|x|/127, q = round(x/d); padding beyond k is zero.</summary>
    internal static void QuantiseActivations(float* x, int k, int blocks, sbyte* q, float* d, int* sums)
    {
        for (int b = 0; b < blocks; b++)
        {
            int k0 = b * Q8Matrix.BlockSize, count = Math.Min(Q8Matrix.BlockSize, k - k0);
            float amax = 0;
            for (int i = 0; i < count; i++) amax = Math.Max(amax, MathF.Abs(x[k0 + i]));
            float scale = amax / 127f, inv = amax == 0 ? 0 : 127f / amax;
            int sum = 0;
            for (int i = 0; i < Q8Matrix.BlockSize; i++)
            {
                sbyte v = i < count ? Q8Matrix.Quantise(x[k0 + i], inv) : (sbyte)0;
                q[k0 + i] = v;
                sum += v;
            }
            d[b] = scale;
            sums[b] = sum;
        }
    }

    private readonly struct Work : IParallelWork
    {
        private readonly Q8Matrix _w;
        private readonly Q8Path _path;
        private readonly sbyte* _qx;
        private readonly float* _dx, _y;
        private readonly int* _sx;
        private readonly bool _accumulate;
        private readonly int _perChunk;

        public Work(Q8Matrix w, Q8Path path, sbyte* qx, float* dx, int* sx, float* y, bool accumulate, int perChunk)
        { _w = w; _path = path; _qx = qx; _dx = dx; _sx = sx; _y = y; _accumulate = accumulate; _perChunk = perChunk; }

        public void Run(int chunk)
        {
            float* sums = stackalloc float[Q8Matrix.GroupRows];
            for (int g = chunk * _perChunk, end = Math.Min(_w.Groups, g + _perChunk); g < end; g++)
            {
                byte* group = _w.Group(g);
                switch (_path)
                {
                    case Q8Path.AvxVnni: GroupVnni(group, _w.Blocks, _qx, _dx, _sx, sums); break;
                    case Q8Path.Avx2: GroupAvx2(group, _w.Blocks, _qx, _dx, sums); break;
                    default: GroupScalar(group, _w.Blocks, _qx, _dx, sums); break;
                }
                int r0 = g * Q8Matrix.GroupRows, rows = Math.Min(Q8Matrix.GroupRows, _w.Rows - r0);
                float* y = _y + r0;
                for (int r = 0; r < rows; r++) y[r] = _accumulate ? y[r] + sums[r] : sums[r];
            }
        }
    }

    /// <summary>The 16 rows' scales of a block times the activation scale, as two vectors of 8 (rows 0–7, 8–15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scales(byte* block, float dx, out Vector256<float> low, out Vector256<float> high)
    {
        ushort* s = (ushort*)(block + Q8Matrix.GroupRows * Q8Matrix.BlockSize);
        var d = Vector256.Create(dx);
        low = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.Load(s)), 16).AsSingle() * d;
        high = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.Load(s + 8)), 16).AsSingle() * d;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupVnni(byte* group, int blocks, sbyte* qx, float* dx, int* sx, float* sums)
    {
        var flip = Vector256.Create((byte)0x80);
        Vector256<float> f0 = default, f1 = default;
        for (int b = 0; b < blocks; b++, group += Q8Matrix.BlockBytes, qx += Q8Matrix.BlockSize)
        {
            Vector256<int> i0 = default, i1 = default, j0 = default, j1 = default;
            for (int t = 0; t < 8; t += 2)
            {
                byte* v = group + t * 64;
                var xa = Vector256.Create(*(int*)(qx + 4 * t)).AsSByte();
                var xb = Vector256.Create(*(int*)(qx + 4 * t + 4)).AsSByte();
                i0 = AvxVnni.MultiplyWideningAndAdd(i0, Vector256.Load(v) ^ flip, xa);
                i1 = AvxVnni.MultiplyWideningAndAdd(i1, Vector256.Load(v + 32) ^ flip, xa);
                j0 = AvxVnni.MultiplyWideningAndAdd(j0, Vector256.Load(v + 64) ^ flip, xb);
                j1 = AvxVnni.MultiplyWideningAndAdd(j1, Vector256.Load(v + 96) ^ flip, xb);
            }
            var excess = Vector256.Create(128 * sx[b]);
            Scales(group, dx[b], out var s0, out var s1);
            f0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i0 + j0 - excess), s0, f0);
            f1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i1 + j1 - excess), s1, f1);
        }
        Vector256.Store(f0, sums);
        Vector256.Store(f1, sums + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot4(Vector256<sbyte> w, Vector256<sbyte> x, Vector256<short> ones) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(x, w)), ones);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupAvx2(byte* group, int blocks, sbyte* qx, float* dx, float* sums)
    {
        var ones = Vector256.Create((short)1);
        Vector256<float> f0 = default, f1 = default;
        for (int b = 0; b < blocks; b++, group += Q8Matrix.BlockBytes, qx += Q8Matrix.BlockSize)
        {
            Vector256<int> i0 = default, i1 = default, j0 = default, j1 = default;
            for (int t = 0; t < 8; t += 2)
            {
                sbyte* v = (sbyte*)group + t * 64;
                var xa = Vector256.Create(*(int*)(qx + 4 * t)).AsSByte();
                var xb = Vector256.Create(*(int*)(qx + 4 * t + 4)).AsSByte();
                i0 += Dot4(Vector256.Load(v), xa, ones);
                i1 += Dot4(Vector256.Load(v + 32), xa, ones);
                j0 += Dot4(Vector256.Load(v + 64), xb, ones);
                j1 += Dot4(Vector256.Load(v + 96), xb, ones);
            }
            Scales(group, dx[b], out var s0, out var s1);
            f0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i0 + j0), s0, f0);
            f1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(i1 + j1), s1, f1);
        }
        Vector256.Store(f0, sums);
        Vector256.Store(f1, sums + 8);
    }

    private static void GroupScalar(byte* group, int blocks, sbyte* qx, float* dx, float* sums)
    {
        for (int r = 0; r < Q8Matrix.GroupRows; r++) sums[r] = 0;
        for (int b = 0; b < blocks; b++, group += Q8Matrix.BlockBytes, qx += Q8Matrix.BlockSize)
        {
            ushort* scales = (ushort*)(group + Q8Matrix.GroupRows * Q8Matrix.BlockSize);
            for (int r = 0; r < Q8Matrix.GroupRows; r++)
            {
                int dot = 0;
                for (int i = 0; i < Q8Matrix.BlockSize; i++) dot += ((sbyte*)group)[Q8Matrix.ValueIndex(r, i)] * qx[i];
                sums[r] = MathF.FusedMultiplyAdd(dot, Bf16.ToFloat(scales[r]) * dx[b], sums[r]);
            }
        }
    }
}
