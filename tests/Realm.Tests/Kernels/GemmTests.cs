using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Tests.Kernels;

public unsafe class GemmTests
{
    public static IEnumerable<object[]> Cases()
    {
        var shapes = new[] { (1, 1, 1), (4, 97, 513), (13, 7, 5), (37, 53, 29), (130, 70, 300), (200, 33, 513), (5, 700, 64) };
        foreach (var level in TestSupport.SimdLevels())
            foreach (var (m, n, k) in shapes)
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                        yield return new object[] { level[0], m, n, k, ta, tb };
    }

    internal static double[] Reference(float[] a, float[] b, int m, int n, int k, bool ta, bool tb)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        return c;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceInAllFormsAndPaths(SimdLevel simd, int m, int n, int k, bool ta, bool tb)
    {
        using var cpu = TestSupport.NewCpu(simd, threads: 3);
        var a = TestSupport.Random(m * k, 1);
        var b = TestSupport.Random(k * n, 2);
        var c = TestSupport.Random(m * n, 3); // garbage that must be overwritten
        fixed (float* pa = a, pb = b, pc = c)
            Gemm.Multiply(cpu, m, n, k, pa, ta ? m : k, ta, pb, tb ? k : n, tb, pc, n, accumulate: false);
        TestSupport.AssertClose(c, Reference(a, b, m, n, k, ta, tb), 1e-5, $"C {m}x{n}x{k}");
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void AccumulatesIntoStridedOutput(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int m = 45, n = 38, k = 270, ldc = 50;
        var a = TestSupport.Random(m * k, 4);
        var b = TestSupport.Random(n * k, 5);
        var c = TestSupport.Random(m * ldc, 6);
        var before = (float[])c.Clone();
        fixed (float* pa = a, pb = b, pc = c)
            Gemm.Multiply(cpu, m, n, k, pa, k, false, pb, k, true, pc, ldc, accumulate: true);
        AssertAccumulated(c, before, Reference(a, b, m, n, k, false, true), m, n, ldc);
    }

    /// <summary>c (m rows of stride ldc) holds before + product in its first n columns and is untouched past them.</summary>
    internal static void AssertAccumulated(float[] c, float[] before, double[] product, int m, int n, int ldc)
    {
        var actual = new float[m * n];
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                actual[i * n + j] = c[i * ldc + j];
                expected[i * n + j] = before[i * ldc + j] + product[i * n + j];
            }
            for (int j = n; j < ldc; j++) Assert.Equal(before[i * ldc + j], c[i * ldc + j]); // padding untouched
        }
        TestSupport.AssertClose(actual, expected, 1e-5, "C += A·Bᵀ");
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void PrepackedMatrixGivesTheSameResult(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int m = 16, n = 300, k = 270;
        var a = TestSupport.Random(m * k, 7);
        var w = TestSupport.Random(n * k, 8);
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        fixed (float* pa = a, pw = w, p1 = c1, p2 = c2)
        {
            Gemm.Multiply(cpu, m, n, k, pa, k, false, pw, k, true, p1, n, false);
            using var packed = new PackedMatrix(cpu, pw, k, n, k, trans: true);
            Gemm.Multiply(cpu, m, pa, k, false, packed, p2, n, false);
        }
        Assert.Equal(c1, c2);
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void ResultDoesNotDependOnThreadCount(SimdLevel simd)
    {
        int m = 300, n = 200, k = 600;
        var a = TestSupport.Random(m * k, 9);
        var b = TestSupport.Random(k * n, 10);
        float[] Run(int threads)
        {
            using var cpu = TestSupport.NewCpu(simd, threads);
            var c = new float[m * n];
            fixed (float* pa = a, pb = b, pc = c) Gemm.Multiply(cpu, m, n, k, pa, m, true, pb, n, false, pc, n, false);
            return c;
        }
        Assert.Equal(Run(1), Run(4));
    }
}
