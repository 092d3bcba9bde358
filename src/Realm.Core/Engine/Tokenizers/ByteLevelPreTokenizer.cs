namespace Realm.Engine.Tokenizers;

/// <summary>
/// Hugging Face's <c>ByteLevel</c> pre-tokenizer, which must come last: optionally puts a space in front
/// of each piece and splits it with GPT-2's pattern. (Its other job, spelling bytes as printable
/// characters, is done by <see cref="BpeModel"/> on each final piece.)
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    /// <summary>GPT-2's pre-tokenization pattern, which ByteLevel uses when <c>use_regex</c> is on.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly SplitPreTokenizer s_gpt2Split = new(new OnigurumaRegex(Gpt2Pattern), SplitBehavior.Isolated, invert: false);

    public override void Split(ReadOnlyMemory<char> piece, List<ReadOnlyMemory<char>> output)
    {
        if (addPrefixSpace && !piece.Span.StartsWith(' ')) piece = (" " + piece.Span.ToString()).AsMemory();
        if (useRegex) s_gpt2Split.Split(piece, output);
        else output.Add(piece);
    }
}
