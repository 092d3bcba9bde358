namespace Realm.Engine.Compute;

/// <summary>Per-thread scratch memory that grows on demand and is reused, so kernels never allocate per call.</summary>
internal static unsafe class Scratch
{
    public static float* Get(ref NativeBuffer? buffer, long floats)
    {
        if (buffer == null || buffer.Length < floats)
        {
            buffer?.Dispose();
            buffer = new NativeBuffer(Math.Max(floats, 1 << 14), zero: false);
        }
        return buffer.Ptr;
    }
}
