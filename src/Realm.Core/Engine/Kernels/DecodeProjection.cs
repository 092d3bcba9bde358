using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>
/// The projections of KV-cache inference that do not go through the GEMM's micro-kernels: one row (batch-1
/// decoding) is a matrix-vector product (<see cref="MatVec"/>, <see cref="Q8MatVec"/>), and several rows
/// times an 8-bit matrix (prefill, batched decoding) dequantise the matrix slice by slice into F32 and
/// multiply with the GEMM. A slice is at most a few MiB, so it is still in cache when the GEMM packs it;
/// the cost is one pass over the weights per call, small beside the multiply of a whole prompt.
/// </summary>
internal static unsafe class DecodeProjection
{
    private const long SliceBytes = 4L << 20;

    [ThreadStatic] private static NativeBuffer? t_slice;

    public static void Multiply(Cpu cpu, int m, float* a, int lda, bool transA, PackedMatrix b, float* c, int ldc, bool accumulate)
    {
        if (transA) throw new NotSupportedException("inference projections take A untransposed");
        if (b.Q8 is not { } q8)
        {
            MatVec.Multiply(cpu, a, b, c, accumulate);
            return;
        }
        if (m == 1)
        {
            Q8MatVec.Multiply(cpu, a, q8, c, accumulate);
            return;
        }
        using var _ = Profiler.Measure("gemm A·q8 B (dequantised slices)");
        int k = q8.Inputs;
        int rows = (int)Math.Max(Q8Matrix.GroupRows, SliceBytes / (k * sizeof(float)) / Q8Matrix.GroupRows * Q8Matrix.GroupRows);
        float* slice = Scratch.Get(ref t_slice, (long)rows * k);
        for (int j0 = 0; j0 < q8.Rows; j0 += rows)
        {
            int count = Math.Min(rows, q8.Rows - j0);
            cpu.Pool.For((count + Q8Matrix.GroupRows - 1) / Q8Matrix.GroupRows, new DequantiseWork(q8, j0, count, slice));
            Gemm.Multiply(cpu, m, count, k, a, lda, false, slice, k, true, c + j0, ldc, accumulate);
        }
    }

    private readonly struct DequantiseWork : IParallelWork
    {
        private readonly Q8Matrix _w;
        private readonly int _first, _count;
        private readonly float* _dst;
        public DequantiseWork(Q8Matrix w, int first, int count, float* dst) { _w = w; _first = first; _count = count; _dst = dst; }

        public void Run(int index)
        {
            int r0 = index * Q8Matrix.GroupRows, n = Math.Min(Q8Matrix.GroupRows, _count - r0);
            _w.DequantiseRows(_first + r0, n, _dst + (long)r0 * _w.Inputs, _w.Inputs);
        }
    }
}
