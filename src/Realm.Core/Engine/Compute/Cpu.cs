namespace Realm.Engine.Compute;

/// <summary>
/// Where kernels run: a vector width and a pool of threads. Results are deterministic for a given
/// (Simd, Threads) pair; most kernels are deterministic for any thread count (see docs/engine.md).
/// </summary>
public sealed class Cpu : IDisposable
{
    private static readonly Lazy<Cpu> s_default = new(() => new Cpu(DefaultThreads(), SimdSupport.FromEnvironment()));

    /// <summary>All cores (or REALM_THREADS), widest SIMD (or REALM_SIMD).</summary>
    public static Cpu Default => s_default.Value;

    public SimdLevel Simd { get; }
    public WorkerPool Pool { get; }
    public int Threads => Pool.Threads;

    public Cpu(int threads, SimdLevel simd)
    {
        if (!SimdSupport.IsSupported(simd))
            throw new RealmException($"this CPU does not accelerate {simd}");
        Simd = simd;
        Pool = new WorkerPool(threads);
    }

    public static int DefaultThreads()
    {
        string? env = Environment.GetEnvironmentVariable("REALM_THREADS");
        return int.TryParse(env, out int n) && n > 0 ? n : Environment.ProcessorCount;
    }

    public override string ToString() => $"{Threads} thread(s), {Simd}";

    public void Dispose()
    {
        if (!ReferenceEquals(this, s_default.IsValueCreated ? s_default.Value : null)) Pool.Dispose();
    }
}
