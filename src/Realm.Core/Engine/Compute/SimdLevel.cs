using System.Runtime.Intrinsics;

namespace Realm.Engine.Compute;

/// <summary>Which vector width a kernel runs with. Every kernel has all three paths and tests force each.</summary>
public enum SimdLevel
{
    Scalar = 0,
    Vector256 = 1,
    Vector512 = 2,
}

public static class SimdSupport
{
    /// <summary>The widest level this CPU accelerates.</summary>
    public static SimdLevel Best =>
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512 :
        Vector256.IsHardwareAccelerated ? SimdLevel.Vector256 : SimdLevel.Scalar;

    public static bool IsSupported(SimdLevel level) => level switch
    {
        SimdLevel.Vector512 => Vector512.IsHardwareAccelerated,
        SimdLevel.Vector256 => Vector256.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>
    /// The level to use by default: the best one, unless the environment variable REALM_SIMD
    /// (scalar | avx2 | avx512) asks for a narrower one.
    /// </summary>
    public static SimdLevel FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable("REALM_SIMD");
        if (string.IsNullOrWhiteSpace(value)) return Best;
        SimdLevel wanted = Parse(value);
        return IsSupported(wanted) ? wanted : Best;
    }

    public static SimdLevel Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "scalar" => SimdLevel.Scalar,
        "avx2" or "vector256" or "256" => SimdLevel.Vector256,
        "avx512" or "vector512" or "512" => SimdLevel.Vector512,
        _ => throw new RealmException($"unknown SIMD level '{value}' (use scalar, avx2 or avx512)"),
    };
}
