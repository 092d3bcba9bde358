using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Realm.Engine.IO;

/// <summary>
/// Collects tensors and writes them as one safetensors file. Tensors are referenced, not copied, until
/// <see cref="Save"/> streams them to disk, so the caller must keep the data alive and unchanged until
/// then; this lets a checkpoint of hundreds of MB be written without a second copy in memory.
/// </summary>
public sealed unsafe class SafeTensorsWriter
{
    private sealed record Entry(SafeTensorsDType DType, int[] Shape, long ByteLength, Action<Stream> WriteData);

    // Native buffers can exceed what one Stream.Write span can address.
    private const int NativeChunkBytes = 1 << 30;

    // Sorted so the same tensors always produce the same file, whatever order they were added in.
    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Free-form string pairs stored under <c>__metadata__</c>.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public void Add(string name, ReadOnlyMemory<float> data, params int[] shape) =>
        AddEntry(name, SafeTensorsDType.F32, shape, data.Length,
            stream => stream.Write(MemoryMarshal.AsBytes(data.Span)));

    /// <summary>Adds F32 data living outside the managed heap (e.g. a <c>NativeBuffer</c>) without copying it.</summary>
    public void Add(string name, float* data, long length, params int[] shape)
    {
        nint address = (nint)data;
        AddEntry(name, SafeTensorsDType.F32, shape, length,
            stream => WriteNative(stream, (byte*)address, length * sizeof(float)));
    }

    public void AddInt32(string name, ReadOnlyMemory<int> data, params int[] shape) =>
        AddEntry(name, SafeTensorsDType.I32, shape, data.Length,
            stream => stream.Write(MemoryMarshal.AsBytes(data.Span)));

    private void AddEntry(string name, SafeTensorsDType dtype, int[] shape, long length, Action<Stream> writeData)
    {
        if (string.IsNullOrEmpty(name) || name == SafeTensorsHeader.MetadataKey)
            throw new ArgumentException($"invalid tensor name '{name}'", nameof(name));
        if (shape.Any(dim => dim < 0))
            throw new ArgumentException($"tensor '{name}' has a negative dimension in shape {TensorInfo.FormatShape(shape)}", nameof(shape));
        long elementCount = shape.Aggregate(1L, (product, dim) => checked(product * dim));
        if (elementCount != length)
            throw new ArgumentException(
                $"tensor '{name}': shape {TensorInfo.FormatShape(shape)} has {elementCount} elements but the data has {length}", nameof(shape));
        if (!_entries.TryAdd(name, new Entry(dtype, (int[])shape.Clone(), length * dtype.ElementSize(), writeData)))
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
    }

    /// <summary>Writes the file atomically: an existing file at <paramref name="path"/> is replaced only once the new one is complete.</summary>
    public void Save(string path)
    {
        byte[] header = BuildHeader();
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (Entry entry in _entries.Values) entry.WriteData(stream);
        });
    }

    /// <summary>The JSON header, padded with spaces so the data section starts 8-byte aligned.</summary>
    private byte[] BuildHeader()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, entry) in _entries)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", entry.DType.ToString());
                json.WriteStartArray("shape");
                foreach (int dim in entry.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.ByteLength;
            }
            json.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8;
        byte[] header = new byte[buffer.WrittenCount + padding];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteNative(Stream stream, byte* data, long byteLength)
    {
        for (long written = 0; written < byteLength; written += NativeChunkBytes)
            stream.Write(new ReadOnlySpan<byte>(data + written, (int)Math.Min(NativeChunkBytes, byteLength - written)));
    }
}
