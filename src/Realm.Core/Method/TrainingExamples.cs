using System.Text;
using Realm.Data;
using Realm.Engine.Compute;
using Realm.Engine.Tokenizers;
using Realm.Training;

namespace Realm.Method;

/// <summary>
/// Turns problems and routes into training sequences in the MRPV text format: the student's answer is
/// an optional verify block, a think block with the steps, and the answer line.
/// </summary>
public static class TrainingExamples
{
    /// <summary>
    /// The answer text a model should write for <paramref name="prompt"/>: verdicts on the shown routes
    /// (when <paramref name="verify"/> and routes are shown), then <paramref name="solution"/>'s steps and answer.
    /// </summary>
    public static string Completion(MrpvPrompt prompt, Route solution, bool verify = true)
    {
        var text = new StringBuilder();
        if (verify && prompt.Routes.Count > 0)
        {
            text.Append(MrpvFormat.VerifyOpen).Append('\n');
            foreach (var shown in prompt.Routes)
                text.Append(MrpvOutput.FormatVerdict(shown.Label, shown.VisibleError, shown.VisibleError == null)).Append('\n');
            text.Append(MrpvFormat.VerifyClose).Append('\n');
        }
        var steps = RouteText.Steps(solution.Text);
        text.Append(MrpvFormat.ThinkOpen).Append('\n');
        for (int i = 0; i < steps.Count; i++) text.Append($"{i + 1}. {steps[i]}\n");
        text.Append(MrpvFormat.ThinkClose).Append('\n');
        text.Append($"{RouteText.AnswerPrefix} {solution.Answer}");
        return text.ToString();
    }

    /// <summary>Prompt = BOS + prompt text; completion = the answer text + EOS.</summary>
    public static PromptCompletion Tokenize(ITokenizer tokenizer, MrpvPrompt prompt, string completion) =>
        new(tokenizer.EncodePrompt(prompt.Text), [.. tokenizer.Encode(completion), tokenizer.RequireEos()]);

    /// <summary>
    /// Guided distillation (docs/method.md, "Guided CoT distillation"): the question alone (no rulebook, no routes) → the teacher's
    /// verified route as the student's own reasoning. Routes whose answer does not verify are never used.
    /// </summary>
    public static IEnumerable<PromptCompletion> Distillation(PromptFormat format, IEnumerable<Problem> problems)
    {
        foreach (var problem in problems)
            foreach (var route in problem.Routes.Where(r => r.Correct))
            {
                var prompt = MrpvPrompts.Plain(problem);
                yield return format.Tokenize(prompt, Completion(prompt, route, verify: false));
            }
    }

    /// <summary>
    /// Solutions as training pairs, a share of them with routes to verify: with probability
    /// <paramref name="routeShare"/> the prompt also shows 1..Kmax of the problem's routes (mixed, shuffled)
    /// and the answer opens with a verdict on each, so the model learns MRPV's answer format before RL
    /// asks for it; otherwise it is the question alone, as in <see cref="Distillation"/>. Seeded.
    /// </summary>
    public static List<PromptCompletion> WithRoutes(PromptFormat format, IEnumerable<(Problem Problem, Route Solution)> solutions,
        double routeShare, int maxRoutes, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var options = new RouteOptions { MaxRoutes = maxRoutes };
        var examples = new List<PromptCompletion>();
        foreach (var (problem, solution) in solutions)
        {
            double alpha = rng.NextDouble() < 1 - routeShare ? 0 : (1 + rng.NextInt(maxRoutes)) / (double)maxRoutes;
            var prompt = alpha == 0 ? MrpvPrompts.Plain(problem)
                : MrpvPrompts.Sample(problem, 1.0, options with { MaxRoutes = EaaiSchedule.RouteCount(alpha, maxRoutes) }, EaaiSchedule.AlwaysOn, ref rng);
            examples.Add(format.Tokenize(prompt, Completion(prompt, solution)));
        }
        return examples;
    }
}
