namespace Realm.Evaluation;

/// <summary>Metrics over several sampled answers per problem: pass@k and maj@k.</summary>
public static class SamplingMetrics
{
    /// <summary>
    /// The unbiased pass@k estimate (Chen et al. 2021) for one problem with <paramref name="samples"/>
    /// answers of which <paramref name="correct"/> verify: the chance that k answers drawn without
    /// replacement contain a correct one, 1 − C(n−c, k) / C(n, k). The binomials overflow for modest n,
    /// so the ratio is computed as the product of (1 − k/i) for i = n−c+1 .. n.
    /// </summary>
    public static double PassAtK(int samples, int correct, int k)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "must be >= 1");
        if (correct < 0 || correct > samples)
            throw new ArgumentOutOfRangeException(nameof(correct), correct, $"must be in 0..{samples}");
        if (k < 1 || k > samples) throw new ArgumentOutOfRangeException(nameof(k), k, $"must be in 1..{samples}");

        // Fewer than k wrong answers: every draw of k contains a correct one.
        if (samples - correct < k) return 1.0;
        double allWrong = 1.0;
        for (int i = samples - correct + 1; i <= samples; i++) allWrong *= 1.0 - (double)k / i;
        return 1.0 - allWrong;
    }

    /// <summary>pass@k averaged over problems, each given as (samples drawn, samples correct).</summary>
    public static double MeanPassAtK(IEnumerable<(int Samples, int Correct)> problems, int k)
    {
        double sum = 0;
        int count = 0;
        foreach (var (samples, correct) in problems)
        {
            sum += PassAtK(samples, correct, k);
            count++;
        }
        if (count == 0) throw new ArgumentException("no problems to average over", nameof(problems));
        return sum / count;
    }

    /// <summary>
    /// The most frequent answer among the first <paramref name="k"/> samples, or null if none of them
    /// parsed. Null or blank answers (unparsed) are not candidates, so they never win; a tie goes to the
    /// answer that appeared first. With a <paramref name="comparer"/> that merges spellings, the first
    /// spelling seen stands for its group.
    /// </summary>
    public static string? MajorityAnswer(IReadOnlyList<string?> answers, int k, IEqualityComparer<string>? comparer = null)
    {
        if (k < 1 || k > answers.Count)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"must be in 1..{answers.Count} (the number of answers)");

        var votes = new Dictionary<string, int>(comparer ?? StringComparer.Ordinal);
        var firstSeenOrder = new List<string>();
        for (int i = 0; i < k; i++)
        {
            string? answer = answers[i];
            if (string.IsNullOrWhiteSpace(answer)) continue;
            if (votes.TryGetValue(answer, out int count)) votes[answer] = count + 1;
            else
            {
                votes[answer] = 1;
                firstSeenOrder.Add(answer);
            }
        }

        string? winner = null;
        int winnerVotes = 0;
        // Walking in first-seen order and overtaking only on strictly more votes resolves ties to the earliest answer.
        foreach (string answer in firstSeenOrder)
        {
            if (votes[answer] <= winnerVotes) continue;
            winner = answer;
            winnerVotes = votes[answer];
        }
        return winner;
    }

    /// <summary>
    /// maj@k for one problem: whether the majority answer of the first <paramref name="k"/> samples
    /// verifies. No parsed answer counts as wrong.
    /// </summary>
    public static bool MajorityIsCorrect(IReadOnlyList<string?> answers, int k, Func<string, bool> verify,
        IEqualityComparer<string>? comparer = null)
    {
        string? majority = MajorityAnswer(answers, k, comparer);
        return majority != null && verify(majority);
    }
}
