namespace Realm.Engine.Compute;

/// <summary>
/// A row count as a type: register-blocked kernels are generic over it, so the JIT compiles one copy per
/// count with the branches for absent rows (and their registers) removed.
/// </summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

internal struct OneRow : IRowCount { public static int Count => 1; }
internal struct TwoRows : IRowCount { public static int Count => 2; }
internal struct ThreeRows : IRowCount { public static int Count => 3; }
internal struct FourRows : IRowCount { public static int Count => 4; }
internal struct EightRows : IRowCount { public static int Count => 8; }
internal struct TwelveRows : IRowCount { public static int Count => 12; }
