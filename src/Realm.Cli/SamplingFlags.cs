using System.CommandLine;
using Realm.Engine.Generation;

namespace Realm.Cli;

/// <summary>
/// The decoding flags of generate and chat. A flag left out falls back to the model's
/// generation_config.json, then to realm's default (see <see cref="SamplingDefaults"/>).
/// </summary>
internal sealed class SamplingFlags(int defaultMaxNewTokens)
{
    public int DefaultMaxNewTokens => defaultMaxNewTokens;

    public readonly Option<int?> MaxNewTokens = new("--max-new-tokens")
    {
        Description = $"Tokens to generate at most (default: generation_config.json's max_new_tokens or max_length, else {defaultMaxNewTokens}).",
    };

    public readonly Option<bool> Greedy = new("--greedy") { Description = "Always take the most likely token." };

    public readonly Option<float?> Temperature = new("--temperature")
    {
        Description = "Sampling temperature (default: generation_config.json's, else 1). Giving it, --top-k or --top-p samples even where the model's default is greedy.",
    };

    public readonly Option<int?> TopK = new("--top-k")
    {
        Description = $"Sample among the k most likely tokens, 0 for all (default: generation_config.json's top_k, {SamplingDefaults.TransformersTopK} if the file has none, 0 without the file).",
    };

    public readonly Option<float?> TopP = new("--top-p") { Description = "Nucleus sampling threshold, 1 for off (default: generation_config.json's, else 1)." };

    public readonly Option<float?> RepetitionPenalty = new("--repetition-penalty")
    {
        Description = "Hugging Face's repetition_penalty: logits of tokens already in the sequence are divided by it (multiplied when negative). Default: generation_config.json's, else 1 (off).",
    };

    public readonly Option<ulong> Seed = new("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0UL };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { MaxNewTokens, Greedy, Temperature, TopK, TopP, RepetitionPenalty, Seed }) command.Add(option);
    }

    public SamplingRequest Read(ParseResult result) => new()
    {
        MaxNewTokens = result.GetValue(MaxNewTokens),
        Greedy = result.GetValue(Greedy),
        Temperature = result.GetValue(Temperature),
        TopK = result.GetValue(TopK),
        TopP = result.GetValue(TopP),
        RepetitionPenalty = result.GetValue(RepetitionPenalty),
        Seed = result.GetValue(Seed),
    };
}
