namespace Realm.Engine.IO;

/// <summary>
/// One tensor's entry in a safetensors header. <see cref="DataBegin"/> and <see cref="DataEnd"/> are byte
/// offsets relative to the start of the data section, as in the file.
/// </summary>
public sealed record TensorInfo(string Name, SafeTensorsDType DType, int[] Shape, long ElementCount, long DataBegin, long DataEnd)
{
    public long ByteLength => DataEnd - DataBegin;

    public static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
