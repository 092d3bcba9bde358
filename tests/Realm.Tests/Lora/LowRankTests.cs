using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Tests.Lora;

/// <summary>The LoRA adapters' skinny products against double precision, at awkward sizes, on every SIMD path.</summary>
public unsafe class LowRankTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var level in TestSupport.SimdLevels())
            foreach (var (n, k, r) in new[] { (1, 5, 1), (8, 16, 16), (13, 7, 4), (33, 40, 20), (64, 24, 32), (9, 100, 8) })
                yield return [level[0], n, k, r];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ProjectAndGradientMatchDoublePrecision(SimdLevel simd, int n, int k, int r)
    {
        using var cpu = TestSupport.NewCpu(simd, threads: 3);
        int ldx = k + 3; // a strided x, as a column slice of a fused output
        var x = TestSupport.Random(n * ldx, 1);
        var m = TestSupport.Random(k * r, 2);
        var h = TestSupport.Random(n * r, 3);
        var g0 = TestSupport.Random(k * r, 4);
        var projected = new float[n * r];
        var g = (float[])g0.Clone();
        fixed (float* px = x, pm = m, ph = h, po = projected, pg = g)
        {
            LowRank.Project(cpu, px, ldx, n, k, pm, r, po);
            LowRank.AccumulateGradient(cpu, px, ldx, n, k, ph, r, pg);
        }

        var wantProjected = new double[n * r];
        var wantG = g0.Select(v => (double)v).ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < r; j++)
                for (int kk = 0; kk < k; kk++)
                {
                    wantProjected[i * r + j] += (double)x[i * ldx + kk] * m[kk * r + j];
                    wantG[kk * r + j] += (double)x[i * ldx + kk] * h[i * r + j];
                }
        TestSupport.AssertClose(projected, wantProjected, 1e-5, $"x·m ({n}×{k}·{k}×{r})");
        TestSupport.AssertClose(g, wantG, 1e-5, $"g + xᵀ·h ({k}×{n}·{n}×{r})");

        // Each element is summed in a fixed order by one task: one thread gives the same bits.
        using var single = TestSupport.NewCpu(simd, threads: 1);
        var again = new float[n * r];
        var gAgain = (float[])g0.Clone();
        fixed (float* px = x, pm = m, ph = h, po = again, pg = gAgain)
        {
            LowRank.Project(single, px, ldx, n, k, pm, r, po);
            LowRank.AccumulateGradient(single, px, ldx, n, k, ph, r, pg);
        }
        Assert.Equal(projected, again);
        Assert.Equal(g, gAgain);
    }
}
