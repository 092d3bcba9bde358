using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Realm.Engine.Compute;
using Realm.Engine.IO;

namespace Realm.Tests.IO;

public class SafeTensorsRoundTripTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void F32Tensors_AndMetadata_RoundTrip()
    {
        string path = _temp.File("model.safetensors");
        var writer = new SafeTensorsWriter();
        float[] matrix = [1.5f, -2f, 3.25f, 0f, float.MaxValue, float.Epsilon];
        float[] vector = [42f, -0.5f];
        writer.Add("layer.weight", matrix, 2, 3);
        writer.Add("layer.bias", vector, 2);
        writer.Metadata["format"] = "pt";
        writer.Metadata["step"] = "1200";
        writer.Save(path);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(path, file.Path);
        Assert.Equal(["layer.bias", "layer.weight"], file.Tensors.Keys.Order(StringComparer.Ordinal));
        TensorInfo weight = file.Tensors["layer.weight"];
        Assert.Equal(SafeTensorsDType.F32, weight.DType);
        Assert.Equal([2, 3], weight.Shape);
        Assert.Equal(6, weight.ElementCount);
        Assert.Equal(matrix, file.ReadFloat("layer.weight"));
        Assert.Equal(vector, file.ReadFloat("layer.bias"));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["step"] = "1200" }, file.Metadata);
    }

    [Fact]
    public void Int32Tensors_RoundTrip()
    {
        string path = _temp.File("ints.safetensors");
        var writer = new SafeTensorsWriter();
        int[] values = [0, -1, int.MaxValue, int.MinValue, 7, 8];
        writer.AddInt32("tokens", values, 3, 2);
        writer.Save(path);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(SafeTensorsDType.I32, file.Tensors["tokens"].DType);
        Assert.Equal([3, 2], file.Tensors["tokens"].Shape);
        Assert.Equal(values, file.ReadInt32("tokens"));
    }

    [Fact]
    public unsafe void NativeBuffers_AreWrittenWithoutCopying()
    {
        string path = _temp.File("native.safetensors");
        using var buffer = new NativeBuffer(12);
        for (int i = 0; i < 12; i++) buffer.Ptr[i] = i * 0.5f;
        var writer = new SafeTensorsWriter();
        writer.Add("native", buffer.Ptr, buffer.Length, 3, 4);
        writer.Save(path);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        using var loaded = new NativeBuffer(12, zero: false);
        file.ReadFloat("native", loaded.Span);
        Assert.Equal(buffer.Span.ToArray(), loaded.Span.ToArray());
    }

    [Fact]
    public void Save_WritesSortedTensors_ContiguousOffsets_AndAnAlignedDataSection()
    {
        string path = _temp.File("layout.safetensors");
        var writer = new SafeTensorsWriter();
        writer.Add("zeta", new float[3], 3);
        writer.Add("alpha", new float[1], 1);
        writer.AddInt32("mid", new int[2], 2);
        writer.Metadata["k"] = "v";
        writer.Save(path);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Equal(8 + headerLength + (3 + 1 + 2) * 4, bytes.Length);

        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        using JsonDocument json = JsonDocument.Parse(header);
        Assert.Equal(["__metadata__", "alpha", "mid", "zeta"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("[0,4]", json.RootElement.GetProperty("alpha").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[4,12]", json.RootElement.GetProperty("mid").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[12,24]", json.RootElement.GetProperty("zeta").GetProperty("data_offsets").GetRawText());
        Assert.Equal("I32", json.RootElement.GetProperty("mid").GetProperty("dtype").GetString());
    }

    [Fact]
    public void ScalarAndEmptyTensors_RoundTrip()
    {
        string path = _temp.File("edge.safetensors");
        var writer = new SafeTensorsWriter();
        writer.Add("scalar", new[] { 3.5f });
        writer.Add("empty", Array.Empty<float>(), 0, 4);
        writer.Save(path);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal([], file.Tensors["scalar"].Shape);
        Assert.Equal([3.5f], file.ReadFloat("scalar"));
        Assert.Equal([0, 4], file.Tensors["empty"].Shape);
        Assert.Empty(file.ReadFloat("empty"));
    }

    [Fact]
    public void Save_ReplacesAnOpenFile_WithoutDisturbingItsReader()
    {
        string path = _temp.File("live.safetensors");
        var first = new SafeTensorsWriter();
        first.Add("w", new[] { 1f, 2f }, 2);
        first.Save(path);

        using SafeTensorsFile reader = SafeTensorsFile.Open(path);
        var second = new SafeTensorsWriter();
        second.Add("w", new[] { 3f, 4f }, 2);
        second.Save(path);

        Assert.Equal([1f, 2f], reader.ReadFloat("w"));
        using SafeTensorsFile reopened = SafeTensorsFile.Open(path);
        Assert.Equal([3f, 4f], reopened.ReadFloat("w"));
    }

    [Fact]
    public void Int64Tensors_ReadAsInt32()
    {
        string path = _temp.File("i64.safetensors");
        RawSafeTensors.Write(path, """{"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]}}""",
            RawSafeTensors.Int64Bytes([5, -7, int.MaxValue]));

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal([5, -7, int.MaxValue], file.ReadInt32("ids"));
    }

    [Fact]
    public void ExpectShape_AcceptsTheRightShape()
    {
        using SafeTensorsFile file = WriteOne("q", new float[64 * 32], 64, 32);
        file.ExpectShape("q", 64, 32);
    }

    [Fact]
    public void Dispose_MakesLaterReadsFail()
    {
        SafeTensorsFile file = WriteOne("w", [1f], 1);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadFloat("w"));
    }

    [Theory]
    [InlineData(new[] { 2, 2 }, 5, "shape [2, 2] has 4 elements but the data has 5")]
    [InlineData(new[] { 2, -3 }, 6, "negative dimension")]
    public void Writer_RejectsShapesThatDoNotMatchTheData(int[] shape, int length, string expected)
    {
        var writer = new SafeTensorsWriter();
        var error = Assert.Throws<ArgumentException>(() => writer.Add("bad.weight", new float[length], shape));
        Assert.Contains("bad.weight", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Writer_RejectsDuplicateAndReservedNames()
    {
        var writer = new SafeTensorsWriter();
        writer.Add("w", new float[1], 1);
        Assert.Contains("already added", Assert.Throws<ArgumentException>(() => writer.AddInt32("w", new int[1], 1)).Message);
        Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", new float[1], 1));
        Assert.Throws<ArgumentException>(() => writer.Add("", new float[1], 1));
    }

    private SafeTensorsFile WriteOne(string name, float[] data, params int[] shape)
    {
        string path = _temp.File($"{Guid.NewGuid():N}.safetensors");
        var writer = new SafeTensorsWriter();
        writer.Add(name, data, shape);
        writer.Save(path);
        return SafeTensorsFile.Open(path);
    }
}
