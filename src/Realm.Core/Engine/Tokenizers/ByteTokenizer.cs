using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// The simplest tokenizer that can represent any text: ids 0..255 are the UTF-8 bytes, and special
/// tokens follow from id 256 (<see cref="BosToken"/>, <see cref="EosToken"/>, <see cref="PadToken"/>,
/// then any extra ones, e.g. markers such as <c>&lt;verify&gt;</c>). Needs no training and no files,
/// which suits tiny models trained from scratch.
/// </summary>
public sealed partial class ByteTokenizer : ITokenizer
{
    public const int ByteCount = 256;
    public const string BosToken = "<|bos|>";
    public const string EosToken = "<|eos|>";
    public const string PadToken = "<|pad|>";

    private readonly string[] _specialTokens;
    private readonly Dictionary<string, int> _specialIds;
    private readonly string[] _specialsLongestFirst;
    private readonly SearchValues<char> _specialFirstChars;

    public ByteTokenizer(params IEnumerable<string> extraSpecialTokens)
    {
        _specialTokens = [BosToken, EosToken, PadToken, .. extraSpecialTokens];
        _specialIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _specialTokens.Length; i++)
        {
            string token = _specialTokens[i];
            if (string.IsNullOrEmpty(token))
                throw new ArgumentException("special tokens must not be empty", nameof(extraSpecialTokens));
            if (!_specialIds.TryAdd(token, ByteCount + i))
                throw new ArgumentException($"special token '{token}' is listed twice", nameof(extraSpecialTokens));
        }
        // Longest first, so a token that is a prefix of another never wins over it.
        _specialsLongestFirst = _specialTokens.OrderByDescending(token => token.Length).ToArray();
        _specialFirstChars = SearchValues.Create(_specialTokens.Select(token => token[0]).Distinct().ToArray());
    }

    /// <summary>Special token strings in id order: <c>SpecialTokens[i]</c> has id 256 + i.</summary>
    public IReadOnlyList<string> SpecialTokens => _specialTokens;

    public int VocabSize => ByteCount + _specialTokens.Length;
    public int BosId => ByteCount;
    public int EosId => ByteCount + 1;
    public int? PadId => ByteCount + 2;
    int? ITokenizer.BosId => BosId;
    int? ITokenizer.EosId => EosId;

    public bool IsSpecial(int id) => id >= ByteCount && id < VocabSize;

    public int[] Encode(string text) => Encode(text, parseSpecialTokens: true);

    /// <summary>
    /// The UTF-8 bytes of <paramref name="text"/>; with <paramref name="parseSpecialTokens"/>, exact
    /// occurrences of special-token strings become their ids. Turn it off for untrusted text that must
    /// not be able to inject control tokens.
    /// </summary>
    public int[] Encode(string text, bool parseSpecialTokens)
    {
        var ids = new List<int>(text.Length + 8);
        int segmentStart = 0;
        if (parseSpecialTokens)
        {
            int position = 0;
            while (true)
            {
                int next = text.AsSpan(position).IndexOfAny(_specialFirstChars);
                if (next < 0) break;
                position += next;
                string? special = SpecialAt(text, position);
                if (special == null)
                {
                    position++;
                    continue;
                }
                AppendBytes(ids, text.AsSpan(segmentStart, position - segmentStart));
                ids.Add(_specialIds[special]);
                position += special.Length;
                segmentStart = position;
            }
        }
        AppendBytes(ids, text.AsSpan(segmentStart));
        return ids.ToArray();
    }

    private string? SpecialAt(string text, int position)
    {
        foreach (string special in _specialsLongestFirst)
            if (text.AsSpan(position).StartsWith(special, StringComparison.Ordinal)) return special;
        return null;
    }

    private static void AppendBytes(List<int> ids, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        int count = Encoding.UTF8.GetBytes(text, buffer);
        foreach (byte b in buffer.AsSpan(0, count)) ids.Add(b);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Unchanged: the tokenizer.json written by <see cref="Save"/> has no post-processor.</summary>
    public int[] WithSpecialTokens(ReadOnlySpan<int> ids) => ids.ToArray();

    public string Decode(ReadOnlySpan<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <summary>
    /// Byte runs are decoded as UTF-8, with U+FFFD for invalid or truncated sequences (a model can emit
    /// any byte order); special tokens appear as their strings unless <paramref name="skipSpecialTokens"/>.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            CheckId(id);
            if (id < ByteCount)
            {
                bytes.Add((byte)id);
                continue;
            }
            FlushBytes(text, bytes);
            if (!skipSpecialTokens) text.Append(_specialTokens[id - ByteCount]);
        }
        FlushBytes(text, bytes);
        return text.ToString();
    }

    private static void FlushBytes(StringBuilder text, List<byte> bytes)
    {
        text.Append(Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(bytes)));
        bytes.Clear();
    }

    /// <summary>Printable ASCII as itself, other bytes as &lt;0xAB&gt;, specials as their strings.</summary>
    public string TokenToString(int id)
    {
        CheckId(id);
        if (id >= ByteCount) return _specialTokens[id - ByteCount];
        return id is >= 0x20 and <= 0x7E ? ((char)id).ToString() : $"<0x{id:X2}>";
    }

    private void CheckId(int id)
    {
        if (id < 0 || id >= VocabSize)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (size {VocabSize})");
    }
}
