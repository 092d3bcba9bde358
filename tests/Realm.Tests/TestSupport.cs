using Realm.Engine.Compute;

namespace Realm.Tests;

/// <summary>Shared helpers: CPUs for every SIMD path, random data, and tolerant comparisons.</summary>
public static class TestSupport
{
    /// <summary>Every SIMD level this machine can run (scalar and AVX2 are forced where wider exists).</summary>
    public static IEnumerable<object[]> SimdLevels()
    {
        foreach (var level in new[] { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 })
            if (SimdSupport.IsSupported(level)) yield return new object[] { level };
    }

    public static Cpu NewCpu(SimdLevel simd, int threads = 2) => new(threads, simd);

    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(Normal(rng) * scale);
        return a;
    }

    public static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>max |a − b| / max(max |b|, floor): the relative error used against references.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double floor = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxRef = floor;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(actual[i]) || float.IsNaN(expected[i])) return double.PositiveInfinity;
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - (double)expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs((double)expected[i]));
        }
        return maxDiff / maxRef;
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance, string what)
    {
        double err = RelativeError(actual, expected);
        Assert.True(err < tolerance, $"{what}: relative error {err:E2} exceeds {tolerance:E0}");
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tolerance, string what)
    {
        var e = new float[expected.Length];
        for (int i = 0; i < e.Length; i++) e[i] = (float)expected[i];
        AssertClose(actual, e, tolerance, what);
    }

    public static double WeightedSum(ReadOnlySpan<float> y, ReadOnlySpan<float> w)
    {
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += (double)y[i] * w[i];
        return s;
    }

    /// <summary>
    /// Checks an analytic gradient against central differences of a scalar loss at a few coordinates.
    /// </summary>
    public static void CheckGradient(float[] x, float[] analytic, Func<double> loss, string what,
        int samples = 12, float h = 1e-2f, double tolerance = 2e-2, int seed = 99)
    {
        var rng = new Random(seed);
        double maxGrad = 1e-3;
        foreach (float g in analytic) maxGrad = Math.Max(maxGrad, Math.Abs(g));
        for (int s = 0; s < samples; s++)
        {
            int i = rng.Next(x.Length);
            float keep = x[i];
            x[i] = keep + h; double up = loss();
            x[i] = keep - h; double down = loss();
            x[i] = keep;
            double numeric = (up - down) / (2 * h);
            double err = Math.Abs(numeric - analytic[i]) / maxGrad;
            Assert.True(err < tolerance, $"{what}[{i}]: analytic {analytic[i]:G6} vs numeric {numeric:G6} (error {err:E2} of max |grad| {maxGrad:G3})");
        }
    }
}
