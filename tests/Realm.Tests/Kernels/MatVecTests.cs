using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Tests.Kernels;

/// <summary>
/// The batch-1 decode kernels. F32/BF16: a single row (which runs <see cref="MatVec"/>) gives bit for bit the
/// GEMM's result for that row inside a batch (the micro-kernels' order), on every SIMD path and thread count,
/// at sizes with partial panels, several k-blocks and several column blocks. Q8: every integer path equals
/// the scalar one exactly, the scalar one matches a double-precision product of the dequantised operands,
/// and the quantisation error against F32 stays within its bound.
/// </summary>
public unsafe class MatVecTests
{
    public static IEnumerable<object[]> Cases()
    {
        var shapes = new[] { (1, 1), (33, 257), (45, 300), (7, 5), (100, 600), (4100, 65), (4200, 513), (48, 64) };
        foreach (var level in TestSupport.SimdLevels())
            foreach (var format in new[] { WeightFormat.F32, WeightFormat.Bf16 })
                foreach (var (n, k) in shapes)
                    yield return new object[] { level[0], format, n, k };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneRowEqualsItsRowOfABatch(SimdLevel simd, WeightFormat format, int n, int k)
    {
        var a = TestSupport.Random(3 * k, 1);
        var w = TestSupport.Random(n * k, 2);
        var batch = new float[3 * n];
        fixed (float* pa = a, pw = w, pb = batch)
        {
            using var gemmCpu = TestSupport.NewCpu(simd, threads: 1);
            using var packed = new PackedMatrix(gemmCpu, pw, k, n, k, trans: true, format);
            Gemm.Multiply(gemmCpu, 3, pa, k, false, packed, pb, n, accumulate: false);
            foreach (int threads in new[] { 1, 3 })
                foreach (bool accumulate in new[] { false, true })
                {
                    using var cpu = TestSupport.NewCpu(simd, threads);
                    var y = TestSupport.Random(n, 7); // garbage, or what is accumulated onto
                    var before = (float[])y.Clone();
                    fixed (float* py = y) MatVec.Multiply(cpu, pa + k, packed, py, accumulate);
                    for (int j = 0; j < n; j++)
                    {
                        float expected = accumulate ? before[j] + batch[n + j] : batch[n + j];
                        if (!accumulate) Assert.Equal(expected, y[j]);
                        else Assert.True(Math.Abs(y[j] - expected) <= 1e-5f * (1 + Math.Abs(expected)), $"column {j}: {y[j]} vs {expected}");
                    }
                }
        }
    }

    public static IEnumerable<object[]> Q8Paths()
    {
        yield return new object[] { Q8Path.Scalar };
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) yield return new object[] { Q8Path.Avx2 };
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported) yield return new object[] { Q8Path.AvxVnni };
    }

    [Theory]
    [MemberData(nameof(Q8Paths))]
    public void Q8PathsEqualTheScalarPathExactly(Q8Path path)
    {
        foreach (var (n, k) in new[] { (1, 1), (16, 32), (33, 257), (100, 600), (47, 896), (1200, 70) })
            foreach (float scale in new[] { 1f, 1e-3f, 300f })
            {
                var x = TestSupport.Random(k, 3, scale);
                var w = TestSupport.Random(n * k, 4);
                if (k > 40) Array.Clear(w, 0, 32); // an all-zero block
                var expected = new float[n];
                var actual = TestSupport.Random(n, 5);
                using var cpu = TestSupport.NewCpu(SimdLevel.Scalar, threads: 3);
                fixed (float* px = x, pw = w, pe = expected, pa = actual)
                {
                    using var q = new Q8Matrix(cpu, pw, n, k, k);
                    Q8MatVec.Multiply(cpu, Q8Path.Scalar, px, q, pe, accumulate: false);
                    Q8MatVec.Multiply(cpu, path, px, q, pa, accumulate: false);
                }
                Assert.Equal(expected, actual);
            }
    }

    [Fact]
    public void Q8ScalarPathIsTheProductOfTheDequantisedOperands()
    {
        int n = 37, k = 300;
        var x = TestSupport.Random(k, 6);
        var w = TestSupport.Random(n * k, 7);
        var y = new float[n];
        var dequantised = new float[n * k];
        using var cpu = TestSupport.NewCpu(SimdLevel.Scalar, threads: 1);
        int blocks = (k + 31) / 32;
        var qx = new sbyte[blocks * 32];
        var dx = new float[blocks];
        var sx = new int[blocks];
        fixed (float* px = x, pw = w, py = y, pd = dequantised, pdx = dx)
        fixed (sbyte* pqx = qx)
        fixed (int* psx = sx)
        {
            using var q = new Q8Matrix(cpu, pw, n, k, k);
            Q8MatVec.Multiply(cpu, Q8Path.Scalar, px, q, py, accumulate: false);
            q.DequantiseRows(0, n, pd, k);
            Q8MatVec.QuantiseActivations(px, k, blocks, pqx, pdx, psx);
        }
        for (int j = 0; j < n; j++)
        {
            double s = 0, size = 0;
            for (int i = 0; i < k; i++)
            {
                double xi = dx[i / 32] * (double)qx[i];
                s += xi * dequantised[j * k + i];
                size += Math.Abs(xi * dequantised[j * k + i]);
            }
            Assert.True(Math.Abs(y[j] - s) <= 1e-5 * size, $"row {j}: {y[j]} vs {s}");
        }
        // Dequantised weights are within half a step of the originals (the BF16 scale is at most 2⁻⁷ above max|w|/127).
        for (int j = 0; j < n; j++)
            for (int b = 0; b < blocks; b++)
            {
                float amax = 0;
                for (int i = b * 32; i < Math.Min(k, b * 32 + 32); i++) amax = Math.Max(amax, Math.Abs(w[j * k + i]));
                for (int i = b * 32; i < Math.Min(k, b * 32 + 32); i++)
                    Assert.True(Math.Abs(dequantised[j * k + i] - w[j * k + i]) <= 0.5 * (1 + 1.0 / 128) * amax / 127 + 1e-7);
            }
    }

    /// <summary>
    /// Against F32: for Gaussian weights and activations the error of a dot product over k values is about
    /// √k · (quantisation noise); the bound is 2% of Σ|x·w|, which in practice is several times the error seen.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void Q8IsCloseToF32ThroughThePackedEntryPoint(SimdLevel simd)
    {
        int n = 300, k = 896;
        var x = TestSupport.Random(k, 8);
        var w = TestSupport.Random(n * k, 9, 0.02f);
        var y = new float[n];
        using var cpu = TestSupport.NewCpu(simd, threads: 2);
        fixed (float* px = x, pw = w, py = y)
        {
            using var packed = new PackedMatrix(cpu, pw, k, n, k, trans: true, WeightFormat.Q8);
            Gemm.Multiply(cpu, 1, px, k, false, packed, py, n, accumulate: false);
        }
        for (int j = 0; j < n; j++)
        {
            double s = 0, size = 0;
            for (int i = 0; i < k; i++) { s += (double)x[i] * w[j * k + i]; size += Math.Abs((double)x[i] * w[j * k + i]); }
            Assert.True(Math.Abs(y[j] - s) <= 0.02 * size, $"row {j}: {y[j]} vs {s} (Σ|x·w| {size})");
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void Q8SeveralRowsMultiplyTheDequantisedWeights(SimdLevel simd)
    {
        int m = 5, n = 70, k = 100;
        var a = TestSupport.Random(m * k, 10);
        var w = TestSupport.Random(n * k, 11);
        var c = TestSupport.Random(m * n, 12);
        var dequantised = new float[n * k];
        using var cpu = TestSupport.NewCpu(simd, threads: 2);
        fixed (float* pa = a, pw = w, pc = c, pd = dequantised)
        {
            using var packed = new PackedMatrix(cpu, pw, k, n, k, trans: true, WeightFormat.Q8);
            Gemm.Multiply(cpu, m, pa, k, false, packed, pc, n, accumulate: false);
            packed.Q8!.DequantiseRows(0, n, pd, k);
        }
        TestSupport.AssertClose(c, GemmTests.Reference(a, dequantised, m, n, k, false, true), 1e-5, "q8 gemm");
    }
}
