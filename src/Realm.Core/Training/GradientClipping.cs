using Realm.Engine.Compute;

namespace Realm.Training;

/// <summary>Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_.</summary>
public static unsafe class GradientClipping
{
    private const int Chunk = 1 << 14;

    [ThreadStatic] private static double[]? t_partials;

    /// <summary>The L2 norm of all gradients, summed in fixed chunks (same result for any thread count).</summary>
    public static double GlobalNorm(Cpu cpu, NativeBuffer grads)
    {
        int chunks = (int)((grads.Length + Chunk - 1) / Chunk);
        if (t_partials == null || t_partials.Length < chunks) t_partials = new double[chunks];
        fixed (double* partials = t_partials)
            cpu.Pool.For(chunks, new SquaresWork(grads.Ptr, grads.Length, partials));
        double sum = 0;
        for (int c = 0; c < chunks; c++) sum += t_partials[c];
        return Math.Sqrt(sum);
    }

    /// <summary>Scales gradients so their global norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static double Clip(Cpu cpu, NativeBuffer grads, double maxNorm)
    {
        using var _ = Profiler.Measure("gradient clipping");
        double norm = GlobalNorm(cpu, grads);
        if (maxNorm > 0 && norm > maxNorm)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            var span = grads.Span;
            for (int i = 0; i < span.Length; i++) span[i] *= scale;
        }
        return norm;
    }

    private readonly struct SquaresWork : IParallelWork
    {
        private readonly float* _g;
        private readonly long _n;
        private readonly double* _partials;
        public SquaresWork(float* g, long n, double* partials) { _g = g; _n = n; _partials = partials; }
        public void Run(int chunk)
        {
            long start = (long)chunk * Chunk, end = Math.Min(_n, start + Chunk);
            double s = 0;
            for (long i = start; i < end; i++) s += (double)_g[i] * _g[i];
            _partials[chunk] = s;
        }
    }
}
