namespace Realm.Engine.Tokenizers;

/// <summary>
/// Turns tokens arriving one at a time into text pieces as soon as they can be printed. A byte-level token
/// can end inside a UTF-8 character that the next token completes, so text ending in an incomplete
/// character (decoded as U+FFFD) is held back until it is complete or the stream ends.
/// </summary>
public sealed class IncrementalDecoder(ITokenizer tokenizer)
{
    private readonly List<int> _ids = [];
    private int _emitted;

    /// <summary>All the text so far, including any held-back part.</summary>
    public string Text => tokenizer.DecodeForDisplay(_ids.ToArray());

    /// <summary>Adds a token; returns the new printable text (often empty while a character is incomplete).</summary>
    public string Push(int id)
    {
        _ids.Add(id);
        string text = Text;
        return text.EndsWith('\uFFFD') ? "" : Take(text);
    }

    /// <summary>What is still held back, when no more tokens will come.</summary>
    public string Flush() => Take(Text);

    private string Take(string text)
    {
        string piece = text[Math.Min(_emitted, text.Length)..];
        _emitted = text.Length;
        return piece;
    }
}
