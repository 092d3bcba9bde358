using System.Text;

namespace Realm.Engine.Tokenizers;

/// <summary>What <see cref="BpeTrainer"/> learns.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>Target size: 256 bytes + special tokens + merges. Fewer if the corpus runs out of repeated pairs.</summary>
    public int VocabSize { get; init; } = 1024;

    /// <summary>Special tokens after BOS, EOS and padding (which are ByteTokenizer's), e.g. &lt;verify&gt;.</summary>
    public IReadOnlyList<string> ExtraSpecialTokens { get; init; } = [];

    /// <summary>A pair is merged only if it occurs at least this often.</summary>
    public int MinPairCount { get; init; } = 2;

    /// <summary>
    /// False keeps numbers digit by digit (no merge is learned inside a pre-token that holds a digit):
    /// small models learn arithmetic far more easily when "36" is always "3", "6".
    /// </summary>
    public bool MergeDigits { get; init; } = true;

    public void Validate()
    {
        int specials = 3 + ExtraSpecialTokens.Count;
        if (VocabSize < ByteTokenizer.ByteCount + specials)
            throw new RealmException($"vocab size {VocabSize} is too small: the 256 bytes and {specials} special tokens need {ByteTokenizer.ByteCount + specials}");
        if (MinPairCount < 1) throw new RealmException($"minimum pair count {MinPairCount} must be at least 1");
        string[] all = [ByteTokenizer.BosToken, ByteTokenizer.EosToken, ByteTokenizer.PadToken, .. ExtraSpecialTokens];
        if (all.FirstOrDefault(string.IsNullOrEmpty) != null) throw new RealmException("special tokens must not be empty");
        if (all.GroupBy(t => t).FirstOrDefault(g => g.Count() > 1) is { } twice) throw new RealmException($"special token '{twice.Key}' is listed twice");
    }
}

/// <summary>
/// Learns byte-level BPE merges from documents, for the project's own models. Ids 0–255 are the bytes
/// (as in <see cref="ByteTokenizer"/>), then BOS, EOS, padding and the extra special tokens, then one
/// token per merge. Text is pre-tokenized as GPT-2 does (special-token strings are cut out first and
/// never learned); the most frequent adjacent pair is merged each round, ties going to the smaller
/// (left id, right id), so the result depends only on the documents and the options.
/// </summary>
public static class BpeTrainer
{
    public static BpeTokenizer Train(IEnumerable<string> documents, BpeTrainerOptions options)
    {
        options.Validate();
        List<string> tokens = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ToChar((byte)b).ToString()).ToList();
        var specialIds = new List<int>();
        foreach (string special in (string[])[ByteTokenizer.BosToken, ByteTokenizer.EosToken, ByteTokenizer.PadToken, .. options.ExtraSpecialTokens])
        {
            specialIds.Add(tokens.Count);
            tokens.Add(special);
        }

        var words = CountWords(documents, specialIds.Select(id => new AddedToken(id, tokens[id], Special: true)), options.MergeDigits);
        var merges = new PairMerger(words, tokens).Run(options.VocabSize, options.MinPairCount);

        byte[] tokenizerJson = BpeTokenizerWriter.WriteTokenizerJson(tokens, specialIds, merges);
        byte[] configJson = BpeTokenizerWriter.WriteConfig(ByteTokenizer.BosToken, ByteTokenizer.EosToken, ByteTokenizer.PadToken,
            addBos: true, options.ExtraSpecialTokens);
        using var document = System.Text.Json.JsonDocument.Parse(tokenizerJson);
        return BpeTokenizer.FromJson("(trained tokenizer)", tokenizerJson, document.RootElement, TokenizerConfig.FileName, configJson);
    }

    /// <summary>Each distinct GPT-2 pre-token as its byte ids, with how often it occurs.</summary>
    private static List<(int[] Symbols, long Count)> CountWords(IEnumerable<string> documents, IEnumerable<AddedToken> specialTokens,
        bool mergeDigits)
    {
        var specials = new AddedTokenMatcher(specialTokens);
        var preTokenizer = new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var countsBySpan = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var segments = new List<Segment>();
        var pieces = new List<ReadOnlyMemory<char>>();
        foreach (string document in documents)
        {
            segments.Clear();
            specials.Split(document, 0, document.Length, matchSpecial: true, segments);
            foreach (Segment segment in segments)
            {
                if (segment.Added != null) continue;
                pieces.Clear();
                preTokenizer.Split(document.AsMemory(segment.Start, segment.End - segment.Start), pieces);
                foreach (ReadOnlyMemory<char> piece in pieces)
                {
                    if (!mergeDigits && piece.Span.IndexOfAnyInRange('0', '9') >= 0) continue;
                    countsBySpan.TryGetValue(piece.Span, out long count);
                    countsBySpan[piece.Span] = count + 1;
                }
            }
        }
        // Sorted, so that nothing depends on hash order.
        return counts.OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .Select(entry => (Encoding.UTF8.GetBytes(entry.Key).Select(b => (int)b).ToArray(), entry.Value))
            .ToList();
    }

    /// <summary>
    /// The merge loop: pair counts over all words, a max-heap of pairs refreshed lazily (an entry whose
    /// count has since dropped is re-queued with the current count), and for each merge only the words
    /// that contain the pair are rewritten.
    /// </summary>
    private sealed class PairMerger(List<(int[] Symbols, long Count)> words, List<string> tokens)
    {
        private readonly Dictionary<long, long> _pairCounts = new();
        private readonly Dictionary<long, HashSet<int>> _wordsWithPair = new();
        private readonly Dictionary<string, int> _ids = tokens.Select((token, id) => (token, id)).ToDictionary(p => p.token, p => p.id, StringComparer.Ordinal);
        // Highest count first, then the smallest pair.
        private readonly PriorityQueue<long, (long Count, long Pair)> _queue = new(Comparer<(long Count, long Pair)>.Create(
            (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Pair.CompareTo(b.Pair)));

        public List<(string Left, string Right)> Run(int vocabSize, int minPairCount)
        {
            for (int w = 0; w < words.Count; w++) AddPairs(w, +1);
            foreach (var (pair, count) in _pairCounts) _queue.Enqueue(pair, (count, pair));

            var merges = new List<(string, string)>();
            var touched = new HashSet<long>();
            while (_ids.Count < vocabSize && _queue.TryDequeue(out long pair, out var queued))
            {
                long count = _pairCounts.GetValueOrDefault(pair);
                if (count != queued.Count)
                {
                    if (count > 0) _queue.Enqueue(pair, (count, pair));
                    continue;
                }
                if (count < minPairCount) break;

                int left = (int)(pair >> 32), right = (int)pair;
                string merged = tokens[left] + tokens[right];
                // Two merge orders can spell the same token (a+bc, ab+c): it keeps one id, as in Hugging Face.
                if (!_ids.TryGetValue(merged, out int mergedId))
                {
                    mergedId = tokens.Count;
                    tokens.Add(merged);
                    _ids[merged] = mergedId;
                }
                merges.Add((tokens[left], tokens[right]));

                touched.Clear();
                foreach (int w in _wordsWithPair[pair].ToArray()) MergeInWord(w, left, right, mergedId, touched);
                foreach (long changed in touched)
                    if (_pairCounts.GetValueOrDefault(changed) is > 0 and var current) _queue.Enqueue(changed, (current, changed));
            }
            return merges;
        }

        private void MergeInWord(int w, int left, int right, int mergedId, HashSet<long> touched)
        {
            int[] symbols = words[w].Symbols;
            var merged = new List<int>(symbols.Length);
            for (int i = 0; i < symbols.Length; i++)
            {
                if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
                {
                    merged.Add(mergedId);
                    i++;
                }
                else merged.Add(symbols[i]);
            }
            if (merged.Count == symbols.Length) return;
            AddPairs(w, -1);
            words[w] = (merged.ToArray(), words[w].Count);
            AddPairs(w, +1, touched);
        }

        /// <summary>Adds (or with sign −1 removes) the word's pairs to the counts; new pairs go into <paramref name="touched"/>.</summary>
        private void AddPairs(int w, int sign, HashSet<long>? touched = null)
        {
            var (symbols, count) = words[w];
            for (int i = 0; i + 1 < symbols.Length; i++)
            {
                long pair = ((long)symbols[i] << 32) | (uint)symbols[i + 1];
                long updated = _pairCounts.GetValueOrDefault(pair) + sign * count;
                if (updated == 0) _pairCounts.Remove(pair);
                else _pairCounts[pair] = updated;
                if (sign > 0)
                {
                    if (!_wordsWithPair.TryGetValue(pair, out var where)) _wordsWithPair[pair] = where = [];
                    where.Add(w);
                    touched?.Add(pair);
                }
            }
        }
    }
}
