using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;

namespace Realm.Engine.IO;

/// <summary>
/// A safetensors file opened for reading: the header is validated on <see cref="Open"/> and the data is
/// memory-mapped, so opening a large checkpoint costs nothing until tensors are read, and only the
/// tensors actually read are paged in.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    // The safetensors reference implementation refuses larger headers; so do we, before allocating.
    private const long MaxHeaderLength = 100_000_000;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _data;

    public string Path { get; }
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafeTensorsFile(string path, FileStream stream, long dataStart,
        Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
        _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* start = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _data = start + _view.PointerOffset + dataStart;
    }

    public static SafeTensorsFile Open(string path)
    {
        FileStream stream = OpenStream(path);
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
                throw new RealmException($"{path}: file is {fileLength} bytes, too short for a safetensors header (at least 8)");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > (ulong)(fileLength - 8))
                throw new RealmException(
                    $"{path}: header length {headerLength} is past the end of the file ({fileLength} bytes); not a safetensors file or truncated");
            if (headerLength > MaxHeaderLength)
                throw new RealmException($"{path}: header length {headerLength} exceeds the {MaxHeaderLength}-byte limit");

            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = SafeTensorsHeader.Parse(path, header, fileLength - dataStart);
            return new SafeTensorsFile(path, stream, dataStart, tensors, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static FileStream OpenStream(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RealmException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{path}: cannot read: {e.Message}", e);
        }
    }

    public TensorInfo Get(string name) =>
        Tensors.TryGetValue(name, out TensorInfo? tensor) ? tensor : throw new RealmException($"{Path}: tensor '{name}' not found");

    public void ExpectShape(string name, params int[] shape)
    {
        TensorInfo tensor = Get(name);
        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
            throw new RealmException(
                $"{Path}: tensor '{name}' has shape {TensorInfo.FormatShape(tensor.Shape)}, expected {TensorInfo.FormatShape(shape)}");
    }

    /// <summary>Reads an F32, F16 or BF16 tensor as floats into a destination of exactly its element count.</summary>
    public void ReadFloat(string name, Span<float> destination)
    {
        TensorInfo tensor = Get(name);
        if (!tensor.DType.IsFloat())
            throw new RealmException($"{Path}: tensor '{name}' has dtype {tensor.DType}, expected F32, F16 or BF16");
        CheckDestination(tensor, destination.Length);

        byte* source = DataOf(tensor);
        fixed (float* target = destination)
        {
            switch (tensor.DType)
            {
                case SafeTensorsDType.F32:
                    Buffer.MemoryCopy(source, target, tensor.ByteLength, tensor.ByteLength);
                    break;
                case SafeTensorsDType.BF16:
                    HalfConversion.Bf16ToFloat((ushort*)source, target, tensor.ElementCount);
                    break;
                case SafeTensorsDType.F16:
                    HalfConversion.F16ToFloat((ushort*)source, target, tensor.ElementCount);
                    break;
            }
        }
    }

    public float[] ReadFloat(string name)
    {
        var result = new float[ArrayLength(Get(name))];
        ReadFloat(name, result);
        return result;
    }

    /// <summary>Reads an I32 or I64 tensor as 32-bit integers; I64 values must fit.</summary>
    public int[] ReadInt32(string name)
    {
        TensorInfo tensor = Get(name);
        var result = new int[ArrayLength(tensor)];
        byte* source = DataOf(tensor);
        switch (tensor.DType)
        {
            case SafeTensorsDType.I32:
                fixed (int* target = result) Buffer.MemoryCopy(source, target, tensor.ByteLength, tensor.ByteLength);
                break;
            case SafeTensorsDType.I64:
                for (int i = 0; i < result.Length; i++)
                {
                    long value = Unsafe.ReadUnaligned<long>(source + (long)i * sizeof(long));
                    if (value is < int.MinValue or > int.MaxValue)
                        throw new RealmException($"{Path}: tensor '{name}' element {i} is {value}, which does not fit in 32 bits");
                    result[i] = (int)value;
                }
                break;
            default:
                throw new RealmException($"{Path}: tensor '{name}' has dtype {tensor.DType}, expected I32 or I64");
        }
        return result;
    }

    private byte* DataOf(TensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        return _data + tensor.DataBegin;
    }

    private void CheckDestination(TensorInfo tensor, int length)
    {
        if (length != tensor.ElementCount)
            throw new RealmException(
                $"{Path}: tensor '{tensor.Name}' has {tensor.ElementCount} elements (shape {TensorInfo.FormatShape(tensor.Shape)}) " +
                $"but the destination holds {length}");
    }

    private int ArrayLength(TensorInfo tensor) =>
        tensor.ElementCount <= Array.MaxLength
            ? (int)tensor.ElementCount
            : throw new RealmException($"{Path}: tensor '{tensor.Name}' has {tensor.ElementCount} elements, too many for one array");

    public void Dispose()
    {
        if (_data == null) return;
        _data = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
