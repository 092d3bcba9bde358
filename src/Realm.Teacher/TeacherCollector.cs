using System.Collections.Concurrent;
using System.Diagnostics;
using Realm.Data;
using Realm.Domains;
using Realm.Method;

namespace Realm.Teacher;

/// <summary>
/// <c>realm teacher collect</c>: for every problem, asks the teacher for <see cref="TeacherOptions.Routes"/>
/// routes guided by the domain's rulebook (<see cref="TeacherPrompt"/>), labels each by verifying its
/// answer (<see cref="RouteLabeler"/>; source = the teacher's model name), and appends the problem with
/// its routes (after any it had) to the output as soon as all its routes are in. Resumable: problems
/// already in the output are skipped, so rerunning after a kill finishes the job with every problem
/// exactly once. The output is in the order problems finish, not the input's.
/// </summary>
public sealed class TeacherCollector(TeacherOptions options)
{
    public async Task<CollectionProgress> RunAsync(IReadOnlyList<Problem> problems, string outPath, Action<CollectionProgress>? onProgress,
        CancellationToken cancel)
    {
        options.Validate();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var problem in problems)
            if (!ids.Add(problem.Id)) throw new RealmException($"problem id '{problem.Id}' appears twice in the input; ids must be unique to resume safely");

        using var output = ResumableOutput.Open(outPath);
        var pending = problems.Where(p => !output.Done.Contains(p.Id)).ToList();
        var client = new TeacherClient(options);
        var tally = new Tally(problems.Count, problems.Count - pending.Count, output.DroppedTornLine, client);
        onProgress?.Invoke(tally.Snapshot());

        var requests = new SemaphoreSlim(options.Concurrency);
        var prompts = new ConcurrentDictionary<string, string>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancel };
        await Parallel.ForEachAsync(pending, parallel, async (problem, token) =>
        {
            var domain = DomainOf(problem);
            string system = prompts.GetOrAdd(domain.Name, _ => TeacherPrompt.System(domain));
            string user = TeacherPrompt.User(problem);
            var replies = await Task.WhenAll(Enumerable.Range(0, options.Routes).Select(async k =>
            {
                await requests.WaitAsync(token);
                try
                {
                    return await client.AskAsync(system, user, RequestSeed(problem.Id, k), token);
                }
                finally
                {
                    requests.Release();
                }
            }));
            var routes = replies.Select(r => RouteLabeler.Label(problem, domain, r.Text, options.Model)).ToList();
            output.Append(WithRoutes(problem, routes));
            tally.Add(routes, replies, onProgress);
        });
        return tally.Snapshot();
    }

    private IDomain DomainOf(Problem problem)
    {
        string name = options.Domain ?? problem.Domain;
        return BuiltInDomains.TryGet(name) ?? new ExactAnswerDomain(name);
    }

    private static Problem WithRoutes(Problem problem, IEnumerable<Route> routes) => new()
    {
        Id = problem.Id, Domain = problem.Domain, Question = problem.Question, Answer = problem.Answer,
        Difficulty = problem.Difficulty, Split = problem.Split, Rulebook = problem.Rulebook, Extra = problem.Extra,
        Routes = [.. problem.Routes, .. routes],
    };

    // The same problem and route number ask with the same seed on every run (FNV-1a of the id, mixed with the run's seed).
    private long RequestSeed(string id, int route)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in id) hash = (hash ^ c) * 1099511628211UL;
        hash ^= (ulong)options.Seed * 0x9E3779B97F4A7C15UL + (ulong)route;
        return (long)(hash & long.MaxValue);
    }

    /// <summary>Counters shared by the concurrent problems.</summary>
    private sealed class Tally(int total, int alreadyDone, bool droppedTornLine, TeacherClient client)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _gate = new();
        private int _written;
        private long _routes, _correct, _withoutAnswer, _input, _output;

        /// <summary>Counts a written problem and reports, one report at a time.</summary>
        public void Add(IReadOnlyList<Route> routes, IReadOnlyList<TeacherReply> replies, Action<CollectionProgress>? report)
        {
            lock (_gate)
            {
                _written++;
                _routes += routes.Count;
                _correct += routes.Count(r => r.Correct);
                _withoutAnswer += routes.Count(r => r.Answer.Length == 0);
                _input += replies.Sum(r => r.InputTokens);
                _output += replies.Sum(r => r.OutputTokens);
                report?.Invoke(Snapshot());
            }
        }

        public CollectionProgress Snapshot()
        {
            lock (_gate)
                return new CollectionProgress
                {
                    Total = total, AlreadyDone = alreadyDone, Written = _written, Routes = _routes, CorrectRoutes = _correct,
                    RoutesWithoutAnswer = _withoutAnswer, InputTokens = _input, OutputTokens = _output, Retries = client.Retries,
                    DroppedTornLine = droppedTornLine, Elapsed = _clock.Elapsed,
                };
        }
    }
}
