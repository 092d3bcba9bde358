using Realm.Engine.Compute;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;

namespace Realm.Engine.Model;

/// <summary>
/// A Llama-family decoder (Llama, Qwen2, Mistral without sliding window): weights in one flat buffer laid
/// out by <see cref="ParameterLayout"/>, explicit forward and backward passes
/// (<c>LlamaModel.Training.cs</c>) and KV-cache inference (<c>LlamaModel.Inference.cs</c>).
/// </summary>
public sealed unsafe partial class LlamaModel : IDisposable
{
    public LlamaConfig Config { get; }
    public ParameterLayout Layout { get; }
    public Cpu Cpu { get; }
    public NativeBuffer Weights { get; }
    internal RopeTable Rotary { get; }
    private LoraAdapters? _adapters;

    public LlamaModel(LlamaConfig config, Cpu cpu)
    {
        Config = config.Validate("model config");
        Layout = new ParameterLayout(config);
        Cpu = cpu;
        Weights = new NativeBuffer(Layout.Total);
        Rotary = new RopeTable(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta);
    }

    public long ParameterCount => Layout.Total;

    /// <summary>
    /// LoRA adapters every pass includes (null: the plain model). While they are attached the base weights
    /// are frozen: <see cref="Backward"/> computes gradients for the adapters only, and trainers update
    /// <see cref="Trainable"/>, which is then the adapters. The model does not own them.
    /// </summary>
    public LoraAdapters? Adapters
    {
        get => _adapters;
        set
        {
            if (value != null && value.Base != Config)
                throw new ArgumentException("the adapters were made for a model of another shape");
            _adapters = value;
        }
    }

    /// <summary>What training updates: the adapters when attached, else every weight of the model.</summary>
    public TrainableParameters Trainable => _adapters?.Trainable ?? new TrainableParameters(Weights, Layout.Parameters);

    internal float* W(long offset) => Weights.Ptr + offset;

    /// <summary>
    /// Fresh weights as Hugging Face initialises Llama: matrices and embeddings ~ N(0, std²), norm gains 1,
    /// biases 0. Deterministic for a seed.
    /// </summary>
    public void InitializeRandom(ulong seed, float std = 0.02f)
    {
        var rng = new SplitMix64(seed);
        foreach (var p in Layout.Parameters)
        {
            var span = Weights.Slice(p.Offset, checked((int)p.Length));
            if (p.Name.EndsWith("norm.weight", StringComparison.Ordinal)) span.Fill(1f);
            else if (p.Name.EndsWith(".bias", StringComparison.Ordinal)) span.Clear();
            else for (int i = 0; i < span.Length; i++) span[i] = (float)(rng.NextNormal() * std);
        }
    }

    public void Dispose()
    {
        Weights.Dispose();
        Rotary.Dispose();
    }
}
