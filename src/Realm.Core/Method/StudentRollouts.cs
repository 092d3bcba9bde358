// The one rollout path of the method (docs/method.md, "One rollout path"): generate (batched, KV cache)
// → decode (RolloutSampler) → parse → score (ScoredAnswer). Evaluation, RFT, the instructor and
// ReaLM-R1's own-answer rounds all sample the student through it; GRPO through the same sampler with
// reward plug-ins that read answers the same way.
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method;

/// <summary>One completion of a prompt: its ids, its text, and what it says (parsed and checked).</summary>
public sealed record StudentAnswer(ProblemPrompt Prompt, int[] PromptIds, int[] Completion, string Text, ScoredAnswer Scored)
{
    public MrpvOutput Output => Scored.Output;
    public bool Correct => Scored.Correct;
}

/// <summary>Samples and checks a model's answers to problem prompts, in its prompt format. Keeps its generator between calls.</summary>
public sealed class StudentRollouts(LlamaModel model, PromptFormat format) : IDisposable
{
    private readonly RolloutSampler _sampler = new(model, format.StopIds, format.DecodeCompletion);

    public PromptFormat Format => format;

    /// <summary>Makes room up front for these prompts with <paramref name="maxNewTokens"/> each, <paramref name="maxBatch"/> sequences at once.</summary>
    public void Reserve(IEnumerable<ProblemPrompt> prompts, int maxNewTokens, int maxBatch) =>
        _sampler.Reserve(maxBatch, prompts.Select(p => format.EncodePrompt(p.Prompt).Length).DefaultIfEmpty(0).Max() + maxNewTokens);

    /// <summary><paramref name="perPrompt"/> answers to each prompt, prompt by prompt.</summary>
    public List<StudentAnswer> Run(IReadOnlyList<ProblemPrompt> prompts, int perPrompt, SamplingOptions sampling, int maxBatch) =>
        _sampler.Sample(prompts, p => format.EncodePrompt(p.Prompt), perPrompt, sampling, maxBatch)
            .Select(r => new StudentAnswer(r.Prompt, r.PromptIds, r.Completion, r.Text,
                ScoredAnswer.Of(r.Prompt.Domain, r.Prompt.Problem, r.Text))).ToList();

    /// <summary>
    /// <see cref="Run"/> in chunks of about <paramref name="batchSize"/> sequences, chunk i seeded with
    /// sampling.Seed + its first sequence's index; <paramref name="chunkDone"/> hears how many prompts each finished.
    /// </summary>
    public List<StudentAnswer> RunInChunks(IReadOnlyList<ProblemPrompt> prompts, int perPrompt, SamplingOptions sampling, int batchSize,
        Action<int>? chunkDone = null)
    {
        Reserve(prompts, sampling.MaxNewTokens, batchSize);
        int chunk = Math.Max(1, batchSize / perPrompt);
        var answers = new List<StudentAnswer>(prompts.Count * perPrompt);
        for (int at = 0; at < prompts.Count; at += chunk)
        {
            var part = prompts.Skip(at).Take(chunk).ToList();
            answers.AddRange(Run(part, perPrompt, sampling with { Seed = sampling.Seed + (ulong)(at * perPrompt) }, batchSize));
            chunkDone?.Invoke(part.Count);
        }
        return answers;
    }

    public void Dispose() => _sampler.Dispose();
}
