namespace Realm.Engine.Compute;

/// <summary>
/// A small, fast, seedable random generator whose sequence is fixed by this code (System.Random's is an
/// implementation detail), so seeds reproduce across .NET versions. State is one ulong, easy to checkpoint.
/// </summary>
public struct SplitMix64
{
    public ulong State;

    public SplitMix64(ulong seed) => State = seed;

    public ulong NextULong()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(NextDouble() * n);

    /// <summary>
    /// A 64-bit FNV-1a hash of the string's UTF-16 code units, the same in every process. For seeding from
    /// names: string.GetHashCode is randomised per process, so a seed made from it never repeats.
    /// </summary>
    public static ulong StableHash(string text)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in text)
        {
            hash = (hash ^ (byte)c) * 0x100000001B3UL;
            hash = (hash ^ (byte)(c >> 8)) * 0x100000001B3UL;
        }
        return hash;
    }

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextNormal()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
