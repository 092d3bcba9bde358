using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Tests.Kernels;

/// <summary>Causal GQA attention over packed sequences against a naive double-precision reference and finite differences.</summary>
public unsafe class AttentionTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var level in TestSupport.SimdLevels())
        {
            yield return new object[] { level[0], 4, 2, 16, new[] { 5, 17, 40 } };
            yield return new object[] { level[0], 6, 2, 8, new[] { 1, 3 } };
            yield return new object[] { level[0], 2, 2, 24, new[] { 70 } };
            yield return new object[] { level[0], 8, 4, 32, new[] { 130, 3, 67 } };
        }
    }

    private sealed record Problem(AttentionShape Shape, int[] Starts, int[] Lengths, int Rows, int Stride, float[] Qkv);

    private static Problem Make(int heads, int kvHeads, int hd, int[] lengths, int seed)
    {
        var shape = new AttentionShape(heads, kvHeads, hd);
        var starts = new int[lengths.Length];
        int rows = 0;
        for (int s = 0; s < lengths.Length; s++) { starts[s] = rows; rows += lengths[s]; }
        int stride = (heads + 2 * kvHeads) * hd + 3; // padding checks strides are honoured
        return new Problem(shape, starts, lengths, rows, stride, TestSupport.Random(rows * stride, seed));
    }

    private static (float[] o, float[] lse) Forward(Cpu cpu, Problem p)
    {
        var sh = p.Shape;
        var o = new float[p.Rows * sh.QueryWidth];
        var lse = new float[p.Rows * sh.Heads];
        fixed (float* qkv = p.Qkv, po = o, pl = lse)
            Attention.Forward(cpu, sh, qkv, qkv + sh.QueryWidth, qkv + sh.QueryWidth + sh.KvWidth, p.Stride,
                po, sh.QueryWidth, pl, p.Starts, p.Lengths);
        return (o, lse);
    }

    private static double[] Reference(Problem p)
    {
        var sh = p.Shape;
        var o = new double[p.Rows * sh.QueryWidth];
        for (int s = 0; s < p.Starts.Length; s++)
            for (int h = 0; h < sh.Heads; h++)
            {
                int g = h / sh.Group;
                for (int i = 0; i < p.Lengths[s]; i++)
                {
                    int qi = (p.Starts[s] + i) * p.Stride + h * sh.HeadDim;
                    var sc = new double[i + 1];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j <= i; j++)
                    {
                        int kj = (p.Starts[s] + j) * p.Stride + sh.QueryWidth + g * sh.HeadDim;
                        double d = 0;
                        for (int c = 0; c < sh.HeadDim; c++) d += (double)p.Qkv[qi + c] * p.Qkv[kj + c];
                        sc[j] = d / Math.Sqrt(sh.HeadDim);
                        max = Math.Max(max, sc[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) { sc[j] = Math.Exp(sc[j] - max); sum += sc[j]; }
                    for (int j = 0; j <= i; j++)
                    {
                        int vj = (p.Starts[s] + j) * p.Stride + sh.QueryWidth + sh.KvWidth + g * sh.HeadDim;
                        for (int c = 0; c < sh.HeadDim; c++)
                            o[(p.Starts[s] + i) * sh.QueryWidth + h * sh.HeadDim + c] += sc[j] / sum * p.Qkv[vj + c];
                    }
                }
            }
        return o;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesNaiveReference(SimdLevel simd, int heads, int kvHeads, int hd, int[] lengths)
    {
        using var cpu = TestSupport.NewCpu(simd, 3);
        var p = Make(heads, kvHeads, hd, lengths, 1);
        TestSupport.AssertClose(Forward(cpu, p).o, Reference(p), 1e-5, "attention output");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesFiniteDifferences(SimdLevel simd, int heads, int kvHeads, int hd, int[] lengths)
    {
        using var cpu = TestSupport.NewCpu(simd, 3);
        var p = Make(heads, kvHeads, hd, lengths, 2);
        var sh = p.Shape;
        var (o, lse) = Forward(cpu, p);
        var dO = TestSupport.Random(o.Length, 3);
        var dQkv = new float[p.Qkv.Length];
        fixed (float* qkv = p.Qkv, po = o, pdo = dO, pl = lse, pd = dQkv)
            Attention.Backward(cpu, sh, qkv, qkv + sh.QueryWidth, qkv + sh.QueryWidth + sh.KvWidth, p.Stride,
                po, pdo, sh.QueryWidth, pl, pd, pd + sh.QueryWidth, pd + sh.QueryWidth + sh.KvWidth, p.Stride,
                p.Starts, p.Lengths);
        TestSupport.CheckGradient(p.Qkv, dQkv, () => TestSupport.WeightedSum(Forward(cpu, p).o, dO),
            "d(qkv)", samples: 40, h: 2e-2f);
    }

    [Fact]
    public void BackwardDoesNotDependOnThreadCount()
    {
        var p = Make(4, 2, 16, new[] { 33, 9, 64 }, 4);
        var sh = p.Shape;
        float[] Run(int threads)
        {
            using var cpu = TestSupport.NewCpu(SimdSupport.Best, threads);
            var (o, lse) = Forward(cpu, p);
            var dO = TestSupport.Random(o.Length, 5);
            var d = new float[p.Qkv.Length];
            fixed (float* qkv = p.Qkv, po = o, pdo = dO, pl = lse, pd = d)
                Attention.Backward(cpu, sh, qkv, qkv + sh.QueryWidth, qkv + sh.QueryWidth + sh.KvWidth, p.Stride,
                    po, pdo, sh.QueryWidth, pl, pd, pd + sh.QueryWidth, pd + sh.QueryWidth + sh.KvWidth, p.Stride,
                    p.Starts, p.Lengths);
            return o.Concat(d).ToArray();
        }
        Assert.Equal(Run(1), Run(3));
    }
}
