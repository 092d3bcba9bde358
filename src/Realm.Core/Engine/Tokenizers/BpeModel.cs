using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Realm.Engine.Tokenizers;

/// <summary>
/// The byte-level BPE model: a piece of text becomes its UTF-8 bytes, one token each, and then the
/// ranked merges are applied lowest rank first (leftmost first among equals) with a priority queue over
/// a linked list of symbols, exactly as Hugging Face's <c>Word::merge_all</c>. Results are cached per
/// piece, since most pieces (words with their leading space) recur.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 200_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;

    [ThreadStatic] private static PriorityQueue<(int Position, int NewId), long>? t_queue;

    /// <param name="merges">Pairs of vocab tokens, highest priority first.</param>
    /// <param name="ignoreMerges">A piece that is itself in the vocab becomes that one token (Llama-3).</param>
    /// <exception cref="FormatException">a byte is missing from the vocab, or a merge names unknown tokens</exception>
    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        IgnoreMerges = ignoreMerges;
        Merges = merges;
        for (int b = 0; b < 256; b++)
        {
            string token = ByteLevelAlphabet.ToChar((byte)b).ToString();
            if (!vocab.TryGetValue(token, out _byteIds[b]))
                throw new FormatException($"the vocab has no token for byte 0x{b:X2} ('{token}'); only byte-level BPE vocabularies are supported");
        }

        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            string merged = left + right;
            if (!vocab.TryGetValue(left, out int leftId) || !vocab.TryGetValue(right, out int rightId) || !vocab.TryGetValue(merged, out int newId))
            {
                string missing = !vocab.ContainsKey(left) ? left : !vocab.ContainsKey(right) ? right : merged;
                throw new FormatException($"merge {rank} '{left} {right}': '{missing}' is not in the vocab");
            }
            // A repeated pair keeps its last rank, as in Hugging Face.
            _merges[PairKey(leftId, rightId)] = (rank, newId);
        }
    }

    public IReadOnlyDictionary<string, int> Vocab => _vocab;
    public IReadOnlyList<(string Left, string Right)> Merges { get; }
    public bool IgnoreMerges { get; }

    /// <summary>Appends the ids of one pre-tokenized piece.</summary>
    public void Encode(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty) return;
        if (_cacheBySpan.TryGetValue(piece, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }

        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rented = maxBytes > 512 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        Span<byte> bytes = rented ?? stackalloc byte[maxBytes];
        bytes = bytes[..Encoding.UTF8.GetBytes(piece, bytes)];
        int[] ids = (IgnoreMerges ? WholePieceId(bytes) : null) ?? Merge(bytes);
        if (rented != null) ArrayPool<byte>.Shared.Return(rented);

        if (_cache.Count < CacheCapacity) _cacheBySpan.TryAdd(piece, ids);
        output.AddRange(ids);
    }

    private int[]? WholePieceId(ReadOnlySpan<byte> bytes)
    {
        char[]? rented = bytes.Length > 256 ? ArrayPool<char>.Shared.Rent(bytes.Length) : null;
        Span<char> chars = rented ?? stackalloc char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteLevelAlphabet.ToChar(bytes[i]);
        bool found = _vocabBySpan.TryGetValue(chars[..bytes.Length], out int id);
        if (rented != null) ArrayPool<char>.Shared.Return(rented);
        return found ? [id] : null;
    }

    private int[] Merge(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        if (n == 1) return [_byteIds[bytes[0]]];

        // Symbols form a linked list; a merged-away symbol has id -1. next == n marks the end.
        var ids = new int[n];
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = _byteIds[bytes[i]];
            prev[i] = i - 1;
            next[i] = i + 1;
        }

        var queue = t_queue ??= new PriorityQueue<(int, int), long>();
        queue.Clear();
        for (int i = 0; i + 1 < n; i++) Enqueue(queue, ids, i, i + 1);

        while (queue.TryDequeue(out var top, out _))
        {
            int position = top.Position;
            if (ids[position] < 0) continue;
            int right = next[position];
            if (right >= n) continue;
            // Skip entries made stale by an earlier merge of either symbol.
            if (!_merges.TryGetValue(PairKey(ids[position], ids[right]), out var merge) || merge.NewId != top.NewId) continue;

            ids[position] = merge.NewId;
            ids[right] = -1;
            next[position] = next[right];
            if (next[position] < n) prev[next[position]] = position;
            if (prev[position] >= 0) Enqueue(queue, ids, prev[position], position);
            if (next[position] < n) Enqueue(queue, ids, position, next[position]);
        }

        int count = 0;
        for (int i = 0; i < n; i = next[i]) ids[count++] = ids[i];
        return ids[..count];
    }

    private void Enqueue(PriorityQueue<(int, int), long> queue, int[] ids, int left, int right)
    {
        if (_merges.TryGetValue(PairKey(ids[left], ids[right]), out var merge))
            queue.Enqueue((left, merge.NewId), ((long)merge.Rank << 32) | (uint)left);
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;
}
