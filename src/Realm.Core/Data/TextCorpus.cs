using System.Text.Json;
using Realm.Engine.Tokenizers;

namespace Realm.Data;

/// <summary>
/// Training text as one token stream: each document becomes BOS (if the tokenizer has one) + tokens + EOS. Reads plain text (the
/// whole file is one document) or JSONL with a string field "text" per line.
/// </summary>
public sealed class TextCorpus
{
    public int[] Tokens { get; }
    public int Documents { get; }
    /// <summary>JSONL lines that were skipped because they were malformed (only with skipBadLines).</summary>
    public IReadOnlyList<string> SkippedLines { get; }

    private TextCorpus(int[] tokens, int documents, IReadOnlyList<string> skipped)
    {
        Tokens = tokens;
        Documents = documents;
        SkippedLines = skipped;
    }

    public static TextCorpus FromDocuments(IEnumerable<string> documents, ITokenizer tokenizer)
    {
        int eos = tokenizer.EosId ?? throw new RealmException("the tokenizer has no EOS token to end documents with (set eos_token in tokenizer_config.json)");
        var tokens = new List<int>();
        int count = 0;
        foreach (var doc in documents)
        {
            if (tokenizer.BosId is int bos) tokens.Add(bos);
            tokens.AddRange(tokenizer.Encode(doc));
            tokens.Add(eos);
            count++;
        }
        return new TextCorpus(tokens.ToArray(), count, []);
    }

    /// <summary>
    /// Loads a .txt or .jsonl file. A malformed JSONL line is an error naming file and line, unless
    /// <paramref name="skipBadLines"/>, in which case it is listed in <see cref="SkippedLines"/>.
    /// </summary>
    public static TextCorpus Load(string path, ITokenizer tokenizer, bool skipBadLines = false)
    {
        var (docs, skipped) = ReadDocuments(path, skipBadLines);
        var corpus = FromDocuments(docs, tokenizer);
        return new TextCorpus(corpus.Tokens, corpus.Documents, skipped);
    }

    /// <summary>
    /// The documents of a .txt file (the whole file) or a .jsonl file (field "text" of each line), and
    /// the malformed lines skipped if <paramref name="skipBadLines"/> (otherwise they are errors).
    /// </summary>
    public static (List<string> Documents, List<string> SkippedLines) ReadDocuments(string path, bool skipBadLines = false)
    {
        if (!File.Exists(path)) throw new RealmException($"{path}: file not found");
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        if (!jsonl)
        {
            var text = File.ReadAllText(path);
            if (text.Length == 0) throw new RealmException($"{path}: file is empty");
            return ([text], []);
        }
        var docs = new List<string>();
        var skipped = new List<string>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? problem = null;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) problem = "not a JSON object";
                else if (!doc.RootElement.TryGetProperty("text", out var t)) problem = "missing field \"text\"";
                else if (t.ValueKind != JsonValueKind.String) problem = "field \"text\" is not a string";
                else docs.Add(t.GetString()!);
            }
            catch (JsonException e)
            {
                problem = "invalid JSON: " + e.Message.Split('.')[0];
            }
            if (problem == null) continue;
            string message = $"{path}:{lineNo}: {problem}";
            if (!skipBadLines) throw new RealmException(message + " (use --skip-bad-lines to skip such lines)");
            skipped.Add(message);
        }
        if (docs.Count == 0) throw new RealmException($"{path}: no documents");
        return (docs, skipped);
    }
}
