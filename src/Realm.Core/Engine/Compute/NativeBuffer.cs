using System.Runtime.InteropServices;

namespace Realm.Engine.Compute;

/// <summary>
/// A 64-byte aligned block of floats outside the GC heap: big tensors live here so the GC never scans
/// or moves them and kernels can take raw pointers.
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    public float* Ptr { get; private set; }
    public long Length { get; }

    public NativeBuffer(long length, bool zero = true)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
        nuint bytes = (nuint)Math.Max(1, length) * sizeof(float);
        Ptr = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        if (zero) NativeMemory.Clear(Ptr, bytes);
        GC.AddMemoryPressure((long)bytes);
    }

    public Span<float> Span => new(Ptr, checked((int)Length));
    public Span<float> Slice(long start, int length)
    {
        if (start < 0 || start + length > Length) throw new ArgumentOutOfRangeException(nameof(start));
        return new Span<float>(Ptr + start, length);
    }

    public void Clear() => NativeMemory.Clear(Ptr, (nuint)Length * sizeof(float));

    public void Dispose()
    {
        if (Ptr == null) return;
        NativeMemory.AlignedFree(Ptr);
        GC.RemoveMemoryPressure(Math.Max(1, Length) * sizeof(float));
        Ptr = null;
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() { if (Ptr != null) NativeMemory.AlignedFree(Ptr); }
}
