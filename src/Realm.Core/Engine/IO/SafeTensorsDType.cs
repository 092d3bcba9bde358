namespace Realm.Engine.IO;

/// <summary>The element types ReaLM reads from safetensors files (named as in the file header).</summary>
public enum SafeTensorsDType
{
    F32,
    F16,
    BF16,
    I32,
    I64,
}

public static class SafeTensorsDTypeExtensions
{
    public static int ElementSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        SafeTensorsDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static bool IsFloat(this SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16;
}
