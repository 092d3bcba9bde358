namespace Realm.Engine.Kernels;

/// <summary>
/// How a packed weight matrix stores its elements. Only storage differs: activations stay F32 and every
/// product is an F32 fused multiply-add, so BF16 weights cost no accuracy beyond their own rounding.
/// </summary>
public enum WeightFormat
{
    F32,
    Bf16,
}
