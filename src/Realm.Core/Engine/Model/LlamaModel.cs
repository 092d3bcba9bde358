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
    internal RopeTable Rotary { get; }
    private LoraAdapters? _adapters;
    private NativeBuffer? _weights;

    public LlamaModel(LlamaConfig config, Cpu cpu) : this(config, cpu, f32Weights: true) { }

    private LlamaModel(LlamaConfig config, Cpu cpu, bool f32Weights)
    {
        Config = config.Validate("model config");
        Layout = new ParameterLayout(config);
        Cpu = cpu;
        _weights = f32Weights ? new NativeBuffer(Layout.Total) : null;
        Rotary = new RopeTable(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta);
    }

    public long ParameterCount => Layout.Total;

    /// <summary>
    /// Every parameter in F32, laid out by <see cref="Layout"/>. A model that keeps only packed inference
    /// weights (<see cref="KeepOnlyInferenceWeights"/>) has none, and whatever needs them (training, saving,
    /// the full forward pass) stops here with a clear message.
    /// </summary>
    public NativeBuffer Weights => _weights ?? throw new RealmException(
        $"this model holds {InferenceWeights?.Format.ToString().ToUpperInvariant()} weights for inference only (loaded with --weights " +
        $"{InferenceWeights?.Format.ToString().ToLowerInvariant()}): training, saving and scoring whole batches need its F32 weights; load it with --weights f32");

    /// <summary>
    /// The packed BF16 or Q8 weights the model keeps instead of its F32 ones (null: it has F32 weights).
    /// Generators decode with these rather than packing their own copy. See also <see cref="LoadPacked"/>.
    /// </summary>
    public PackedWeights? InferenceWeights { get; private set; }

    /// <summary>
    /// Makes this an inference-only model: packs its matrices as BF16 or Q8 (with the attached adapters merged
    /// in), keeps that packed copy, and frees the F32 weights. BF16: about half the memory of the F32 weights
    /// and half the bytes read per decoded token; weights that are already BF16 values (a BF16 checkpoint)
    /// give exactly the F32 results, others are rounded to nearest even. Q8: about a quarter, approximate
    /// (<see cref="Q8Matrix"/>).
    /// </summary>
    public void KeepOnlyInferenceWeights(WeightFormat format)
    {
        if (format == WeightFormat.F32) throw new ArgumentException("F32 inference keeps the F32 weights", nameof(format));
        if (InferenceWeights != null) return;
        InferenceWeights = new PackedWeights(this, format);
        _weights!.Dispose();
        _weights = null;
    }

    public void KeepOnlyBf16Weights() => KeepOnlyInferenceWeights(WeightFormat.Bf16);

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
            if (InferenceWeights != null && value != _adapters)
                throw new InvalidOperationException("attach adapters before KeepOnlyInferenceWeights: they are merged into the packed weights");
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
        _weights?.Dispose();
        InferenceWeights?.Dispose();
        Rotary.Dispose();
    }
}
