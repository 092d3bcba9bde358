using Realm.Engine.Model;

namespace Realm.Engine.Generation;

/// <summary>
/// Continuous batching: one thread owns the model's packed weights, a KV cache of fixed slots and the
/// activations, and runs decoding steps for whatever sequences are active. Sequences join between steps
/// (a new prompt is prefilled into a free slot in the same <see cref="LlamaModel.Extend"/> call that
/// decodes the others) and leave when they finish or are cancelled, freeing their slot at once.
/// <para>
/// A sequence's arithmetic never depends on what else runs: every kernel computes each row on its own, a
/// prompt is always prefilled in the same chunks (<see cref="PrefillChunk"/> tokens from its start), and
/// each sequence samples from its own random stream. So greedy results, and seeded sampled ones, are
/// identical whatever the load.
/// </para>
/// </summary>
public sealed class ContinuousBatcher : IDisposable
{
    /// <summary>Prompt tokens of one sequence computed per step; fixed so that results do not depend on the load.</summary>
    public const int PrefillChunk = 256;

    // Prompt tokens of all sequences per step: bounds the delay a long prompt adds to others' next token.
    private const int PrefillTokensPerStep = 2 * PrefillChunk;

    private readonly LlamaModel _model;
    private readonly KvCache _cache;
    private readonly PackedWeights _weights;
    private readonly Activations _acts;
    private readonly float[] _logits;
    private readonly int[] _stepTokens;
    private readonly Sampler _sampler = new();
    private readonly BatchedSequence?[] _slots;
    private readonly Queue<BatchedSequence> _waiting = new();
    private readonly object _gate = new();
    private readonly Thread _thread;
    private bool _accepting = true, _disposed;
    private int _active;
    private long _completed;

    public ContinuousBatcher(LlamaModel model, ContinuousBatcherOptions options)
    {
        options.Validate();
        _model = model;
        MaxWaiting = options.MaxWaiting;
        ContextLength = Math.Min(options.ContextLength, model.Config.MaxPositionEmbeddings);
        _slots = new BatchedSequence?[options.Slots];
        _cache = new KvCache(model.Config, options.Slots, ContextLength);
        _weights = model.InferenceWeights ?? new PackedWeights(model);
        int rows = options.Slots + PrefillTokensPerStep;
        _acts = new Activations(model.Layout, rows, forTraining: false, logitBudget: 0);
        _stepTokens = new int[rows];
        _logits = new float[(long)options.Slots * model.Config.VocabSize];
        _thread = new Thread(Run) { IsBackground = true, Name = "realm batcher" };
        _thread.Start();
    }

    public int Slots => _slots.Length;

    /// <summary>Longest prompt + completion of a sequence, in tokens.</summary>
    public int ContextLength { get; }

    public int MaxWaiting { get; }

    /// <summary>Slots holding a sequence now.</summary>
    public int ActiveSequences => Volatile.Read(ref _active);

    public int WaitingSequences
    {
        get { lock (_gate) return _waiting.Count; }
    }

    /// <summary>Sequences that finished (not cancelled or failed) since the start.</summary>
    public long CompletedSequences => Interlocked.Read(ref _completed);

    /// <summary>Bytes of the KV cache, for people choosing slots and context.</summary>
    public long CacheBytes => _cache.Bytes;

    /// <summary>
    /// Queues sequences that start together (the choices of one request): all are accepted or none.
    /// A prompt that is empty, holds an id outside the vocabulary or does not fit the context with its
    /// MaxNewTokens is a RealmException.
    /// </summary>
    public SubmitStatus TrySubmit(IReadOnlyList<SequenceRequest> requests, out GenerationStream[] streams)
    {
        foreach (var request in requests) Check(request);
        streams = [];
        var sequences = requests.Select(r => new BatchedSequence(r)).ToArray();
        lock (_gate)
        {
            if (!_accepting) return SubmitStatus.ShuttingDown;
            if (_active + _waiting.Count + sequences.Length > Slots + MaxWaiting) return SubmitStatus.QueueFull;
            foreach (var sequence in sequences)
            {
                if (sequence.Request.Options.MaxNewTokens == 0) sequence.Stream.Finish(new Completion([], [], FinishReason.Length));
                else _waiting.Enqueue(sequence);
            }
            Monitor.PulseAll(_gate);
        }
        streams = sequences.Select(s => s.Stream).ToArray();
        return SubmitStatus.Accepted;
    }

    /// <summary>Refuses new work (<see cref="SubmitStatus.ShuttingDown"/>) while what was accepted runs on.</summary>
    public void StopAccepting()
    {
        lock (_gate) _accepting = false;
    }

    private void Check(SequenceRequest request)
    {
        request.Options.Validate();
        int[] prompt = request.Prompt;
        if (prompt.Length == 0) throw new RealmException("the prompt is empty");
        if (prompt.Length + request.Options.MaxNewTokens > ContextLength)
            throw new RealmException($"the prompt has {prompt.Length} tokens; with {request.Options.MaxNewTokens} new tokens that exceeds the context of {ContextLength}");
        foreach (int id in prompt)
            if ((uint)id >= (uint)_model.Config.VocabSize)
                throw new RealmException($"token id {id} is outside the vocabulary (size {_model.Config.VocabSize})");
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (!_disposed && _waiting.Count == 0 && _active == 0) Monitor.Wait(_gate);
                if (_disposed) return;
                Admit();
            }
            ReleaseCancelled();
            if (ActiveSequences == 0) continue;
            try
            {
                Step();
            }
            catch (Exception e)
            {
                foreach (var sequence in _slots.OfType<BatchedSequence>().ToArray()) Release(sequence, e);
            }
        }
    }

    // Under _gate: drops waiting sequences whose clients left (their queue places free at once, not when a
    // slot does), then moves waiting sequences into free slots.
    private void Admit()
    {
        for (int i = _waiting.Count; i > 0; i--)
        {
            var sequence = _waiting.Dequeue();
            if (sequence.Request.Cancel.IsCancellationRequested) sequence.Stream.Fail(new OperationCanceledException(sequence.Request.Cancel));
            else _waiting.Enqueue(sequence);
        }
        for (int slot = 0; slot < _slots.Length && _waiting.Count > 0; slot++)
        {
            if (_slots[slot] != null) continue;
            var sequence = _waiting.Dequeue();
            sequence.Slot = slot;
            _slots[slot] = sequence;
            _cache.Lengths[slot] = 0;
            _active++;
        }
    }

    private void ReleaseCancelled()
    {
        foreach (var sequence in _slots)
            if (sequence != null && sequence.Request.Cancel.IsCancellationRequested)
                Release(sequence, new OperationCanceledException(sequence.Request.Cancel));
    }

    // One Extend call: the next prompt chunk of sequences still prefilling (within the step's budget)
    // and the last sampled token of the others; then a token for every sequence whose prompt is complete.
    private void Step()
    {
        var members = new List<BatchedSequence>(_slots.Length);
        var counts = new List<int>(_slots.Length);
        int rows = 0, prefillRows = 0;
        foreach (var sequence in _slots)
        {
            if (sequence == null) continue;
            int[] prompt = sequence.Request.Prompt;
            int count;
            if (sequence.Prefilled < prompt.Length)
            {
                count = Math.Min(PrefillChunk, prompt.Length - sequence.Prefilled);
                if (prefillRows > 0 && prefillRows + count > PrefillTokensPerStep) continue;
                prompt.AsSpan(sequence.Prefilled, count).CopyTo(_stepTokens.AsSpan(rows));
                prefillRows += count;
            }
            else
            {
                count = 1;
                _stepTokens[rows] = sequence.Tokens[^1];
            }
            members.Add(sequence);
            counts.Add(count);
            rows += count;
        }

        int vocab = _model.Config.VocabSize;
        _model.Extend(_cache, _weights, _acts, _stepTokens.AsSpan(0, rows), members.Select(s => s.Slot).ToArray(), counts.ToArray(),
            _logits.AsSpan(0, members.Count * vocab));

        for (int i = 0; i < members.Count; i++)
        {
            var sequence = members[i];
            if (sequence.Prefilled < sequence.Request.Prompt.Length)
            {
                sequence.Prefilled += counts[i];
                if (sequence.Prefilled < sequence.Request.Prompt.Length) continue;
            }
            var options = sequence.Request.Options;
            int token = _sampler.Sample(_logits.AsSpan(i * vocab, vocab), options, ref sequence.Random, out float logprob, sequence.Context);
            sequence.Add(token, logprob);
            if (sequence.Stops.Contains(token)) Finish(sequence, FinishReason.Stop);
            else if (sequence.Tokens.Count >= options.MaxNewTokens) Finish(sequence, FinishReason.Length);
        }
    }

    private void Finish(BatchedSequence sequence, FinishReason reason)
    {
        Release(sequence, error: null);
        Interlocked.Increment(ref _completed);
        sequence.Stream.Finish(new Completion([.. sequence.Tokens], [.. sequence.Logprobs], reason));
    }

    private void Release(BatchedSequence sequence, Exception? error)
    {
        lock (_gate)
        {
            _slots[sequence.Slot] = null;
            _cache.Lengths[sequence.Slot] = 0;
            _active--;
        }
        if (error != null) sequence.Stream.Fail(error);
    }

    /// <summary>Stops the batching thread; sequences still running or waiting end with OperationCanceledException.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _accepting = false;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
        var stopped = new OperationCanceledException("the server is shutting down");
        foreach (var sequence in _slots.OfType<BatchedSequence>().ToArray()) Release(sequence, stopped);
        while (_waiting.TryDequeue(out var waiting)) waiting.Stream.Fail(stopped);
        _cache.Dispose();
        if (_weights != _model.InferenceWeights) _weights.Dispose();
        _acts.Dispose();
    }
}
