using Realm.Data;
using Realm.Engine.Compute;

namespace Realm.Domains;

/// <summary>
/// Builds a built-in domain's dataset: for each split, problems at difficulties drawn uniformly from its
/// range, each with the expert's correct route and negative routes of mixed error kinds. Deterministic
/// for a seed. Ids read "tariff-train-000123". Held-out questions stay held out: no dev or test question
/// appears in "train" or twice across dev and the test splits (train itself is sampled freely and may repeat easy
/// questions, as its distribution says).
/// </summary>
public static class DatasetBuilder
{
    // Enough for any count the question spaces can hold; more means the request cannot be met.
    private const int AttemptsPerProblem = 1000;

    /// <summary>The problems, split by split in <see cref="Splits.All"/> order, produced as they are iterated.</summary>
    public static IEnumerable<Problem> Build(IDomain domain, DatasetOptions options)
    {
        options.Validate(domain);
        return Problems(domain, options);
    }

    private static IEnumerable<Problem> Problems(IDomain domain, DatasetOptions options)
    {
        var trainQuestions = new HashSet<string>();
        var testQuestions = new HashSet<string>();
        for (int s = 0; s < Splits.All.Count; s++)
        {
            string split = Splits.All[s];
            var (min, max) = options.DifficultyOf(domain, split);
            for (int i = 0; i < options.Count(split); i++)
            {
                // One generator per problem, so a problem does not depend on how many came before it.
                var rng = new SplitMix64(Mix(Mix(Mix(options.Seed) + (ulong)s) + (ulong)i));
                string id = $"{domain.Name}-{split}-{i:D6}";
                Problem? problem = null;
                for (int attempt = 0; problem == null; attempt++)
                {
                    if (attempt == AttemptsPerProblem)
                        throw new RealmException($"{domain.Name}: cannot find {options.Count(split)} distinct {split} questions that are not in train; ask for fewer");
                    var candidate = domain.Generate(ref rng, split, min + rng.NextInt(max - min + 1), id);
                    if (Admit(split, candidate.Question)) problem = candidate;
                }
                yield return WithRoutes(domain, problem, options, ref rng);
            }
        }

        bool Admit(string split, string question)
        {
            if (split != Splits.Train) return !trainQuestions.Contains(question) && testQuestions.Add(question);
            trainQuestions.Add(question);
            return true;
        }
    }

    private static Problem WithRoutes(IDomain domain, Problem problem, DatasetOptions options, ref SplitMix64 rng)
    {
        if (options.Positives > 0) problem.Routes.Add(domain.Solve(problem)); // the expert writes one distinct correct route
        var kinds = Enum.GetValues<ErrorKind>().ToList();
        NegativeRoutes.Shuffle(kinds, ref rng);
        var texts = new HashSet<string>();
        int negatives = 0;
        // A few rounds over the kinds, so a problem that rules some kinds out still gets its count if it can.
        for (int round = 0; round < 3 && negatives < options.Negatives; round++)
            foreach (var kind in kinds)
            {
                if (negatives == options.Negatives) break;
                if (domain.Corrupt(problem, kind, ref rng) is not { } route || !texts.Add(route.Text)) continue;
                problem.Routes.Add(route);
                negatives++;
            }
        return problem;
    }

    private static ulong Mix(ulong value) => new SplitMix64(value).NextULong();
}
