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
/// A job ends when its items are done, not when every worker has checked in: on a shared machine a
/// descheduled worker would otherwise hold up every kernel call even after the caller has run all the
/// items itself. The job number and the next item share one 64-bit word, so a worker that wakes late
/// can only claim items of the job that is running, never one of a job that has ended.
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
    private long _state; // (job number mod 2³² << 32) | next item to claim
    private int _done;   // items of the running job finished
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
            long job = _job + 1;
            // Close the previous job before changing its fields: a worker that read its last state a moment
            // ago must fail its claim, or it would run an item of this job under the old job's number and
            // count it twice.
            Interlocked.Exchange(ref _state, (long)((ulong)(uint)(job - 1) << 32 | int.MaxValue));
            _invoke = &Invoke<T>;
            _work = Unsafe.AsPointer(ref work); // `work` is a local of this frame: it cannot move
            _count = count;
            _error = null;
            _done = 0;
            Volatile.Write(ref _state, (long)((ulong)(uint)job << 32)); // publishes the fields above with the job's first item
            Volatile.Write(ref _job, job);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_sleepGate) Monitor.PulseAll(_sleepGate);

            t_insideJob = true;
            try { Drain(job); }
            finally { t_insideJob = false; }

            // Only items another thread has claimed and is running are left to wait for.
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) != count) spin.SpinOnce(sleep1Threshold: -1);
            _work = null;
            if (_error is { } error) throw new AggregateException("a parallel kernel failed", error);
        }
    }

    private static void Invoke<T>(void* work, int index) where T : struct, IParallelWork =>
        Unsafe.AsRef<T>(work).Run(index);

    /// <summary>Claims and runs items of job <paramref name="job"/> until none is left or another job runs.</summary>
    private void Drain(long job)
    {
        while (true)
        {
            long state = Volatile.Read(ref _state);
            if ((uint)((ulong)state >> 32) != (uint)job) return;
            int i = (int)state;
            if (i >= _count) return;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            // Claimed: the job cannot end before this item is counted, so _invoke and _work are still its own.
            try { _invoke(_work, i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            Interlocked.Increment(ref _done);
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
            Drain(seen);
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
