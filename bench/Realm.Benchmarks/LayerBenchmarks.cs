using BenchmarkDotNet.Attributes;
using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Benchmarks;

/// <summary>Attention and the elementwise layers at the bench model's shape (16 × 256 tokens, dim 256, 8/4 heads).</summary>
[MemoryDiagnoser]
public unsafe class LayerBenchmarks
{
    private const int Rows = 16 * 256, Dim = 256, Ffn = 688;
    private static readonly AttentionShape Shape = new(8, 4, 32);
    private Cpu _cpu = null!;
    private NativeBuffer _qkv = null!, _o = null!, _lse = null!, _dO = null!, _dQkv = null!, _x = null!, _w = null!, _y = null!, _rstd = null!, _gu = null!, _act = null!;
    private int[] _starts = null!, _lengths = null!;
    private int _stride;

    [Params(SimdLevel.Vector512, SimdLevel.Vector256)]
    public SimdLevel Simd { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _cpu = new Cpu(2, SimdSupport.IsSupported(Simd) ? Simd : SimdLevel.Scalar);
        _stride = Shape.QueryWidth + 2 * Shape.KvWidth;
        _qkv = Fill((long)Rows * _stride);
        _o = new NativeBuffer((long)Rows * Shape.QueryWidth);
        _lse = new NativeBuffer((long)Rows * Shape.Heads);
        _dO = Fill((long)Rows * Shape.QueryWidth);
        _dQkv = new NativeBuffer((long)Rows * _stride);
        _x = Fill((long)Rows * Dim);
        _w = Fill(Dim);
        _y = new NativeBuffer((long)Rows * Dim);
        _rstd = new NativeBuffer(Rows);
        _gu = Fill((long)Rows * 2 * Ffn);
        _act = new NativeBuffer((long)Rows * Ffn);
        _starts = Enumerable.Range(0, 16).Select(i => i * 256).ToArray();
        _lengths = Enumerable.Repeat(256, 16).ToArray();
        AttentionForward();
    }

    private static NativeBuffer Fill(long n)
    {
        var buffer = new NativeBuffer(n);
        var rng = new SplitMix64(1);
        for (long i = 0; i < n; i++) buffer.Ptr[i] = (float)(rng.NextDouble() - 0.5);
        return buffer;
    }

    [Benchmark]
    public void AttentionForward() =>
        Attention.Forward(_cpu, Shape, _qkv.Ptr, _qkv.Ptr + Shape.QueryWidth, _qkv.Ptr + Shape.QueryWidth + Shape.KvWidth, _stride,
            _o.Ptr, Shape.QueryWidth, _lse.Ptr, _starts, _lengths);

    [Benchmark]
    public void AttentionBackward() =>
        Attention.Backward(_cpu, Shape, _qkv.Ptr, _qkv.Ptr + Shape.QueryWidth, _qkv.Ptr + Shape.QueryWidth + Shape.KvWidth, _stride,
            _o.Ptr, _dO.Ptr, Shape.QueryWidth, _lse.Ptr, _dQkv.Ptr, _dQkv.Ptr + Shape.QueryWidth,
            _dQkv.Ptr + Shape.QueryWidth + Shape.KvWidth, _stride, _starts, _lengths);

    [Benchmark]
    public void RmsNormForward() => RmsNorm.Forward(_cpu, _x.Ptr, _w.Ptr, _y.Ptr, _rstd.Ptr, Rows, Dim, 1e-5f);

    [Benchmark]
    public void SwiGluForward() => SwiGlu.Forward(_cpu, _gu.Ptr, _act.Ptr, Rows, Ffn);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in new[] { _qkv, _o, _lse, _dO, _dQkv, _x, _w, _y, _rstd, _gu, _act }) b.Dispose();
        _cpu.Dispose();
    }
}
