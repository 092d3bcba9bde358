// The generating half of the one rollout path (docs/method.md, "One rollout path"): generate (batched,
// KV cache) → decode. What a completion means (parse → score) is the caller's: the method's answer
// checker for evaluation, RFT, the instructor and teacher routes, reward plug-ins for GRPO.
using Realm.Engine.Generation;
using Realm.Engine.Model;

namespace Realm.Training;

/// <summary>One sampled completion of one prompt: its ids and its decoded text.</summary>
public sealed record Rollout<TPrompt>(TPrompt Prompt, int[] PromptIds, int[] Completion, string Text);

/// <summary>
/// Samples completions with the batched KV-cache generator and decodes them. Keeps its generator between
/// calls (call <see cref="RefreshWeights"/> after training the model), growing it when prompts get longer.
/// </summary>
public sealed class RolloutSampler(LlamaModel model, IReadOnlyList<int> stopIds, Func<int[], string> decode) : IDisposable
{
    private Generator? _generator;
    private int _batch;

    /// <summary>
    /// <paramref name="perPrompt"/> completions of each prompt, prompt by prompt, decoded by up to
    /// <paramref name="maxBatch"/> sequences at once. With <paramref name="spareLength"/> a new generator
    /// is made room for prompts twice as long as these, so later calls rarely reallocate.
    /// </summary>
    public List<Rollout<T>> Sample<T>(IReadOnlyList<T> prompts, Func<T, int[]> encode, int perPrompt, SamplingOptions sampling,
        int maxBatch, bool spareLength = false)
    {
        var ids = prompts.Select(encode).ToList();
        return Sample(prompts, ids, perPrompt, sampling, maxBatch, spareLength);
    }

    /// <summary><see cref="Sample{T}(IReadOnlyList{T}, Func{T, int[]}, int, SamplingOptions, int, bool)"/> with the prompts already encoded.</summary>
    public List<Rollout<T>> Sample<T>(IReadOnlyList<T> prompts, IReadOnlyList<int[]> ids, int perPrompt, SamplingOptions sampling,
        int maxBatch, bool spareLength = false)
    {
        if (prompts.Count == 0) return [];
        int longest = ids.Max(p => p.Length) + sampling.MaxNewTokens;
        if (_generator == null || _generator.MaxLength < longest || _batch != maxBatch)
            Reserve(maxBatch, spareLength ? 2 * longest - sampling.MaxNewTokens : longest);
        var inputs = ids.SelectMany(p => Enumerable.Repeat(p, perPrompt)).ToList();
        var completions = _generator!.Generate(inputs, sampling with { StopTokens = stopIds });
        var rollouts = new List<Rollout<T>>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++)
            rollouts.Add(new Rollout<T>(prompts[i / perPrompt], inputs[i], completions[i].Tokens, decode(completions[i].Tokens)));
        return rollouts;
    }

    /// <summary>Makes room for batches of <paramref name="maxBatch"/> sequences of up to <paramref name="maxLength"/> tokens up front.</summary>
    public void Reserve(int maxBatch, int maxLength)
    {
        if (_generator != null && _generator.MaxLength >= maxLength && _batch == maxBatch) return;
        _generator?.Dispose();
        _generator = new Generator(model, maxBatch, maxLength);
        _batch = maxBatch;
    }

    /// <summary>Re-reads the model's weights into the generator's packed copy (after an optimiser step).</summary>
    public void RefreshWeights() => _generator?.RefreshWeights();

    public void Dispose() => _generator?.Dispose();
}
