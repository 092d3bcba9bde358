using Realm.Engine.Compute;

namespace Realm.Engine.Kernels;

/// <summary>Token embedding lookup and its scatter-add backward.</summary>
public static unsafe class Embedding
{
    public static void Forward(Cpu cpu, float* table, int* ids, float* output, int count, int dim) =>
        ParallelRows.For(cpu, count, ParallelRows.ChunkFor(cpu, count, dim), new ForwardWork(table, ids, output, dim));

    /// <summary>The lookup from a table held packed (a BF16 model's): row id of the table is column id of the packed matrix.</summary>
    public static void Forward(Cpu cpu, PackedMatrix table, int* ids, float* output, int count) =>
        ParallelRows.For(cpu, count, ParallelRows.ChunkFor(cpu, count, table.Rows), new PackedForwardWork(table, ids, output));

    /// <summary>dTable[id] += dOutput[row] for every row. Split by columns, so each column sums rows in order.</summary>
    public static void Backward(Cpu cpu, float* dOutput, int* ids, float* dTable, int count, int dim) =>
        ParallelRows.For(cpu, dim, Math.Max(16, dim / (2 * cpu.Threads)), new BackwardWork(dOutput, ids, dTable, count, dim));

    private readonly struct ForwardWork : IRowWork
    {
        private readonly float* _table, _out;
        private readonly int* _ids;
        private readonly int _dim;
        public ForwardWork(float* table, int* ids, float* output, int dim) { _table = table; _ids = ids; _out = output; _dim = dim; }
        public void Rows(int start, int end)
        {
            for (int r = start; r < end; r++)
                Buffer.MemoryCopy(_table + (long)_ids[r] * _dim, _out + (long)r * _dim, _dim * 4L, _dim * 4L);
        }
    }

    private readonly struct PackedForwardWork : IRowWork
    {
        private readonly PackedMatrix _table;
        private readonly float* _out;
        private readonly int* _ids;
        public PackedForwardWork(PackedMatrix table, int* ids, float* output) { _table = table; _ids = ids; _out = output; }
        public void Rows(int start, int end)
        {
            for (int r = start; r < end; r++) _table.ReadColumn(_ids[r], _out + (long)r * _table.Rows);
        }
    }

    private readonly struct BackwardWork : IRowWork
    {
        private readonly float* _dOut, _dTable;
        private readonly int* _ids;
        private readonly int _count, _dim;
        public BackwardWork(float* dOut, int* ids, float* dTable, int count, int dim)
        { _dOut = dOut; _ids = ids; _dTable = dTable; _count = count; _dim = dim; }
        public void Rows(int start, int end)
        {
            for (int r = 0; r < _count; r++)
            {
                float* src = _dOut + (long)r * _dim, dst = _dTable + (long)_ids[r] * _dim;
                for (int j = start; j < end; j++) dst[j] += src[j];
            }
        }
    }
}
