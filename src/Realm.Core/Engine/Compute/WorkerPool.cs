using System.Runtime.CompilerServices;

namespace Realm.Engine.Compute;

/// <summary>One item of a parallel loop. A struct, so a loop allocates nothing.</summary>
public interface IParallelWork
{
    void Run(int index);
}

/// <summary>
/// Persistent worker threads for the kernels' parallel loops. The caller thread works too, so a pool of
/// N threads has N-1 workers. Items are claimed from a shared counter; every item writes its own part of
/// the output, so results do not depend on which thread ran what. Workers spin briefly between jobs
/// (kernels come in quick succession) and then sleep.
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    private const int SpinIterations = 20_000;

    [ThreadStatic] private static bool t_insideJob;

    private readonly Thread[] _workers;
    private readonly object _sleepGate = new();
    private readonly object _submitGate = new();
    private delegate*<void*, int, void> _invoke;
    private void* _work;
    private int _count;
    private int _next;
    private int _busyWorkers;
    private int _sleepers;
    private long _job;
    private volatile bool _stopping;
    private Exception? _error;

    public int Threads { get; }

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "at least one thread");
        Threads = threads;
        _workers = new Thread[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"realm-worker-{i + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>Runs work.Run(i) for i in [0, count) on all threads and returns when every item is done.</summary>
    public void For<T>(int count, T work) where T : struct, IParallelWork
    {
        if (count <= 0) return;
        if (count == 1 || _workers.Length == 0 || t_insideJob)
        {
            for (int i = 0; i < count; i++) work.Run(i);
            return;
        }
        lock (_submitGate)
        {
            _invoke = &Invoke<T>;
            _work = Unsafe.AsPointer(ref work); // `work` is a local of this frame: it cannot move
            _count = count;
            _next = 0;
            _error = null;
            _busyWorkers = _workers.Length;
            Interlocked.Increment(ref _job);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_sleepGate) Monitor.PulseAll(_sleepGate);

            t_insideJob = true;
            try { Drain(); }
            finally { t_insideJob = false; }

            var spin = new SpinWait();
            while (Volatile.Read(ref _busyWorkers) != 0) spin.SpinOnce(sleep1Threshold: -1);
            _work = null;
            if (_error is { } error) throw new AggregateException("a parallel kernel failed", error);
        }
    }

    private static void Invoke<T>(void* work, int index) where T : struct, IParallelWork =>
        Unsafe.AsRef<T>(work).Run(index);

    private void Drain()
    {
        while (true)
        {
            int i = Interlocked.Increment(ref _next) - 1;
            if (i >= _count) return;
            try { _invoke(_work, i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
        }
    }

    private void WorkerLoop()
    {
        long seen = 0;
        t_insideJob = true;
        while (true)
        {
            if (!WaitForJob(seen)) return;
            seen = Volatile.Read(ref _job);
            Drain();
            Interlocked.Decrement(ref _busyWorkers);
        }
    }

    private bool WaitForJob(long seen)
    {
        for (int i = 0; i < SpinIterations; i++)
        {
            if (Volatile.Read(ref _job) != seen) return !_stopping;
            Thread.SpinWait(8);
        }
        lock (_sleepGate)
        {
            Interlocked.Increment(ref _sleepers);
            while (Volatile.Read(ref _job) == seen && !_stopping) Monitor.Wait(_sleepGate);
            Interlocked.Decrement(ref _sleepers);
        }
        return !_stopping;
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        Interlocked.Increment(ref _job);
        lock (_sleepGate) Monitor.PulseAll(_sleepGate);
        foreach (var t in _workers) t.Join();
    }
}
