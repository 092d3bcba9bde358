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

    // Buffers this large go on 2 MiB pages where the OS allows: kernels stride across rows of big
    // activations, and with 4 KiB pages nearly every row would miss the TLB.
    private const long HugePageThreshold = 4L << 20;
    private const nuint HugePage = 2 << 20;

    public NativeBuffer(long length, bool zero = true)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
        nuint bytes = (nuint)Math.Max(1, length) * sizeof(float);
        bool huge = (long)bytes >= HugePageThreshold && OperatingSystem.IsLinux();
        Ptr = (float*)NativeMemory.AlignedAlloc(bytes, huge ? HugePage : 64);
        if (huge) AdviseHugePages(Ptr, bytes);
        if (zero) NativeMemory.Clear(Ptr, bytes);
        GC.AddMemoryPressure((long)bytes);
    }

    private static bool s_madviseMissing;

    private static void AdviseHugePages(void* address, nuint bytes)
    {
        if (s_madviseMissing) return;
        try { _ = madvise(address, bytes, 14 /* MADV_HUGEPAGE */); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { s_madviseMissing = true; }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(void* address, nuint length, int advice);

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
