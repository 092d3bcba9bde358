using System.Text;
using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (GPT-2, Qwen2/2.5/3, Llama-3, and those <see cref="BpeTrainer"/>
/// learns), loaded from tokenizer.json plus the tokenizer_config.json beside it, encoding to exactly the
/// ids Hugging Face tokenizers gives. The pipeline: added tokens are cut out of the raw text (longest
/// first); the rest is NFC-normalized if asked, split by the pre-tokenizer (regex Split steps, then
/// ByteLevel) and each piece is merged by <see cref="BpeModel"/>.
/// <para>
/// Measured on one thread of the 2-core development machine, 2.5 MB of the mixed-script parity text (see
/// docs/tokenizers.md): encoding 15–45 MB/s once the piece cache is warm (Qwen3 15, GPT-2 28, Llama-3 40),
/// 5–19 MB/s on first sight of the text; decoding 130–230 MB/s.
/// </para>
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    private readonly BpeModel _model;
    private readonly AddedToken[] _addedTokens;
    private readonly AddedTokenMatcher _rawTokens, _normalizedTokens;
    private readonly bool _nfc;
    private readonly IReadOnlyList<PreTokenizer> _preTokenizers;
    private readonly TemplatePostProcessor _postProcessor;
    private readonly string?[] _tokens;
    private readonly byte[]?[] _tokenBytes;
    private readonly bool[] _special, _added;
    private readonly byte[] _tokenizerJson;
    private readonly byte[]? _configJson;

    private BpeTokenizer(string path, byte[] tokenizerJson, BpeTokenizerParts parts, string? configPath, byte[]? configJson, TokenizerConfig config)
    {
        _tokenizerJson = tokenizerJson;
        _configJson = configJson;
        _model = parts.Model;
        _addedTokens = [.. parts.AddedTokens];
        _nfc = parts.Nfc;
        _preTokenizers = parts.PreTokenizers;
        _postProcessor = parts.PostProcessor;
        _rawTokens = new AddedTokenMatcher(_addedTokens.Where(token => !token.Normalized));
        _normalizedTokens = new AddedTokenMatcher(_addedTokens.Where(token => token.Normalized));

        VocabSize = Math.Max(_model.Vocab.Values.DefaultIfEmpty(-1).Max(), _addedTokens.Select(t => t.Id).DefaultIfEmpty(-1).Max()) + 1;
        _tokens = new string?[VocabSize];
        _tokenBytes = new byte[VocabSize][];
        _special = new bool[VocabSize];
        _added = new bool[VocabSize];
        foreach (var (token, id) in _model.Vocab) SetToken(id, token);
        // An added token's id may also be in the vocab (GPT-2's <|endoftext|>); the added token wins, as in Hugging Face.
        foreach (AddedToken token in _addedTokens)
        {
            SetToken(token.Id, token.Content);
            _special[token.Id] = token.Special;
            _added[token.Id] = true;
        }

        BosToken = config.BosToken;
        EosToken = config.EosToken;
        PadToken = config.PadToken;
        AddBosToken = config.AddBosToken;
        ChatTemplate = config.ChatTemplate;
        string source = configPath ?? path;
        BosId = IdOfConfigToken(source, "bos_token", config.BosToken);
        EosId = IdOfConfigToken(source, "eos_token", config.EosToken);
        PadId = IdOfConfigToken(source, "pad_token", config.PadToken);
        UnkId = IdOfConfigToken(source, "unk_token", config.UnkToken);
    }

    /// <summary>
    /// Loads <paramref name="path"/>, a directory with tokenizer.json or the file itself, and the
    /// tokenizer_config.json beside it if there is one.
    /// </summary>
    public static BpeTokenizer Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, TokenizerLoader.FileName) : path;
        byte[] bytes = JsonFile.ReadAllBytes(file);
        using JsonDocument document = JsonFile.ParseObject(file, bytes);
        return FromJson(file, bytes, document.RootElement);
    }

    /// <summary>Builds the tokenizer from an already parsed tokenizer.json, reading the config beside it.</summary>
    internal static BpeTokenizer FromJson(string path, byte[] tokenizerJson, JsonElement root)
    {
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, TokenizerConfig.FileName);
        return File.Exists(configPath)
            ? FromJson(path, tokenizerJson, root, configPath, JsonFile.ReadAllBytes(configPath))
            : FromJson(path, tokenizerJson, root, null, null);
    }

    internal static BpeTokenizer FromJson(string path, byte[] tokenizerJson, JsonElement root, string? configPath, byte[]? configJson)
    {
        BpeTokenizerParts parts = BpeTokenizerJson.Read(path, root);
        TokenizerConfig config = configPath != null ? TokenizerConfig.Read(configPath, configJson!) : TokenizerConfig.Empty;
        return new BpeTokenizer(path, tokenizerJson, parts, configPath, configJson, config);
    }

    public int VocabSize { get; }
    public int? BosId { get; }
    public int? EosId { get; }
    public int? PadId { get; }
    public int? UnkId { get; }
    public string? BosToken { get; }
    public string? EosToken { get; }
    public string? PadToken { get; }

    /// <summary>
    /// tokenizer_config.json's <c>add_bos_token</c>, for callers that build inputs themselves. Encoding
    /// follows tokenizer.json's post-processor (see <see cref="WithSpecialTokens"/>), as Hugging Face
    /// tokenizers does.
    /// </summary>
    public bool? AddBosToken { get; }

    /// <summary>tokenizer_config.json's Jinja chat template, unrendered.</summary>
    public string? ChatTemplate { get; }

    public IReadOnlyList<AddedToken> AddedTokens => _addedTokens;

    /// <summary>The model's vocabulary: byte-level token strings (Ġ for a space, ...) to ids, without added tokens.</summary>
    public IReadOnlyDictionary<string, int> Vocab => _model.Vocab;

    /// <summary>The merges, highest priority first.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _model.Merges;

    public int[] Encode(string text) => Encode(text, parseSpecialTokens: true);

    public int[] Encode(string text, bool parseSpecialTokens)
    {
        text = WithoutLoneSurrogates(text);
        var ids = new List<int>(text.Length / 3 + 8);
        var segments = new List<Segment>();
        var pieces = new List<ReadOnlyMemory<char>>();
        _rawTokens.Split(text, 0, text.Length, parseSpecialTokens, segments);
        foreach (Segment segment in segments)
        {
            if (segment.Added != null)
            {
                ids.Add(segment.Added.Id);
                continue;
            }
            string normalized = text;
            int start = segment.Start, end = segment.End;
            if (_nfc && !Nfc.IsNormalized(text.AsSpan(start, end - start)))
            {
                normalized = Nfc.Normalize(text.AsSpan(start, end - start));
                (start, end) = (0, normalized.Length);
            }
            EncodeNormalized(normalized, start, end, parseSpecialTokens, ids, pieces);
        }
        return ids.ToArray();
    }

    private void EncodeNormalized(string text, int start, int end, bool parseSpecialTokens, List<int> ids, List<ReadOnlyMemory<char>> pieces)
    {
        var segments = new List<Segment>();
        if (_normalizedTokens.IsEmpty) segments.Add(Segment.Text(start, end));
        else _normalizedTokens.Split(text, start, end, parseSpecialTokens, segments);
        foreach (Segment segment in segments)
        {
            if (segment.Added != null)
            {
                ids.Add(segment.Added.Id);
                continue;
            }
            PreTokenizer.SplitAll(_preTokenizers, text.AsMemory(segment.Start, segment.End - segment.Start), pieces);
            foreach (ReadOnlyMemory<char> piece in pieces) _model.Encode(piece.Span, ids);
        }
    }

    // Rust strings cannot hold an unpaired surrogate; UTF-8 would write one as U+FFFD anyway.
    private static string WithoutLoneSurrogates(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0 || !HasLoneSurrogate(text)) return text;
        var clean = new StringBuilder(text.Length);
        foreach (Rune rune in text.EnumerateRunes()) clean.Append(rune);
        return clean.ToString();
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (!char.IsSurrogatePair(text, i)) return true;
            i++;
        }
        return false;
    }

    public int[] WithSpecialTokens(ReadOnlySpan<int> ids) => _postProcessor.Apply(ids);

    public string Decode(ReadOnlySpan<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <summary>
    /// Concatenates the tokens' bytes and reads them as UTF-8, with U+FFFD for invalid sequences (a
    /// model can emit any token order); special tokens appear as their text unless skipped.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        int length = 0;
        foreach (int id in ids) length += BytesOf(id).Length;
        var bytes = new byte[length];
        int written = 0;
        foreach (int id in ids)
        {
            if (skipSpecialTokens && _special[id]) continue;
            byte[] token = _tokenBytes[id]!;
            token.CopyTo(bytes, written);
            written += token.Length;
        }
        return Encoding.UTF8.GetString(bytes, 0, written);
    }

    public bool IsSpecial(int id) => id >= 0 && id < VocabSize && _special[id];

    /// <summary>The vocab or added token with this string, if any.</summary>
    public int? TokenToId(string token)
    {
        foreach (AddedToken added in _addedTokens)
            if (added.Content == token) return added.Id;
        return _model.Vocab.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>
    /// Added tokens as their text; other tokens as the text of their bytes, with \n, \r, \t escaped and
    /// bytes that are not whole UTF-8 characters as &lt;0xAB&gt;.
    /// </summary>
    public string TokenToString(int id)
    {
        byte[] bytes = BytesOf(id);
        if (_added[id]) return _tokens[id]!;
        var text = new StringBuilder();
        for (int i = 0; i < bytes.Length;)
        {
            if (Rune.DecodeFromUtf8(bytes.AsSpan(i), out Rune rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                for (int j = 0; j < used; j++) text.Append($"<0x{bytes[i + j]:X2}>");
            }
            else if (rune.Value == '\n') text.Append("\\n");
            else if (rune.Value == '\r') text.Append("\\r");
            else if (rune.Value == '\t') text.Append("\\t");
            else if (Rune.IsControl(rune)) text.Append($"<0x{rune.Value:X2}>");
            else text.Append(rune);
            i += used;
        }
        return text.ToString();
    }

    /// <summary>
    /// Writes tokenizer.json exactly as it was loaded or trained, and tokenizer_config.json (as loaded,
    /// or naming the BOS/EOS/padding tokens if there was none).
    /// </summary>
    public void Save(string directory)
    {
        AtomicFile.Write(Path.Combine(directory, TokenizerLoader.FileName), stream => stream.Write(_tokenizerJson));
        byte[] config = _configJson ?? BpeTokenizerWriter.WriteConfig(BosToken, EosToken, PadToken, AddBosToken,
            _addedTokens.Where(token => token.Special).Select(token => token.Content));
        AtomicFile.Write(Path.Combine(directory, TokenizerConfig.FileName), stream => stream.Write(config));
    }

    private byte[] BytesOf(int id)
    {
        if (id < 0 || id >= VocabSize || _tokenBytes[id] == null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the vocabulary (size {VocabSize})");
        return _tokenBytes[id]!;
    }

    // As Hugging Face's ByteLevel decoder: a token spelled in byte characters is those bytes; any other
    // (an added token such as "<|im_start|>" may be either) is its own UTF-8.
    private void SetToken(int id, string token)
    {
        _tokens[id] = token;
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (ByteLevelAlphabet.TryGetByte(token[i], out bytes[i])) continue;
            _tokenBytes[id] = Encoding.UTF8.GetBytes(token);
            return;
        }
        _tokenBytes[id] = bytes;
    }

    private int? IdOfConfigToken(string path, string field, string? token)
    {
        if (token == null) return null;
        return TokenToId(token) ?? throw new RealmException($"{path}: {field} '{token}' is not in the vocabulary");
    }
}
