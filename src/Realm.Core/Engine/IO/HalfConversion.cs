using System.Numerics;
using System.Runtime.CompilerServices;

namespace Realm.Engine.IO;

/// <summary>
/// Widens BF16 and F16 weights to F32. Loading a checkpoint pushes every parameter through here, so
/// both conversions run a whole SIMD register at a time and only the tail goes element by element.
/// </summary>
internal static unsafe class HalfConversion
{
    /// <summary>BF16 is the top half of an F32, so widening is a 16-bit shift.</summary>
    public static void Bf16ToFloat(ushort* source, float* destination, long count)
    {
        long i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int step = Vector<ushort>.Count;
            for (; i <= count - step; i += step)
            {
                Vector.Widen(Unsafe.ReadUnaligned<Vector<ushort>>(source + i), out Vector<uint> low, out Vector<uint> high);
                Unsafe.WriteUnaligned(destination + i, low << 16);
                Unsafe.WriteUnaligned(destination + i + step / 2, high << 16);
            }
        }
        for (; i < count; i++) ((uint*)destination)[i] = (uint)source[i] << 16;
    }

    public static void F16ToFloat(ushort* source, float* destination, long count)
    {
        long i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int step = Vector<ushort>.Count;
            for (; i <= count - step; i += step)
            {
                Vector.Widen(Unsafe.ReadUnaligned<Vector<ushort>>(source + i), out Vector<uint> low, out Vector<uint> high);
                Unsafe.WriteUnaligned(destination + i, F16BitsToF32Bits(low));
                Unsafe.WriteUnaligned(destination + i + step / 2, F16BitsToF32Bits(high));
            }
        }
        for (; i < count; i++) destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
    }

    /// <summary>
    /// Re-biases the exponent from 15 to 127 in the integer domain. Inf/NaN get the maximal exponent;
    /// subnormals are renormalised with one float subtraction of 2^-14 (exact, and never touches a
    /// subnormal float, which would be slow on x86). Bit-for-bit the results of <see cref="Half"/>'s conversion.
    /// </summary>
    private static Vector<uint> F16BitsToF32Bits(Vector<uint> half)
    {
        const uint ShiftedExponentMask = 0x7C00u << 13;
        const uint QuietNanBit = 1u << 22;
        Vector<uint> sign = (half & new Vector<uint>(0x8000u)) << 16;
        Vector<uint> magnitude = (half & new Vector<uint>(0x7FFFu)) << 13;
        Vector<uint> exponent = magnitude & new Vector<uint>(ShiftedExponentMask);

        Vector<uint> normal = magnitude + new Vector<uint>((127 - 15) << 23);
        // NaNs come out quiet, as from Half and from the hardware conversion instructions.
        Vector<uint> isInfinity = Vector.Equals(magnitude, new Vector<uint>(ShiftedExponentMask));
        Vector<uint> infOrNan = (normal + new Vector<uint>((128 - 16) << 23)) | Vector.AndNot(new Vector<uint>(QuietNanBit), isInfinity);
        Vector<float> twoToMinus14 = new(BitConverter.UInt32BitsToSingle((127 - 14) << 23));
        Vector<uint> subnormal = Vector.AsVectorUInt32(Vector.AsVectorSingle(normal + new Vector<uint>(1u << 23)) - twoToMinus14);

        Vector<uint> bits = Vector.ConditionalSelect(Vector.Equals(exponent, new Vector<uint>(ShiftedExponentMask)), infOrNan, normal);
        bits = Vector.ConditionalSelect(Vector.Equals(exponent, Vector<uint>.Zero), subnormal, bits);
        return bits | sign;
    }
}
