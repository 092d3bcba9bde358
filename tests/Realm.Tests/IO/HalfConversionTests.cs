using Realm.Engine.IO;

namespace Realm.Tests.IO;

public class HalfConversionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // (16-bit pattern, expected F32 bit pattern), worked out by hand from the formats' definitions.
    public static TheoryData<ushort, uint> Bf16Cases => new()
    {
        { 0x3F80, 0x3F800000 }, // 1.0
        { 0xC020, 0xC0200000 }, // -2.5
        { 0x0000, 0x00000000 }, // +0
        { 0x8000, 0x80000000 }, // -0
        { 0x0001, 0x00010000 }, // smallest subnormal, 2^-133
        { 0x7F7F, 0x7F7F0000 }, // largest finite, about 3.39e38
        { 0x7F80, 0x7F800000 }, // +Inf
        { 0xFF80, 0xFF800000 }, // -Inf
        { 0x7FC0, 0x7FC00000 }, // quiet NaN
    };

    public static TheoryData<ushort, float> F16Cases => new()
    {
        { 0x3C00, 1f },
        { 0xC100, -2.5f },
        { 0x7BFF, 65504f },                  // largest finite
        { 0x0400, 6.103515625e-05f },        // smallest normal, 2^-14
        { 0x0001, 5.9604644775390625e-08f }, // smallest subnormal, 2^-24
        { 0x03FF, 6.097555160522461e-05f },  // largest subnormal, 1023 * 2^-24
        { 0x8001, -5.9604644775390625e-08f },
        { 0x3555, 0.333251953125f },
        { 0x0000, 0f },
        { 0x7C00, float.PositiveInfinity },
        { 0xFC00, float.NegativeInfinity },
    };

    [Theory]
    [MemberData(nameof(Bf16Cases))]
    public void Bf16_ConvertsKnownBitPatterns(ushort bits, uint expected)
    {
        // 37 copies: enough for whole SIMD registers plus a scalar tail on any vector width.
        float[] values = ReadThroughFile("BF16", Enumerable.Repeat(bits, 37).ToArray());
        Assert.All(values, value => Assert.Equal(expected, BitConverter.SingleToUInt32Bits(value)));
    }

    [Theory]
    [MemberData(nameof(F16Cases))]
    public void F16_ConvertsKnownBitPatterns(ushort bits, float expected)
    {
        float[] values = ReadThroughFile("F16", Enumerable.Repeat(bits, 37).ToArray());
        Assert.All(values, value => Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(value)));
    }

    [Fact]
    public void F16_NegativeZeroAndNaN()
    {
        float[] values = ReadThroughFile("F16", [0x8000, 0x7E00, 0xFE00, 0x7C01]);
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(values[0]));
        Assert.True(float.IsNaN(values[1]));
        Assert.True(float.IsNaN(values[2]));
        Assert.True(float.IsNaN(values[3]));
    }

    [Fact]
    public unsafe void F16_VectorPath_MatchesHalfForEveryBitPattern()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var converted = new float[all.Length];
        fixed (ushort* source = all)
        fixed (float* destination = converted)
            HalfConversion.F16ToFloat(source, destination, all.Length);

        for (int i = 0; i < all.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(all[i]);
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(converted[i]),
                $"0x{all[i]:X4}: expected {expected} (0x{BitConverter.SingleToUInt32Bits(expected):X8}), got {converted[i]} (0x{BitConverter.SingleToUInt32Bits(converted[i]):X8})");
        }
    }

    [Fact]
    public unsafe void Bf16_VectorPath_MatchesTheScalarTailForEveryBitPattern()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var bulk = new float[all.Length];
        fixed (ushort* source = all)
        fixed (float* destination = bulk)
        {
            HalfConversion.Bf16ToFloat(source, destination, all.Length);
            for (int i = 0; i < all.Length; i++)
            {
                float single;
                HalfConversion.Bf16ToFloat(source + i, &single, 1); // one element never fills a vector
                Assert.Equal(BitConverter.SingleToUInt32Bits(single), BitConverter.SingleToUInt32Bits(bulk[i]));
            }
        }
    }

    private float[] ReadThroughFile(string dtype, ushort[] bits)
    {
        string path = _temp.File($"{dtype}.safetensors");
        RawSafeTensors.Write(path,
            $$$"""{"t":{"dtype":"{{{dtype}}}","shape":[{{{bits.Length}}}],"data_offsets":[0,{{{bits.Length * 2}}}]}}""",
            RawSafeTensors.UInt16Bytes(bits));
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        return file.ReadFloat("t");
    }
}
