using System.Text;
using Realm.Data;
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
    /// Guided distillation (spec §1.1): the question alone (no rulebook, no routes) → the teacher's
    /// verified route as the student's own reasoning. Routes whose answer does not verify are never used.
    /// </summary>
    public static IEnumerable<PromptCompletion> Distillation(ITokenizer tokenizer, IEnumerable<Problem> problems)
    {
        foreach (var problem in problems)
            foreach (var route in problem.Routes.Where(r => r.Correct))
            {
                var prompt = MrpvPrompts.Plain(problem);
                yield return Tokenize(tokenizer, prompt, Completion(prompt, route, verify: false));
            }
    }
}
