namespace Realm.Engine.Tokenizers;

/// <summary>Turns text into token ids and back.</summary>
public interface ITokenizer
{
    /// <summary>Number of ids, special tokens included; the model's embedding needs at least this many rows.</summary>
    int VocabSize { get; }

    /// <summary>The beginning-of-sequence token, if the tokenizer has one (Qwen's has none).</summary>
    int? BosId { get; }

    /// <summary>The end-of-sequence token, if known (a bare tokenizer.json does not say which it is).</summary>
    int? EosId { get; }

    int? PadId { get; }

    /// <summary>Encodes <paramref name="text"/>, turning special-token strings in it into their ids.</summary>
    int[] Encode(string text);

    /// <summary>
    /// Encodes <paramref name="text"/>; without <paramref name="parseSpecialTokens"/>, special-token
    /// strings stay plain text, so untrusted text cannot inject control tokens.
    /// </summary>
    int[] Encode(string text, bool parseSpecialTokens);

    /// <summary>
    /// Puts the tokens the tokenizer adds around one encoded sequence (Hugging Face's post-processor,
    /// as for <c>add_special_tokens=True</c>), e.g. Llama-3's BOS; unchanged if it adds none.
    /// </summary>
    int[] WithSpecialTokens(ReadOnlySpan<int> ids);

    string Decode(ReadOnlySpan<int> ids);
    bool IsSpecial(int id);

    /// <summary>A readable rendering of one token, for logs and debugging output.</summary>
    string TokenToString(int id);

    /// <summary>Writes tokenizer.json (Hugging Face format) and tokenizer_config.json into a directory.</summary>
    void Save(string directory);
}
