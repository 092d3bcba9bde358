using BenchmarkDotNet.Attributes;
using Realm.Engine.Compute;
using Realm.Engine.Kernels;

namespace Realm.Benchmarks;

/// <summary>SGEMM on the shapes a small model's training step runs, per SIMD path (2 threads).</summary>
[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    private Cpu _cpu = null!;
    private NativeBuffer _a = null!, _b = null!, _c = null!;

    [Params(SimdLevel.Vector512, SimdLevel.Vector256)]
    public SimdLevel Simd { get; set; }

    /// <summary>M×N×K and form: NT = x·Wᵀ (forward), NN = dy·W (input grad), TN = dyᵀ·x (weight grad).</summary>
    [Params("1024x1024x1024 NN", "4096x512x256 NT", "4096x256x688 NT", "4096x256x512 NN", "1376x256x4096 TN")]
    public string Shape { get; set; } = "";

    private int _m, _n, _k;
    private bool _ta, _tb;

    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split(' ');
        var dims = parts[0].Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        _ta = parts[1][0] == 'T';
        _tb = parts[1][1] == 'T';
        _cpu = new Cpu(2, SimdSupport.IsSupported(Simd) ? Simd : SimdLevel.Scalar);
        _a = Fill(_m * _k);
        _b = Fill(_k * _n);
        _c = new NativeBuffer(_m * _n);
    }

    private static NativeBuffer Fill(int n)
    {
        var buffer = new NativeBuffer(n);
        var rng = new SplitMix64(1);
        for (int i = 0; i < n; i++) buffer.Ptr[i] = (float)rng.NextDouble();
        return buffer;
    }

    [Benchmark]
    public void Multiply() =>
        Gemm.Multiply(_cpu, _m, _n, _k, _a.Ptr, _ta ? _m : _k, _ta, _b.Ptr, _tb ? _k : _n, _tb, _c.Ptr, _n, false);

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose(); _b.Dispose(); _c.Dispose();
        _cpu.Dispose();
    }
}
