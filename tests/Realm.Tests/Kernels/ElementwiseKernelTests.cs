using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Tests.Kernels;

/// <summary>RMSNorm, RoPE, SwiGLU, embedding and log-softmax: naive references and finite differences, every SIMD path.</summary>
public unsafe class ElementwiseKernelTests
{
    public static IEnumerable<object[]> Levels() => TestSupport.SimdLevels();

    [Theory]
    [MemberData(nameof(Levels))]
    public void RmsNormForwardAndGradients(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int rows = 37, dim = 45;
        float eps = 1e-5f;
        var x = TestSupport.Random(rows * dim, 1);
        var w = TestSupport.Random(dim, 2, 0.3f);
        for (int i = 0; i < dim; i++) w[i] += 1f;
        var up = TestSupport.Random(rows * dim, 3);

        float[] Forward(float[] xs, float[] ws, float[]? rstd = null)
        {
            var y = new float[rows * dim];
            rstd ??= new float[rows];
            fixed (float* px = xs, pw = ws, py = y, pr = rstd) RmsNorm.Forward(cpu, px, pw, py, pr, rows, dim, eps);
            return y;
        }

        var expected = new double[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double)x[r * dim + i] * x[r * dim + i];
            double rs = 1 / Math.Sqrt(ss / dim + eps);
            for (int i = 0; i < dim; i++) expected[r * dim + i] = x[r * dim + i] * rs * w[i];
        }
        var rstd = new float[rows];
        TestSupport.AssertClose(Forward(x, w, rstd), expected, 1e-5, "rmsnorm y");

        var dx = TestSupport.Random(rows * dim, 4); // backward accumulates into dx and dw
        var dxBefore = (float[])dx.Clone();
        var dw = new float[dim];
        fixed (float* pu = up, px = x, pw = w, pr = rstd, pdx = dx, pdw = dw)
            RmsNorm.Backward(cpu, pu, px, pw, pr, pdx, pdw, rows, dim);
        for (int i = 0; i < dx.Length; i++) dx[i] -= dxBefore[i];
        TestSupport.CheckGradient(x, dx, () => TestSupport.WeightedSum(Forward(x, w), up), "rmsnorm dx");
        TestSupport.CheckGradient(w, dw, () => TestSupport.WeightedSum(Forward(x, w), up), "rmsnorm dw");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void RopeRotatesLikeRotateHalfAndInverts(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int rows = 9, heads = 3, hd = 40, stride = heads * hd + 5;
        using var table = new RopeTable(hd, 64, 10000.0);
        var x = TestSupport.Random(rows * stride, 5);
        var positions = new[] { 0, 1, 2, 7, 63, 5, 5, 30, 11 };
        var y = (float[])x.Clone();
        fixed (float* py = y)
        fixed (int* pp = positions)
            Rope.Apply(cpu, table, py, rows, stride, heads, pp);
        var expected = (float[])x.Clone();
        int half = hd / 2;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < half; i++)
                {
                    double angle = positions[r] * Math.Pow(10000.0, -2.0 * i / hd);
                    int o = r * stride + h * hd;
                    double a = x[o + i], b = x[o + half + i];
                    expected[o + i] = (float)(a * Math.Cos(angle) - b * Math.Sin(angle));
                    expected[o + half + i] = (float)(b * Math.Cos(angle) + a * Math.Sin(angle));
                }
        TestSupport.AssertClose(y, expected, 1e-5, "rope");
        // The inverse rotation is the backward pass; applied to y it must give back x.
        fixed (float* py = y)
        fixed (int* pp = positions)
            Rope.Apply(cpu, table, py, rows, stride, heads, pp, inverse: true);
        TestSupport.AssertClose(y, x, 1e-5, "rope inverse");
    }

    [Fact]
    public void RopeRejectsPositionsBeyondTheTable()
    {
        using var cpu = TestSupport.NewCpu(SimdLevel.Scalar, 1);
        using var table = new RopeTable(8, 4, 10000.0);
        var x = new float[8];
        var pos = new[] { 4 };
        var ex = Assert.Throws<Realm.RealmException>(() =>
        {
            fixed (float* px = x)
            fixed (int* pp = pos) Rope.Apply(cpu, table, px, 1, 8, 1, pp);
        });
        Assert.Contains("max_position_embeddings", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void SwiGluForwardAndGradients(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int rows = 7, width = 37;
        var gu = TestSupport.Random(rows * 2 * width, 6, 2f);
        var up = TestSupport.Random(rows * width, 7);
        float[] Forward()
        {
            var y = new float[rows * width];
            fixed (float* pg = gu, py = y) SwiGlu.Forward(cpu, pg, py, rows, width);
            return y;
        }
        var expected = new double[rows * width];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < width; i++)
            {
                double g = gu[r * 2 * width + i], u = gu[r * 2 * width + width + i];
                expected[r * width + i] = g / (1 + Math.Exp(-g)) * u;
            }
        TestSupport.AssertClose(Forward(), expected, 1e-5, "swiglu");
        var dgu = new float[gu.Length];
        fixed (float* pg = gu, pu = up, pd = dgu) SwiGlu.Backward(cpu, pg, pu, pd, rows, width);
        TestSupport.CheckGradient(gu, dgu, () => TestSupport.WeightedSum(Forward(), up), "swiglu d(gate,up)", samples: 24);
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void EmbeddingGatherAndScatterAdd(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int vocab = 11, dim = 19;
        var table = TestSupport.Random(vocab * dim, 8);
        var ids = new[] { 3, 0, 10, 3, 3, 7 };
        var output = new float[ids.Length * dim];
        var dOut = TestSupport.Random(output.Length, 9);
        var dTable = new float[table.Length];
        fixed (float* pt = table, po = output, pd = dOut, pdt = dTable)
        fixed (int* pi = ids)
        {
            Embedding.Forward(cpu, pt, pi, po, ids.Length, dim);
            Embedding.Backward(cpu, pd, pi, pdt, ids.Length, dim);
        }
        var expectedGrad = new double[table.Length];
        for (int r = 0; r < ids.Length; r++)
            for (int j = 0; j < dim; j++)
            {
                Assert.Equal(table[ids[r] * dim + j], output[r * dim + j]);
                expectedGrad[ids[r] * dim + j] += dOut[r * dim + j];
            }
        TestSupport.AssertClose(dTable, expectedGrad, 1e-6, "embedding dtable");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void LogSoftmaxReadsTargetsEntropyAndGradient(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        int rows = 6, vocab = 97;
        var logits = TestSupport.Random(rows * vocab, 10, 3f);
        var targets = new[] { 0, 96, 50, -1, 13, 13 };
        var coef = new[] { 1f, -0.5f, 2f, 3f, 0f, 0.25f };
        var logprobs = new float[rows];
        var entropy = new float[rows];
        var lse = new float[rows];
        void Forward()
        {
            fixed (float* pl = logits, plp = logprobs, pe = entropy, ps = lse)
            fixed (int* pt = targets)
                LogSoftmax.Forward(cpu, pl, rows, vocab, pt, plp, pe, ps);
        }
        Forward();
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0, ent = 0;
            for (int j = 0; j < vocab; j++) max = Math.Max(max, logits[r * vocab + j]);
            for (int j = 0; j < vocab; j++) sum += Math.Exp(logits[r * vocab + j] - max);
            double l = max + Math.Log(sum);
            for (int j = 0; j < vocab; j++)
            {
                double lp = logits[r * vocab + j] - l;
                ent -= Math.Exp(lp) * lp;
            }
            double expectedLp = targets[r] < 0 ? 0 : logits[r * vocab + targets[r]] - l;
            Assert.True(Math.Abs(logprobs[r] - expectedLp) < 1e-5, $"logprob row {r}: {logprobs[r]} vs {expectedLp}");
            Assert.True(Math.Abs(entropy[r] - ent) < 1e-5, $"entropy row {r}: {entropy[r]} vs {ent}");
        }
        var dLogits = new float[logits.Length];
        fixed (float* pl = logits, ps = lse, pc = coef, pd = dLogits)
        fixed (int* pt = targets)
            LogSoftmax.Backward(cpu, pl, ps, pt, pc, pd, rows, vocab);
        double Loss()
        {
            Forward();
            double s = 0;
            for (int r = 0; r < rows; r++) if (targets[r] >= 0) s += coef[r] * (double)logprobs[r];
            return s;
        }
        TestSupport.CheckGradient(logits, dLogits, Loss, "dlogits", samples: 30);
        for (int j = 0; j < vocab; j++) Assert.Equal(0f, dLogits[3 * vocab + j]); // ignored row
    }
}
