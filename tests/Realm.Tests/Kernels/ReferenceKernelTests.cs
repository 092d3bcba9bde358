using System.Globalization;
using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Tests.Kernels;

/// <summary>Every kernel, forward and backward, against PyTorch float64 references (tests/fixtures/kernels).</summary>
public unsafe class ReferenceKernelTests
{
    public static IEnumerable<object[]> Levels() => TestSupport.SimdLevels();

    private static float Meta(Realm.Engine.IO.SafeTensorsFile f, string key) => float.Parse(f.Metadata[key], CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Levels))]
    public void Gemm(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f = Fixtures.Kernel("gemm");
        var cases = f.Metadata["cases"].Split(';');
        for (int i = 0; i < cases.Length; i++)
        {
            var mnk = cases[i].Split(',').Select(int.Parse).ToArray();
            int m = mnk[0], n = mnk[1], k = mnk[2];
            var a = f.ReadFloat($"c{i}.a");
            var b = f.ReadFloat($"c{i}.b");
            var c = new float[m * n];
            fixed (float* pa = a, pb = b, pc = c) Engine.Kernels.Gemm.Multiply(cpu, m, n, k, pa, k, false, pb, n, false, pc, n, false);
            TestSupport.AssertClose(c, f.ReadFloat($"c{i}.c"), 1e-5, $"gemm case {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void RmsNorm(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f = Fixtures.Kernel("rmsnorm");
        var x = f.ReadFloat("x"); var w = f.ReadFloat("w"); var dy = f.ReadFloat("dy");
        int dim = w.Length, rows = x.Length / dim;
        var y = new float[x.Length]; var rstd = new float[rows]; var dx = new float[x.Length]; var dw = new float[dim];
        fixed (float* px = x, pw = w, py = y, pr = rstd, pdy = dy, pdx = dx, pdw = dw)
        {
            Engine.Kernels.RmsNorm.Forward(cpu, px, pw, py, pr, rows, dim, Meta(f, "eps"));
            Engine.Kernels.RmsNorm.Backward(cpu, pdy, px, pw, pr, pdx, pdw, rows, dim);
        }
        TestSupport.AssertClose(y, f.ReadFloat("y"), 1e-5, "y");
        TestSupport.AssertClose(dx, f.ReadFloat("dx"), 1e-5, "dx");
        TestSupport.AssertClose(dw, f.ReadFloat("dw"), 1e-5, "dw");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Rope(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f = Fixtures.Kernel("rope");
        var shape = f.Get("x").Shape;
        int rows = shape[0], heads = shape[1], hd = shape[2];
        var positions = f.ReadInt32("positions");
        using var table = new RopeTable(hd, positions.Max() + 1, Meta(f, "theta"));
        var y = f.ReadFloat("x");
        var dx = f.ReadFloat("dy");
        fixed (float* py = y, pd = dx)
        fixed (int* pp = positions)
        {
            Engine.Kernels.Rope.Apply(cpu, table, py, rows, heads * hd, heads, pp);
            Engine.Kernels.Rope.Apply(cpu, table, pd, rows, heads * hd, heads, pp, inverse: true);
        }
        TestSupport.AssertClose(y, f.ReadFloat("y"), 1e-5, "y");
        TestSupport.AssertClose(dx, f.ReadFloat("dx"), 1e-5, "dx");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void SwiGlu(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f = Fixtures.Kernel("swiglu");
        var g = f.ReadFloat("g"); var u = f.ReadFloat("u"); var dy = f.ReadFloat("dy");
        int width = f.Get("g").Shape[1], rows = f.Get("g").Shape[0];
        var gu = new float[2 * g.Length];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(g, r * width, gu, r * 2 * width, width);
            Array.Copy(u, r * width, gu, r * 2 * width + width, width);
        }
        var y = new float[g.Length]; var dgu = new float[gu.Length];
        fixed (float* pgu = gu, py = y, pdy = dy, pd = dgu)
        {
            Engine.Kernels.SwiGlu.Forward(cpu, pgu, py, rows, width);
            Engine.Kernels.SwiGlu.Backward(cpu, pgu, pdy, pd, rows, width);
        }
        var dg = new float[g.Length]; var du = new float[u.Length];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(dgu, r * 2 * width, dg, r * width, width);
            Array.Copy(dgu, r * 2 * width + width, du, r * width, width);
        }
        TestSupport.AssertClose(y, f.ReadFloat("y"), 1e-5, "y");
        TestSupport.AssertClose(dg, f.ReadFloat("dg"), 1e-5, "dg");
        TestSupport.AssertClose(du, f.ReadFloat("du"), 1e-5, "du");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Embedding(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f = Fixtures.Kernel("embedding");
        var table = f.ReadFloat("table"); var ids = f.ReadInt32("ids"); var dOut = f.ReadFloat("dout");
        int dim = f.Get("table").Shape[1];
        var output = new float[ids.Length * dim]; var dTable = new float[table.Length];
        fixed (float* pt = table, po = output, pd = dOut, pdt = dTable)
        fixed (int* pi = ids)
        {
            Engine.Kernels.Embedding.Forward(cpu, pt, pi, po, ids.Length, dim);
            Engine.Kernels.Embedding.Backward(cpu, pd, pi, pdt, ids.Length, dim);
        }
        TestSupport.AssertClose(output, f.ReadFloat("out"), 1e-7, "out");
        TestSupport.AssertClose(dTable, f.ReadFloat("dtable"), 1e-6, "dtable");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void LogSoftmax(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f = Fixtures.Kernel("logsoftmax");
        var logits = f.ReadFloat("logits"); var targets = f.ReadInt32("targets"); var coef = f.ReadFloat("coef");
        int rows = targets.Length, vocab = logits.Length / rows;
        var lp = new float[rows]; var ent = new float[rows]; var lse = new float[rows]; var dl = new float[logits.Length];
        fixed (float* pl = logits, plp = lp, pe = ent, ps = lse, pc = coef, pd = dl)
        fixed (int* pt = targets)
        {
            Engine.Kernels.LogSoftmax.Forward(cpu, pl, rows, vocab, pt, plp, pe, ps);
            Engine.Kernels.LogSoftmax.Backward(cpu, pl, ps, pt, pc, pd, rows, vocab);
        }
        TestSupport.AssertClose(lp, f.ReadFloat("logprobs"), 1e-5, "logprobs");
        TestSupport.AssertClose(ent, f.ReadFloat("entropy"), 1e-5, "entropy");
        TestSupport.AssertClose(dl, f.ReadFloat("dlogits"), 1e-5, "dlogits");
    }

    public static IEnumerable<object[]> AttentionCases()
    {
        foreach (var level in TestSupport.SimdLevels())
        {
            yield return new object[] { level[0], "attention_small" };
            yield return new object[] { level[0], "attention_long" };
        }
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void Attention(SimdLevel simd, string name)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var f = Fixtures.Kernel(name);
        int h = (int)Meta(f, "num_heads"), hkv = (int)Meta(f, "num_kv_heads"), hd = (int)Meta(f, "head_dim");
        var shape = new AttentionShape(h, hkv, hd);
        var lengths = f.ReadInt32("seq_lens");
        var starts = new int[lengths.Length];
        for (int s = 1; s < lengths.Length; s++) starts[s] = starts[s - 1] + lengths[s - 1];
        var q = f.ReadFloat("q"); var k = f.ReadFloat("k"); var v = f.ReadFloat("v"); var dO = f.ReadFloat("dout");
        int n = lengths.Sum();
        var o = new float[n * h * hd]; var lse = new float[n * h];
        var dq = new float[q.Length]; var dk = new float[k.Length]; var dv = new float[v.Length];
        fixed (float* pq = q, pk = k, pv = v, po = o, pl = lse, pdo = dO, pdq = dq, pdk = dk, pdv = dv)
        {
            // Separate q, k, v tensors: a row stride per tensor is emulated by one stride each (they differ here).
            AttentionSeparate(cpu, shape, pq, pk, pv, po, pl, starts, lengths);
            BackwardSeparate(cpu, shape, pq, pk, pv, po, pdo, pl, pdq, pdk, pdv, starts, lengths, n);
        }
        TestSupport.AssertClose(o, f.ReadFloat("out"), 1e-5, "out");
        TestSupport.AssertClose(dq, f.ReadFloat("dq"), 1e-4, "dq");
        TestSupport.AssertClose(dk, f.ReadFloat("dk"), 1e-4, "dk");
        TestSupport.AssertClose(dv, f.ReadFloat("dv"), 1e-4, "dv");
    }

    // The kernel takes q, k, v with one shared row stride (columns of a fused QKV buffer), so pack them.
    private static void AttentionSeparate(Cpu cpu, AttentionShape sh, float* q, float* k, float* v, float* o, float* lse,
        int[] starts, int[] lengths)
    {
        int n = lengths.Sum(), stride = sh.QueryWidth + 2 * sh.KvWidth;
        var qkv = Pack(sh, q, k, v, n);
        fixed (float* p = qkv)
            Engine.Kernels.Attention.Forward(cpu, sh, p, p + sh.QueryWidth, p + sh.QueryWidth + sh.KvWidth, stride, o, sh.QueryWidth, lse, starts, lengths);
    }

    private static void BackwardSeparate(Cpu cpu, AttentionShape sh, float* q, float* k, float* v, float* o, float* dO,
        float* lse, float* dq, float* dk, float* dv, int[] starts, int[] lengths, int n)
    {
        int stride = sh.QueryWidth + 2 * sh.KvWidth;
        var qkv = Pack(sh, q, k, v, n);
        var d = new float[qkv.Length];
        fixed (float* p = qkv, pd = d)
            Engine.Kernels.Attention.Backward(cpu, sh, p, p + sh.QueryWidth, p + sh.QueryWidth + sh.KvWidth, stride, o, dO,
                sh.QueryWidth, lse, pd, pd + sh.QueryWidth, pd + sh.QueryWidth + sh.KvWidth, stride, starts, lengths);
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < sh.QueryWidth; c++) dq[r * sh.QueryWidth + c] = d[r * stride + c];
            for (int c = 0; c < sh.KvWidth; c++)
            {
                dk[r * sh.KvWidth + c] = d[r * stride + sh.QueryWidth + c];
                dv[r * sh.KvWidth + c] = d[r * stride + sh.QueryWidth + sh.KvWidth + c];
            }
        }
    }

    private static float[] Pack(AttentionShape sh, float* q, float* k, float* v, int n)
    {
        int stride = sh.QueryWidth + 2 * sh.KvWidth;
        var qkv = new float[n * stride];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < sh.QueryWidth; c++) qkv[r * stride + c] = q[r * sh.QueryWidth + c];
            for (int c = 0; c < sh.KvWidth; c++)
            {
                qkv[r * stride + sh.QueryWidth + c] = k[r * sh.KvWidth + c];
                qkv[r * stride + sh.QueryWidth + sh.KvWidth + c] = v[r * sh.KvWidth + c];
            }
        }
        return qkv;
    }
}
