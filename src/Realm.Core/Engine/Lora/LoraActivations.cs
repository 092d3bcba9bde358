using Realm.Engine.Compute;

namespace Realm.Engine.Lora;

/// <summary>
/// What the adapters add to a pass's activations: per layer and targeted projection, the rows'
/// (alpha/r)·dropout(x)·Aᵀ (rows × r, kept for the backward pass), plus scratch for the dropped inputs
/// and the backward pass. Only one layer's worth is kept when the pass is not for training.
/// </summary>
internal sealed unsafe class LoraActivations : IDisposable
{
    private readonly NativeBuffer?[,] _hidden;

    public LoraConfig Config { get; }
    /// <summary>dropout(x) of the projection being computed (rows × widest input); empty without dropout.</summary>
    public NativeBuffer Dropped { get; }
    /// <summary>∂/∂(hidden) of the projection being backpropagated (rows × r).</summary>
    public NativeBuffer DHidden { get; }
    /// <summary>The LoRA path's input gradient before the dropout mask (rows × widest input); empty without dropout.</summary>
    public NativeBuffer DInput { get; }
    /// <summary>An adapter's Aᵀ in the forward pass, its dAᵀ in the backward pass (widest input × r).</summary>
    public NativeBuffer RankScratch { get; }
    /// <summary>Receives the RMSNorm gain gradients of the frozen base model, which nothing reads.</summary>
    public NativeBuffer FrozenNormGradient { get; }
    /// <summary>The training pass whose dropout masks these activations hold (the backward pass regenerates them).</summary>
    public long Pass { get; set; }

    public LoraActivations(LoraLayout layout, int capacity, bool forTraining)
    {
        Config = layout.Config;
        var baseConfig = layout.Base.Config;
        int r = Config.Rank, slots = forTraining ? baseConfig.NumHiddenLayers : 1;
        int widestInput = Config.Targets.Max(t => ProjectionSite.Of(layout.Base, 0, t).InDim);
        _hidden = new NativeBuffer?[slots, LoraTargets.All.Count];
        for (int l = 0; l < slots; l++)
            foreach (var t in Config.Targets)
                _hidden[l, (int)t] = new NativeBuffer((long)capacity * r);
        bool dropout = Config.Dropout > 0;
        Dropped = new NativeBuffer(dropout && forTraining ? (long)capacity * widestInput : 0);
        DHidden = new NativeBuffer(forTraining ? (long)capacity * r : 0);
        DInput = new NativeBuffer(dropout && forTraining ? (long)capacity * widestInput : 0);
        RankScratch = new NativeBuffer((long)widestInput * r);
        FrozenNormGradient = new NativeBuffer(forTraining ? baseConfig.HiddenSize : 0);
    }

    /// <summary>Hidden rows of layer slot <paramref name="slot"/> (the layer in training, 0 otherwise).</summary>
    public float* Hidden(int slot, LoraTarget target) => _hidden[slot, (int)target]!.Ptr;

    public void Dispose()
    {
        foreach (var b in _hidden) b?.Dispose();
        Dropped.Dispose();
        DHidden.Dispose();
        DInput.Dispose();
        RankScratch.Dispose();
        FrozenNormGradient.Dispose();
    }
}
