using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Model;

namespace Realm.Engine.Lora;

/// <summary>
/// The A and B matrices of every targeted projection of a model, in one flat buffer laid out by
/// <see cref="LoraLayout"/>. Attach them to a model (<see cref="LlamaModel.Adapters"/>) and its forward
/// and backward passes include them while the base weights stay frozen; save and load them as PEFT files
/// (<c>LoraAdapters.Peft.cs</c>); or fold them into the base weights with <see cref="MergeInto"/>.
/// </summary>
public sealed unsafe partial class LoraAdapters : IDisposable
{
    public LoraConfig Config { get; }
    public LlamaConfig Base { get; }
    public LoraLayout Layout { get; }
    public NativeBuffer Weights { get; }

    /// <summary>Seeds the dropout masks (together with <see cref="DropoutPasses"/>).</summary>
    public ulong DropoutSeed { get; }

    /// <summary>Training forward passes run so far; each draws fresh dropout masks. Training checkpoints save it.</summary>
    public long DropoutPasses { get; set; }

    public TrainableParameters Trainable => new(Weights, Layout.Parameters);

    private LoraAdapters(LlamaConfig baseConfig, LoraConfig config, ulong dropoutSeed)
    {
        Config = config.Validate("LoRA config");
        Base = baseConfig;
        Layout = new LoraLayout(new ParameterLayout(baseConfig), config);
        Weights = new NativeBuffer(Layout.Total);
        DropoutSeed = dropoutSeed;
    }

    /// <summary>
    /// Fresh adapters as PEFT initialises them: A ~ U(−1/√in, 1/√in) (<c>kaiming_uniform_(a=√5)</c>) and
    /// B = 0, so the adapted model starts out equal to the base. Deterministic for a seed, which also seeds dropout.
    /// </summary>
    public static LoraAdapters Create(LlamaConfig baseConfig, LoraConfig config, ulong seed)
    {
        var adapters = new LoraAdapters(baseConfig, config, seed);
        var rng = new SplitMix64(seed);
        foreach (var p in adapters.Layout.Parameters.Where(p => p.Name.EndsWith(".lora_A.weight", StringComparison.Ordinal)))
        {
            double bound = 1.0 / Math.Sqrt(p.Shape[1]);
            var span = adapters.Weights.Slice(p.Offset, checked((int)p.Length));
            for (int i = 0; i < span.Length; i++) span[i] = (float)((2 * rng.NextDouble() - 1) * bound);
        }
        return adapters;
    }

    internal float* A(int layer, LoraTarget target) => Weights.Ptr + Layout.A(layer, target);
    internal float* B(int layer, LoraTarget target) => Weights.Ptr + Layout.B(layer, target);

    /// <summary>w += (alpha/r)·B·A for one targeted projection; <paramref name="w"/> is its [out, in] weight.</summary>
    internal void AddDelta(Cpu cpu, int layer, LoraTarget target, float* w)
    {
        var site = ProjectionSite.Of(Layout.Base, layer, target);
        int r = Config.Rank;
        using var scaledB = new NativeBuffer((long)site.OutDim * r, zero: false);
        Buffer.MemoryCopy(B(layer, target), scaledB.Ptr, scaledB.Length * 4, scaledB.Length * 4);
        Vectorized.Scale(cpu.Simd, scaledB.Ptr, Config.Scale, checked((int)scaledB.Length));
        Gemm.Multiply(cpu, site.OutDim, site.InDim, r, scaledB.Ptr, r, false, A(layer, target), site.InDim, false,
            w, site.InDim, accumulate: true);
    }

    /// <summary>
    /// Folds the adapters into <paramref name="model"/>'s weights, W ← W + (alpha/r)·B·A for every targeted
    /// projection, so the plain model computes what base + adapters computed (up to float rounding).
    /// </summary>
    public void MergeInto(LlamaModel model)
    {
        if (!model.Config.Equals(Base)) throw new ArgumentException("the adapters were made for a model of another shape");
        if (model.Adapters != null) throw new InvalidOperationException("detach the adapters before merging them into the model's weights");
        for (int l = 0; l < Base.NumHiddenLayers; l++)
            foreach (var t in Config.Targets)
                AddDelta(model.Cpu, l, t, model.Weights.Ptr + ProjectionSite.Of(model.Layout, l, t).Weight);
    }

    public void Dispose() => Weights.Dispose();
}
