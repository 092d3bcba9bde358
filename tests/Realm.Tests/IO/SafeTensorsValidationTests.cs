using Realm.Engine.IO;

namespace Realm.Tests.IO;

/// <summary>Every malformed file fails on open (or on read) with a message naming the file and the problem.</summary>
public class SafeTensorsValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _path;

    public SafeTensorsValidationTests() => _path = _temp.File("bad.safetensors");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void MissingFile()
    {
        AssertOpenFails("file not found");
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix()
    {
        File.WriteAllBytes(_path, [1, 2, 3, 4, 5]);
        AssertOpenFails("file is 5 bytes, too short");
    }

    [Fact]
    public void HeaderLengthPastTheEndOfTheFile()
    {
        File.WriteAllBytes(_path, [0xE8, 0x03, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 0, 0]); // claims 1000 bytes
        AssertOpenFails("header length 1000 is past the end of the file (12 bytes)");
    }

    [Fact]
    public void HeaderIsNotJson()
    {
        RawSafeTensors.Write(_path, "{\"w\": {\"dtype\": ", 0);
        AssertOpenFails("header is not valid JSON");
    }

    [Fact]
    public void HeaderIsNotAnObject()
    {
        RawSafeTensors.Write(_path, "[1, 2]", 0);
        AssertOpenFails("header must be a JSON object, got Array");
    }

    [Theory]
    [InlineData("dtype", """{"w":{"shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("shape", """{"w":{"dtype":"F32","data_offsets":[0,4]}}""")]
    [InlineData("data_offsets", """{"w":{"dtype":"F32","shape":[1]}}""")]
    public void EntryMissingAKey(string key, string header)
    {
        RawSafeTensors.Write(_path, header, 4);
        AssertOpenFails($"tensor 'w' is missing '{key}'");
    }

    [Fact]
    public void EntryIsNotAnObject()
    {
        RawSafeTensors.Write(_path, """{"w":[1,2]}""", 0);
        AssertOpenFails("tensor 'w': entry must be an object");
    }

    [Theory]
    [InlineData("F64")]
    [InlineData("I8")]
    [InlineData("f32")]
    public void UnsupportedDType(string dtype)
    {
        RawSafeTensors.Write(_path, $$$"""{"model.embed":{"dtype":"{{{dtype}}}","shape":[1],"data_offsets":[0,8]}}""", 8);
        AssertOpenFails($"tensor 'model.embed' has unsupported dtype '{dtype}' (supported: F32, F16, BF16, I32, I64)");
    }

    [Fact]
    public void NegativeDimension()
    {
        RawSafeTensors.Write(_path, """{"w":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,0]}}""", 0);
        AssertOpenFails("tensor 'w' has negative dimension -3");
    }

    [Fact]
    public void NonIntegerDimension()
    {
        RawSafeTensors.Write(_path, """{"w":{"dtype":"F32","shape":[2,"3"],"data_offsets":[0,24]}}""", 24);
        AssertOpenFails("tensor 'w': 'shape' must be an array of integers");
    }

    [Fact]
    public void DataOffsetsPastTheDataSection()
    {
        RawSafeTensors.Write(_path, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 16);
        AssertOpenFails("tensor 'w': data_offsets [8, 24] are outside the data section (16 bytes)");
    }

    [Theory]
    [InlineData("[4, 0]")]
    [InlineData("[-4, 0]")]
    [InlineData("[0]")]
    [InlineData("\"0-4\"")]
    public void MalformedDataOffsets(string offsets)
    {
        RawSafeTensors.Write(_path, $$$"""{"w":{"dtype":"F32","shape":[1],"data_offsets":{{{offsets}}}}}""", 4);
        AssertOpenFails("tensor 'w': 'data_offsets' must be [begin, end] with 0 <= begin <= end");
    }

    [Fact]
    public void DataOffsetsSpanDisagreesWithTheShape()
    {
        RawSafeTensors.Write(_path, """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", 24);
        AssertOpenFails("tensor 'w': shape [2, 3] with dtype F32 needs 24 bytes but data_offsets span 20");
    }

    [Fact]
    public void OverlappingTensors()
    {
        RawSafeTensors.Write(_path,
            """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24);
        AssertOpenFails("tensors 'a' and 'b' overlap (data_offsets [0, 16] and [8, 24])");
    }

    [Fact]
    public void DuplicateTensorName()
    {
        RawSafeTensors.Write(_path,
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        AssertOpenFails("tensor 'a' is listed twice");
    }

    [Fact]
    public void MetadataValueIsNotAString()
    {
        RawSafeTensors.Write(_path, """{"__metadata__":{"step":12}}""", 0);
        AssertOpenFails("'__metadata__' key 'step' must be a string");
    }

    [Fact]
    public void ReadingAMissingTensor()
    {
        WriteValid();
        using SafeTensorsFile file = SafeTensorsFile.Open(_path);
        AssertFails(() => file.ReadFloat("lm_head.weight"), "tensor 'lm_head.weight' not found");
        AssertFails(() => file.ExpectShape("lm_head.weight", 1), "tensor 'lm_head.weight' not found");
    }

    [Fact]
    public void ExpectShapeMismatch()
    {
        string name = "model.layers.0.self_attn.q_proj.weight";
        RawSafeTensors.Write(_path, $$$"""{"{{{name}}}":{"dtype":"F32","shape":[64,32],"data_offsets":[0,8192]}}""", 8192);
        using SafeTensorsFile file = SafeTensorsFile.Open(_path);
        AssertFails(() => file.ExpectShape(name, 64, 64), $"tensor '{name}' has shape [64, 32], expected [64, 64]");
    }

    [Fact]
    public void DestinationOfTheWrongLength()
    {
        WriteValid();
        using SafeTensorsFile file = SafeTensorsFile.Open(_path);
        AssertFails(() => file.ReadFloat("w", new float[5]), "tensor 'w' has 6 elements (shape [2, 3]) but the destination holds 5");
    }

    [Fact]
    public void ReadingIntegersAsFloats_AndFloatsAsIntegers()
    {
        RawSafeTensors.Write(_path,
            """{"f":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"i":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}}""", 8);
        using SafeTensorsFile file = SafeTensorsFile.Open(_path);
        AssertFails(() => file.ReadFloat("i"), "tensor 'i' has dtype I32, expected F32, F16 or BF16");
        AssertFails(() => file.ReadInt32("f"), "tensor 'f' has dtype F32, expected I32 or I64");
    }

    [Fact]
    public void Int64ValueOutOfInt32Range()
    {
        RawSafeTensors.Write(_path, """{"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}""",
            RawSafeTensors.Int64Bytes([1, 3_000_000_000]));
        using SafeTensorsFile file = SafeTensorsFile.Open(_path);
        AssertFails(() => file.ReadInt32("ids"), "tensor 'ids' element 1 is 3000000000, which does not fit in 32 bits");
    }

    private void WriteValid() =>
        RawSafeTensors.Write(_path, """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""", 24);

    private void AssertOpenFails(string expected) =>
        AssertFails(() => SafeTensorsFile.Open(_path).Dispose(), expected);

    private void AssertFails(Action action, string expected)
    {
        var error = Assert.Throws<RealmException>(action);
        Assert.StartsWith(_path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
