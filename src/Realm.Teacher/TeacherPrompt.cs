using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;

namespace Realm.Teacher;

/// <summary>
/// The guided prompt (docs/method.md, "Guided CoT distillation"): the domain's rulebook and the route format in the system message, the
/// question as the user message. Built-in domains show one worked example by their expert, so the teacher
/// sees exactly the format <see cref="RouteText"/> reads.
/// </summary>
public static class TeacherPrompt
{
    public static string System(IDomain domain)
    {
        var text = new System.Text.StringBuilder();
        bool rules = domain.Rulebook.Rules.Count > 0;
        if (rules)
        {
            text.Append($"You solve {domain.Name} problems step by step, applying these rules (rulebook {domain.Rulebook.Id}):\n");
            text.Append(domain.Rulebook.Render()).Append("\n\n");
            text.Append("Write one step per line, numbered \"1.\", \"2.\", ...; each step starts with the rule it applies (e.g. \"R2:\") ");
            text.Append("followed by its working, and applies one rule. ");
        }
        else
        {
            text.Append($"You solve {domain.Name} problems step by step.\n\n");
            text.Append("Write one step per line, numbered \"1.\", \"2.\", ... ");
        }
        text.Append($"After the last step write a final line \"{RouteText.AnswerPrefix} \" followed by the answer alone. Write nothing else.");
        if (Example(domain) is { } example)
            text.Append($"\n\nExample:\nQuestion: {example.Question}\n{example.Route}");
        return text.ToString();
    }

    public static string User(Problem problem) => $"Question: {problem.Question}";

    // A fixed example, so the prompt is the same for every problem and run.
    private static (string Question, string Route)? Example(IDomain domain)
    {
        if (BuiltInDomains.TryGet(domain.Name) != domain) return null;
        var rng = new SplitMix64(20260101);
        var (min, max) = domain.DefaultDifficulty("train");
        var problem = domain.Generate(ref rng, "train", Math.Min(max, Math.Max(min, 3)), "example");
        return (problem.Question, domain.Solve(problem).Text);
    }
}
