using Realm.Data;
using System.Text;

namespace Realm.Domains;

/// <summary>Counts and sizes per split (bytes, since the project's models read bytes), for the tables the CLI prints.</summary>
public sealed class DatasetSummary
{
    public sealed class Counts
    {
        public int Problems { get; private set; }
        public int Positives { get; private set; }
        public int Negatives { get; private set; }
        public int MinDifficulty { get; private set; } = int.MaxValue;
        public int MaxDifficulty { get; private set; } = int.MinValue;
        public double MeanQuestionBytes => Problems == 0 ? 0 : (double)_questionBytes / Problems;
        public double MeanPositiveRouteBytes => Positives == 0 ? 0 : (double)_positiveBytes / Positives;
        public int MaxRouteBytes { get; private set; }

        private long _questionBytes, _positiveBytes;

        internal void Add(Problem problem)
        {
            Problems++;
            MinDifficulty = Math.Min(MinDifficulty, problem.Difficulty);
            MaxDifficulty = Math.Max(MaxDifficulty, problem.Difficulty);
            _questionBytes += Encoding.UTF8.GetByteCount(problem.Question);
            foreach (var route in problem.Routes)
            {
                int bytes = Encoding.UTF8.GetByteCount(route.Text);
                MaxRouteBytes = Math.Max(MaxRouteBytes, bytes);
                if (!route.Correct)
                {
                    Negatives++;
                    continue;
                }
                Positives++;
                _positiveBytes += bytes;
            }
        }
    }

    private readonly Dictionary<string, Counts> _splits = new();

    public Counts Total { get; } = new();

    /// <summary>Per split: the built-in splits in their order first, then any others by name.</summary>
    public IEnumerable<(string Split, Counts Counts)> BySplit => _splits
        .OrderBy(kv => Splits.All.Contains(kv.Key) ? Splits.All.TakeWhile(s => s != kv.Key).Count() : int.MaxValue)
        .ThenBy(kv => kv.Key, StringComparer.Ordinal)
        .Select(kv => (kv.Key, kv.Value));

    public void Add(Problem problem)
    {
        if (!_splits.TryGetValue(problem.Split, out var counts)) _splits[problem.Split] = counts = new Counts();
        counts.Add(problem);
        Total.Add(problem);
    }
}
