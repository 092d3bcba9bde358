namespace Realm.Engine.Tokenizers;

/// <summary>Prompt and stop-token conventions shared by generation, training and evaluation.</summary>
public static class TokenizerExtensions
{
    /// <summary>The tokenizer's BOS (when it has one) followed by the text's tokens: how every prompt and document starts.</summary>
    public static int[] EncodePrompt(this ITokenizer tokenizer, string text) =>
        tokenizer.BosId is int bos ? [bos, .. tokenizer.Encode(text)] : tokenizer.Encode(text);

    /// <summary>The end-of-sequence id; training data and generation need one.</summary>
    public static int RequireEos(this ITokenizer tokenizer) =>
        tokenizer.EosId ?? throw new RealmException("the tokenizer has no end-of-sequence token (eos_token in tokenizer_config.json)");

    /// <summary>Ids that end generation: the EOS, if the tokenizer has one.</summary>
    public static int[] StopIds(this ITokenizer tokenizer) => tokenizer.EosId is int eos ? [eos] : [];

    /// <summary>Decodes generated ids without the trailing stop token.</summary>
    public static string DecodeCompletion(this ITokenizer tokenizer, int[] ids) =>
        tokenizer.Decode(tokenizer.EosId is int eos ? ids.Where(t => t != eos).ToArray() : ids);

    /// <summary>
    /// Decodes ids a model generated, showing ids beyond the tokenizer's vocabulary (a model's vocab_size
    /// may include padding rows) as &lt;|id:N|&gt; instead of failing.
    /// </summary>
    public static string DecodeForDisplay(this ITokenizer tokenizer, ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
            if ((uint)id >= (uint)tokenizer.VocabSize) return string.Concat(ids.ToArray().Select(t => t < tokenizer.VocabSize ? tokenizer.Decode([t]) : $"<|id:{t}|>"));
        return tokenizer.Decode(ids);
    }
}
