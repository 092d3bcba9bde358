using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>dst[c] += Σ_rows src[r, c]: bias gradients. Fixed row chunks keep the sum order independent of threads.</summary>
public static unsafe class ColumnSums
{
    private const int Chunk = 64;

    [ThreadStatic] private static NativeBuffer? t_partials;

    public static void Accumulate(Cpu cpu, float* src, int rows, int cols, int stride, float* dst)
    {
        int chunks = ParallelRows.ChunkCount(rows, Chunk);
        float* partials = Scratch.Get(ref t_partials, (long)chunks * cols);
        ParallelRows.For(cpu, rows, Chunk, new PartialWork(cpu.Simd, src, cols, stride, partials));
        for (int c = 0; c < chunks; c++) Vectorized.Add(cpu.Simd, partials + (long)c * cols, dst, cols);
    }

    private readonly struct PartialWork : IRowWork
    {
        private readonly SimdLevel _simd;
        private readonly float* _src, _partials;
        private readonly int _cols, _stride;
        public PartialWork(SimdLevel simd, float* src, int cols, int stride, float* partials)
        { _simd = simd; _src = src; _cols = cols; _stride = stride; _partials = partials; }

        public void Rows(int start, int end)
        {
            float* p = _partials + (long)(start / Chunk) * _cols;
            new Span<float>(p, _cols).Clear();
            for (int r = start; r < end; r++) Vectorized.Add(_simd, _src + (long)r * _stride, p, _cols);
        }
    }
}
