using Realm.Engine.Generation;

namespace Realm.Server;

/// <summary>
/// What a request asks the batcher for: the prompt's tokens, the decoding options of every choice and
/// the stop sequences; with OpenAI's 400 errors when the prompt or max_tokens do not fit the context.
/// </summary>
internal sealed record GenerationPlan(int[] Prompt, SamplingOptions Options, int N, IReadOnlyList<string> StopTexts)
{
    public static GenerationPlan Create(CompletionRequest request, ServedModel model, ContinuousBatcher batcher)
    {
        bool chat = request.Messages != null;
        string promptParam = chat ? "messages" : "prompt";
        int[] prompt = chat ? model.EncodeChat(request.Messages!) : model.EncodeText(request.Prompt!);
        int context = batcher.ContextLength;
        if (prompt.Length == 0) throw ApiException.InvalidValue(promptParam, "The prompt is empty.");
        if (prompt.Length >= context)
            throw ApiException.BadRequest($"This model's maximum context length is {context} tokens. However, your {promptParam} resulted in {prompt.Length} tokens. "
                + $"Please reduce the length of the {promptParam}.", promptParam, "context_length_exceeded");
        if (request.MaxTokens is int max && prompt.Length + max > context)
            throw ApiException.BadRequest($"This model's maximum context length is {context} tokens. However, you requested {prompt.Length + max} tokens "
                + $"({prompt.Length} in the {promptParam}, {max} in the completion). Please reduce the length of the {promptParam} or completion.",
                request.MaxTokensParam, "context_length_exceeded");
        if (request.N > batcher.Slots)
            throw ApiException.InvalidValue("n", $"Invalid 'n': this server runs at most {batcher.Slots} sequences at once, got {request.N}.");

        var sampling = new SamplingRequest
        {
            Greedy = request.Temperature == 0,
            Temperature = request.Temperature is > 0 ? request.Temperature : null,
            TopP = request.TopP,
            TopK = request.TopK,
            RepetitionPenalty = request.RepetitionPenalty,
            MaxNewTokens = request.MaxTokens,
            Seed = request.Seed is long seed ? unchecked((ulong)seed) : (ulong)Random.Shared.NextInt64(),
        };
        int room = context - prompt.Length;
        var options = SamplingDefaults.Resolve(sampling, model.Generation, prompt.Length, defaultMaxNewTokens: room);
        // A default from generation_config.json may exceed what is left of the context: stop there instead.
        options = options with
        {
            MaxNewTokens = Math.Min(options.MaxNewTokens, room),
            StopTokens = request.IgnoreEos ? [] : chat ? model.ChatStopIds : model.TextStopIds,
        };
        return new GenerationPlan(prompt, options, request.N, request.Stop);
    }

    /// <summary>One sequence per choice, each with its own cancellation; choice i samples from random stream i of the seed.</summary>
    public SequenceRequest[] Sequences(IReadOnlyList<CancellationToken> cancels) =>
        Enumerable.Range(0, N).Select(i => new SequenceRequest(Prompt, Options, i, cancels[i])).ToArray();
}
