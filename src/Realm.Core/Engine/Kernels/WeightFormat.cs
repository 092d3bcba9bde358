namespace Realm.Engine.Kernels;

/// <summary>
/// How a packed weight matrix stores its elements. F32 and BF16: only storage differs; activations stay F32
/// and every product is an F32 fused multiply-add, so BF16 weights cost no accuracy beyond their own
/// rounding. Q8: blocks of 32 int8 values with a scale (<see cref="Q8Matrix"/>), multiplied by int8-quantised
/// activations with integer dot products when decoding one row; inference only, and approximate.
/// </summary>
public enum WeightFormat
{
    F32,
    Bf16,
    Q8,
}
