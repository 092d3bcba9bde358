namespace Realm.Engine.Compute;

/// <summary>Work over a range of rows [start, end).</summary>
internal interface IRowWork
{
    void Rows(int start, int end);
}

/// <summary>
/// Splits rows into fixed-size chunks and runs them on the pool. Chunk boundaries depend only on the
/// row count and chunk size, never on the thread count, so per-chunk partial sums reduce identically.
/// </summary>
internal static class ParallelRows
{
    public static int ChunkCount(int rows, int chunk) => (rows + chunk - 1) / chunk;

    public static void For<T>(Cpu cpu, int rows, int chunk, T work) where T : struct, IRowWork
    {
        if (rows <= 0) return;
        cpu.Pool.For(ChunkCount(rows, chunk), new Chunked<T>(work, rows, chunk));
    }

    /// <summary>Below this many elements a chunk costs less to run than to hand to another thread.</summary>
    public const int MinElementsPerChunk = 16 * 1024;

    /// <summary>
    /// A chunk size giving about four chunks per thread, but never chunks of fewer than
    /// <see cref="MinElementsPerChunk"/> elements (so small inputs, as in decoding, run inline).
    /// </summary>
    public static int ChunkFor(Cpu cpu, int rows, int rowElements) =>
        Math.Max(Math.Max(1, MinElementsPerChunk / Math.Max(1, rowElements)), (rows + 4 * cpu.Threads - 1) / (4 * cpu.Threads));

    private readonly struct Chunked<T> : IParallelWork where T : struct, IRowWork
    {
        private readonly T _work;
        private readonly int _rows, _chunk;
        public Chunked(T work, int rows, int chunk) { _work = work; _rows = rows; _chunk = chunk; }
        public void Run(int index)
        {
            int start = index * _chunk;
            _work.Rows(start, Math.Min(_rows, start + _chunk));
        }
    }
}
