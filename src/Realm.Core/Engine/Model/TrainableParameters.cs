using Realm.Engine.Compute;

namespace Realm.Engine.Model;

/// <summary>
/// What training updates: a flat weight buffer and the named tensors laid out in it. It is the whole model,
/// or only its LoRA adapters when adapters are attached (<see cref="LlamaModel.Trainable"/>); gradients and
/// optimiser moments use the same layout, so trainers, AdamW, clipping and checkpoints serve both.
/// </summary>
public sealed record TrainableParameters(NativeBuffer Weights, IReadOnlyList<ParameterInfo> Parameters)
{
    public long Total => Weights.Length;
}
