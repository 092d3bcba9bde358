using System.Diagnostics;

namespace Realm.Engine.Compute;

/// <summary>
/// Wall-clock time per named stage of the forward/backward/decode passes, on when REALM_PROFILE=1 (or
/// <see cref="Enabled"/> is set). Costs one static check per scope when off. `realm bench --profile`
/// prints the table.
/// </summary>
public static class Profiler
{
    private static readonly Dictionary<string, (long Ticks, long Calls)> s_totals = new();

    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("REALM_PROFILE") == "1";

    public static Scope Measure(string name) => new(Enabled ? name : null);

    public static void Reset()
    {
        lock (s_totals) s_totals.Clear();
    }

    /// <summary>(stage, seconds, calls), most expensive first.</summary>
    public static IReadOnlyList<(string Name, double Seconds, long Calls)> Snapshot()
    {
        lock (s_totals)
            return s_totals.Select(kv => (kv.Key, kv.Value.Ticks / (double)Stopwatch.Frequency, kv.Value.Calls))
                .OrderByDescending(t => t.Item2).ToList();
    }

    public readonly struct Scope : IDisposable
    {
        private readonly string? _name;
        private readonly long _start;

        internal Scope(string? name)
        {
            _name = name;
            _start = name == null ? 0 : Stopwatch.GetTimestamp();
        }

        public void Dispose()
        {
            if (_name == null) return;
            long elapsed = Stopwatch.GetTimestamp() - _start;
            lock (s_totals)
            {
                s_totals.TryGetValue(_name, out var t);
                s_totals[_name] = (t.Ticks + elapsed, t.Calls + 1);
            }
        }
    }
}
