using Realm.Engine.Compute;
using Realm.Engine.Model;

namespace Realm.Training;

/// <summary>AdamW hyper-parameters. Defaults are common for small decoder training.</summary>
public sealed record AdamWOptions
{
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.95f;
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>Decoupled decay, applied to matrices only (not norm gains or biases).</summary>
    public float WeightDecay { get; init; } = 0.1f;
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter): θ ← θ − lr·(m̂/(√v̂ + ε) + λ·θ), with bias-corrected moments m̂, v̂, as
/// PyTorch's torch.optim.AdamW, over a set of <see cref="TrainableParameters"/> (a whole model, or its LoRA
/// adapters). The moments share the parameters' flat layout and are saved with checkpoints.
/// </summary>
public sealed unsafe class AdamW : IDisposable
{
    private const int Chunk = 1 << 14;

    public AdamWOptions Options { get; }
    public TrainableParameters Parameters { get; }
    public NativeBuffer FirstMoment { get; }
    public NativeBuffer SecondMoment { get; }
    /// <summary>Updates taken so far (the t of bias correction).</summary>
    public long Step { get; set; }

    public AdamW(TrainableParameters parameters, AdamWOptions options)
    {
        Parameters = parameters;
        Options = options;
        FirstMoment = new NativeBuffer(parameters.Total);
        SecondMoment = new NativeBuffer(parameters.Total);
    }

    /// <summary>One update of all parameters with learning rate <paramref name="lr"/>, from gradients in their layout.</summary>
    public void Update(Cpu cpu, NativeBuffer grads, float lr)
    {
        if (grads.Length != Parameters.Total) throw new ArgumentException("gradient buffer does not match the parameters");
        var weights = Parameters.Weights;
        using var _ = Profiler.Measure("adamw");
        Step++;
        var o = Options;
        float c1 = 1f / (1f - MathF.Pow(o.Beta1, Step));
        float c2 = 1f / (1f - MathF.Pow(o.Beta2, Step));
        foreach (var p in Parameters.Parameters)
        {
            float decay = p.Decays ? o.WeightDecay : 0f;
            var work = new UpdateWork(weights.Ptr + p.Offset, grads.Ptr + p.Offset, FirstMoment.Ptr + p.Offset,
                SecondMoment.Ptr + p.Offset, p.Length, lr, decay, o.Beta1, o.Beta2, o.Epsilon, c1, c2);
            cpu.Pool.For((int)((p.Length + Chunk - 1) / Chunk), work);
        }
    }

    private readonly struct UpdateWork : IParallelWork
    {
        private readonly float* _w, _g, _m, _v;
        private readonly long _n;
        private readonly float _lr, _decay, _b1, _b2, _eps, _c1, _c2;

        public UpdateWork(float* w, float* g, float* m, float* v, long n, float lr, float decay, float b1, float b2,
            float eps, float c1, float c2)
        { _w = w; _g = g; _m = m; _v = v; _n = n; _lr = lr; _decay = decay; _b1 = b1; _b2 = b2; _eps = eps; _c1 = c1; _c2 = c2; }

        public void Run(int chunk)
        {
            long start = (long)chunk * Chunk, end = Math.Min(_n, start + Chunk);
            for (long i = start; i < end; i++)
            {
                float g = _g[i];
                float m = _m[i] = _b1 * _m[i] + (1f - _b1) * g;
                float v = _v[i] = _b2 * _v[i] + (1f - _b2) * g * g;
                _w[i] -= _lr * (m * _c1 / (MathF.Sqrt(v * _c2) + _eps) + _decay * _w[i]);
            }
        }
    }

    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
    }
}
