using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Tests.Kernels;

/// <summary>
/// GEMM with B packed as BF16: against a double-precision product of the BF16-rounded weights, at awkward
/// sizes (edge tiles, both AVX-512 row kernels, more than one column block), on every SIMD path.
/// </summary>
public unsafe class Bf16GemmTests
{
    public static IEnumerable<object[]> Cases()
    {
        var shapes = new[] { (1, 1, 1), (1, 33, 257), (2, 45, 300), (7, 70, 300), (13, 7, 5), (16, 300, 270), (37, 53, 29), (130, 70, 600), (3, 4100, 65) };
        foreach (var level in TestSupport.SimdLevels())
            foreach (var (m, n, k) in shapes)
                yield return new object[] { level[0], m, n, k };
    }

    private static float[] RoundedToBf16(float[] x) => x.Select(v => Bf16.ToFloat(Bf16.FromFloat(v))).ToArray();

    /// <summary>C = A·Wᵀ in double, W stored n×k as a linear layer's weight.</summary>
    private static double[] Reference(float[] a, float[] w, int m, int n, int k) => GemmTests.Reference(a, w, m, n, k, false, true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDoublePrecisionOfTheRoundedWeights(SimdLevel simd, int m, int n, int k)
    {
        using var cpu = TestSupport.NewCpu(simd, threads: 3);
        var a = TestSupport.Random(m * k, 1);
        var w = TestSupport.Random(n * k, 2);
        var c = TestSupport.Random(m * n, 3); // garbage that must be overwritten
        fixed (float* pa = a, pw = w, pc = c)
        {
            using var packed = new PackedMatrix(cpu, pw, k, n, k, trans: true, WeightFormat.Bf16);
            Gemm.Multiply(cpu, m, pa, k, false, packed, pc, n, accumulate: false);
        }
        TestSupport.AssertClose(c, Reference(a, RoundedToBf16(w), m, n, k), 1e-5, $"C {m}x{n}x{k}");
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void AccumulatesIntoStridedOutput(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int m = 21, n = 45, k = 270, ldc = 50;
        var a = TestSupport.Random(m * k, 4);
        var w = TestSupport.Random(n * k, 5);
        var c = TestSupport.Random(m * ldc, 6);
        var before = (float[])c.Clone();
        fixed (float* pa = a, pw = w, pc = c)
        {
            using var packed = new PackedMatrix(cpu, pw, k, n, k, trans: true, WeightFormat.Bf16);
            Gemm.Multiply(cpu, m, pa, k, false, packed, pc, ldc, accumulate: true);
        }
        GemmTests.AssertAccumulated(c, before, Reference(a, RoundedToBf16(w), m, n, k), m, n, ldc);
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void WeightsThatAreBf16ValuesGiveExactlyTheF32Result(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int n = 300, k = 270;
        var w = RoundedToBf16(TestSupport.Random(n * k, 8));
        foreach (int m in new[] { 1, 4, 8, 16, 29 })
        {
            var a = TestSupport.Random(m * k, 7 + m);
            var f32 = new float[m * n];
            var bf16 = new float[m * n];
            fixed (float* pa = a, pw = w, p1 = f32, p2 = bf16)
            {
                using var packed32 = new PackedMatrix(cpu, pw, k, n, k, trans: true);
                using var packed16 = new PackedMatrix(cpu, pw, k, n, k, trans: true, WeightFormat.Bf16);
                Gemm.Multiply(cpu, m, pa, k, false, packed32, p1, n, false);
                Gemm.Multiply(cpu, m, pa, k, false, packed16, p2, n, false);
                Assert.Equal(packed32.Bytes, 2 * packed16.Bytes);
            }
            Assert.Equal(f32, bf16);
        }
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void ResultDoesNotDependOnThreadCount(SimdLevel simd)
    {
        int m = 40, n = 500, k = 600;
        var a = TestSupport.Random(m * k, 9);
        var w = TestSupport.Random(n * k, 10);
        float[] Run(int threads)
        {
            using var cpu = TestSupport.NewCpu(simd, threads);
            var c = new float[m * n];
            fixed (float* pa = a, pw = w, pc = c)
            {
                using var packed = new PackedMatrix(cpu, pw, k, n, k, trans: true, WeightFormat.Bf16);
                Gemm.Multiply(cpu, m, pa, k, false, packed, pc, n, false);
            }
            return c;
        }
        Assert.Equal(Run(1), Run(4));
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void ReadColumnRecoversTheWeightRows(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int n = 4100, k = 300; // two column blocks, two k-blocks, a partial last panel
        var w = TestSupport.Random(n * k, 11);
        var rounded = RoundedToBf16(w);
        var row = new float[k];
        fixed (float* pw = w, pr = row)
        {
            using var f32 = new PackedMatrix(cpu, pw, k, n, k, trans: true);
            using var bf16 = new PackedMatrix(cpu, pw, k, n, k, trans: true, WeightFormat.Bf16);
            foreach (int j in new[] { 0, 1, 15, 16, 17, 31, 32, 4095, 4096, 4099 })
            {
                f32.ReadColumn(j, pr);
                Assert.Equal(w.AsSpan(j * k, k).ToArray(), row);
                bf16.ReadColumn(j, pr);
                Assert.Equal(rounded.AsSpan(j * k, k).ToArray(), row);
            }
        }
    }

    [Fact]
    public void RoundsToNearestEven()
    {
        static float F(uint bits) => BitConverter.UInt32BitsToSingle(bits);
        Assert.Equal(0x3F80, Bf16.FromFloat(1f));
        Assert.Equal(0x3F80, Bf16.FromFloat(F(0x3F808000))); // tie, even below
        Assert.Equal(0x3F82, Bf16.FromFloat(F(0x3F818000))); // tie, even above
        Assert.Equal(0x3F81, Bf16.FromFloat(F(0x3F808001))); // just past the tie
        Assert.Equal(0x3F80, Bf16.FromFloat(F(0x3F807FFF)));
        Assert.Equal(0xBF81, Bf16.FromFloat(F(0xBF808001))); // negative: by magnitude
        Assert.Equal(0x8000, Bf16.FromFloat(-0f));
        Assert.Equal(0x7F80, Bf16.FromFloat(float.MaxValue)); // overflows to +inf, as in PyTorch
        Assert.Equal(0xFF80, Bf16.FromFloat(float.NegativeInfinity));
        Assert.True(float.IsNaN(Bf16.ToFloat(Bf16.FromFloat(float.NaN))));
        Assert.True(float.IsNaN(Bf16.ToFloat(Bf16.FromFloat(F(0x7F800001))))); // a NaN whose payload would round away
        Assert.Equal(0x0001, Bf16.FromFloat(F(0x00008000 + 1))); // subnormals round like any other value
        foreach (float v in TestSupport.Random(1000, 12, scale: 100f))
        {
            ushort h = Bf16.FromFloat(v);
            double error = Math.Abs(Bf16.ToFloat(h) - (double)v);
            Assert.True(error <= Math.Abs(Bf16.ToFloat((ushort)(h - 1)) - (double)v), $"{v}: the value below is nearer");
            Assert.True(error <= Math.Abs(Bf16.ToFloat((ushort)(h + 1)) - (double)v), $"{v}: the value above is nearer");
        }
    }
}
