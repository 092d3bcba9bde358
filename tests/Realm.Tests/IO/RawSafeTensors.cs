using System.Buffers.Binary;
using System.Text;

namespace Realm.Tests.IO;

/// <summary>Writes safetensors files byte by byte, so tests can build headers our writer would never produce.</summary>
internal static class RawSafeTensors
{
    public static void Write(string path, string headerJson, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        File.WriteAllBytes(path, [.. prefix, .. header, .. data]);
    }

    public static void Write(string path, string headerJson, int dataLength) => Write(path, headerJson, new byte[dataLength]);

    public static byte[] UInt16Bytes(ReadOnlySpan<ushort> values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        return bytes;
    }

    public static byte[] Int64Bytes(ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }
}
