using Realm.Engine.Compute;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>What one layer's forward pass keeps for its backward pass (rows × width each).</summary>
internal sealed class LayerActivations : IDisposable
{
    public readonly NativeBuffer Input, Normed1, Rstd1, Qkv, Attn, Lse, Mid, Normed2, Rstd2, GateUp, Act;

    public LayerActivations(LlamaConfig c, ParameterLayout layout, int rows)
    {
        int d = c.HiddenSize, f = c.IntermediateSize;
        Input = new NativeBuffer((long)rows * d);
        Normed1 = new NativeBuffer((long)rows * d);
        Rstd1 = new NativeBuffer(rows);
        Qkv = new NativeBuffer((long)rows * layout.QkvWidth);
        Attn = new NativeBuffer((long)rows * layout.Attention.QueryWidth);
        Lse = new NativeBuffer((long)rows * layout.Attention.Heads);
        Mid = new NativeBuffer((long)rows * d);
        Normed2 = new NativeBuffer((long)rows * d);
        Rstd2 = new NativeBuffer(rows);
        GateUp = new NativeBuffer((long)rows * 2 * f);
        Act = new NativeBuffer((long)rows * f);
    }

    public void Dispose()
    {
        foreach (var b in new[] { Input, Normed1, Rstd1, Qkv, Attn, Lse, Mid, Normed2, Rstd2, GateUp, Act }) b.Dispose();
    }
}

/// <summary>
/// Buffers for forward and backward passes over up to <see cref="Capacity"/> rows. Allocated once and
/// reused across steps; a larger batch reallocates. With <c>forTraining</c> false only one layer's worth
/// of activations is kept (scoring without gradients).
/// </summary>
public sealed class Activations : IDisposable
{
    /// <summary>Logits kept at once are capped to this many floats; beyond it the backward pass recomputes them per chunk.</summary>
    public const long DefaultLogitBudget = 32L << 20;

    internal readonly LayerActivations[] Layers;
    internal readonly NativeBuffer Final, FinalNormed, FinalRstd, Logits, LogitLse;
    internal readonly NativeBuffer DResidual, DNormed, DAttn, DQkv, DAct, DGateUp;
    private readonly ParameterLayout _layout;
    private LoraActivations? _lora;

    /// <summary>The adapters the last forward pass ran with (null: none), so a backward pass can check it matches.</summary>
    internal LoraAdapters? ForwardAdapters { get; set; }

    /// <summary>The temperature the last forward pass divided the logits by, so the backward pass differentiates the same distribution.</summary>
    internal float LogitTemperature { get; set; } = 1f;

    public int Capacity { get; }
    public bool ForTraining { get; }
    /// <summary>Rows of logits computed at once.</summary>
    public int LogitRows { get; }

    public Activations(ParameterLayout layout, int capacity, bool forTraining, long logitBudget = DefaultLogitBudget)
    {
        var c = layout.Config;
        _layout = layout;
        Capacity = capacity;
        ForTraining = forTraining;
        LogitRows = (int)Math.Clamp(logitBudget / c.VocabSize, 1, capacity);
        Layers = new LayerActivations[forTraining ? c.NumHiddenLayers : 1];
        for (int l = 0; l < Layers.Length; l++) Layers[l] = new LayerActivations(c, layout, capacity);
        int d = c.HiddenSize, f = c.IntermediateSize;
        Final = new NativeBuffer((long)capacity * d);
        FinalNormed = new NativeBuffer((long)capacity * d);
        FinalRstd = new NativeBuffer(capacity);
        Logits = new NativeBuffer((long)LogitRows * c.VocabSize);
        LogitLse = new NativeBuffer(capacity);
        long g = forTraining ? capacity : 0;
        DResidual = new NativeBuffer(g * d);
        DNormed = new NativeBuffer(g * d);
        DAttn = new NativeBuffer(g * layout.Attention.QueryWidth);
        DQkv = new NativeBuffer(g * layout.QkvWidth);
        DAct = new NativeBuffer(g * f);
        DGateUp = new NativeBuffer(g * 2 * f);
    }

    /// <summary>Buffers for passes with these adapters, made on first use so plain passes allocate nothing for LoRA.</summary>
    internal LoraActivations LoraFor(LoraAdapters adapters)
    {
        if (adapters.Layout.Base.Config != _layout.Config) throw new ArgumentException("the adapters were made for a model of another shape");
        if (_lora == null || !_lora.Config.Equals(adapters.Config))
        {
            _lora?.Dispose();
            _lora = new LoraActivations(adapters.Layout, Capacity, ForTraining);
        }
        return _lora;
    }

    public void Dispose()
    {
        _lora?.Dispose();
        foreach (var l in Layers) l.Dispose();
        foreach (var b in new[] { Final, FinalNormed, FinalRstd, Logits, LogitLse, DResidual, DNormed, DAttn, DQkv, DAct, DGateUp })
            b.Dispose();
    }
}
