// Finds the reward plug-ins by name: every class in this assembly that implements
// IRewardFunction<ProblemPrompt> with a parameterless constructor is one, so adding a reward is one new file
// plus its weight in the config (docs/method.md, "Adding a reward").
using Realm.Training;

namespace Realm.Method.Rewards;

public static class RewardPlugins
{
    private static readonly Lazy<Dictionary<string, Func<IRewardFunction<ProblemPrompt>>>> Known = new(() =>
        typeof(RewardPlugins).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IRewardFunction<ProblemPrompt>).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) != null)
            .Select(t => (Func<IRewardFunction<ProblemPrompt>>)(() => (IRewardFunction<ProblemPrompt>)Activator.CreateInstance(t)!))
            .ToDictionary(make => make().Name));

    /// <summary>The names of all reward plug-ins.</summary>
    public static IReadOnlyCollection<string> Names => Known.Value.Keys;

    /// <summary>The reward functions the weights name, in their order (the order their weighted scores are added).</summary>
    public static IReadOnlyList<IRewardFunction<ProblemPrompt>> For(IReadOnlyList<RewardWeight> weights) =>
        weights.Select(w => Known.Value.TryGetValue(w.Name, out var make) ? make()
            : throw new RealmException($"unknown reward '{w.Name}' (known: {string.Join(", ", Known.Value.Keys.Order())})")).ToList();

    /// <summary>ReaLM's reward (docs/method.md, "Reward plug-ins"): answer 1.0, verification 0.5, format 0.1 by default.</summary>
    public static IReadOnlyList<RewardWeight> Mrpv(double answer = 1.0, double verification = 0.5, double format = 0.1) =>
        [new("answer", answer), new("verification", verification), new("format", format)];

    /// <summary>Plain GRPO's reward: the answer alone.</summary>
    public static IReadOnlyList<RewardWeight> AnswerOnly => [new("answer", 1.0)];
}
