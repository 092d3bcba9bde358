namespace Realm.Engine.Tokenizers;

/// <summary>Turns text into token ids and back.</summary>
public interface ITokenizer
{
    /// <summary>Number of ids, special tokens included; the model's embedding needs at least this many rows.</summary>
    int VocabSize { get; }
    int BosId { get; }
    int EosId { get; }
    int? PadId { get; }

    int[] Encode(string text);
    string Decode(ReadOnlySpan<int> ids);
    bool IsSpecial(int id);

    /// <summary>A readable rendering of one token, for logs and debugging output.</summary>
    string TokenToString(int id);

    /// <summary>Writes tokenizer.json (Hugging Face format) and tokenizer_config.json into a directory.</summary>
    void Save(string directory);
}
