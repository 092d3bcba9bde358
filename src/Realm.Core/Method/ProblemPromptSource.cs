// The method's rollout source for the GRPO core: training problems drawn uniformly, each turned into a
// prompt by a prompt policy (plain, or MRPV routes fading with EAAI), in the model's prompt format.
using Realm.Data;
using Realm.Domains;
using Realm.Engine.Compute;
using Realm.Training;

namespace Realm.Method;

/// <summary>Draws the problems of a step first, then builds their prompts, all from the run's generator.</summary>
public sealed class ProblemPromptSource : IRolloutSource<ProblemPrompt>
{
    private readonly PromptFormat _format;
    private readonly IDomain _domain;
    private readonly IReadOnlyList<Problem> _problems;
    private readonly IPromptPolicy _policy;

    public ProblemPromptSource(PromptFormat format, IDomain domain, IReadOnlyList<Problem> problems, IPromptPolicy policy)
    {
        if (problems.Count == 0) throw new RealmException("GRPO needs at least one problem");
        _format = format;
        _domain = domain;
        _problems = problems;
        _policy = policy;
    }

    public IReadOnlyList<ProblemPrompt> Draw(int count, double progress, ref SplitMix64 rng)
    {
        var problems = new List<Problem>(count);
        for (int k = 0; k < count; k++) problems.Add(_problems[rng.NextInt(_problems.Count)]);
        var prompts = new List<ProblemPrompt>(count);
        foreach (var p in problems) prompts.Add(new ProblemPrompt(_domain, p, _policy.Build(p, progress, ref rng)));
        return prompts;
    }

    public int[] Encode(ProblemPrompt prompt) => _format.EncodePrompt(prompt.Prompt);
    public string Decode(int[] completion) => _format.DecodeCompletion(completion);
    public IReadOnlyList<int> StopIds => _format.StopIds;

    /// <summary>The problems (as a hash of every field that can reach a prompt or a reward), the domain and the prompt policy's settings.</summary>
    public void AddSettings(RunSettings settings)
    {
        var text = new System.Text.StringBuilder();
        foreach (var p in _problems)
        {
            text.Append(p.Id).Append('\0').Append(p.Question).Append('\0').Append(p.Answer).Append('\0');
            foreach (var r in p.Routes) text.Append(r.Text).Append('\0').Append(r.Correct).Append('\0').Append(r.FirstErrorStep).Append('\0');
            text.Append('\n');
        }
        settings.Add("data", RunSettings.HashOf<char>(text.ToString().AsSpan())).Add("domain", _domain.Name);
        _policy.AddSettings(settings);
    }

    /// <summary>EAAI's α at this progress (0 for plain prompts), logged as eaai_alpha.</summary>
    public IReadOnlyDictionary<string, double> Metrics(double progress) =>
        new Dictionary<string, double> { ["eaai_alpha"] = _policy.Strength(progress) };
}
