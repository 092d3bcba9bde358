namespace Realm.Engine.Kernels;

/// <summary>
/// Scalar BF16 (bfloat16) conversions. BF16 is the top half of an F32, so widening is exact; narrowing
/// rounds to nearest even, as PyTorch's <c>.to(torch.bfloat16)</c> does.
/// </summary>
internal static class Bf16
{
    public static float ToFloat(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    public static ushort FromFloat(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40); // keep it a (quiet) NaN: rounding could make it ±inf
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1)) >> 16);
    }
}
