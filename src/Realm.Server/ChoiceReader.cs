using System.Text;
using Realm.Engine.Generation;
using Realm.Engine.Tokenizers;

namespace Realm.Server;

/// <summary>How one choice ended: its text, the tokens it took and OpenAI's finish_reason ("stop" or "length").</summary>
internal sealed record ChoiceResult(int Index, string Text, int CompletionTokens, string FinishReason);

/// <summary>
/// Follows one generated sequence: decodes its tokens into text as they come (holding back incomplete
/// characters and anything that may begin a stop sequence), hides the stop token and special tokens (as
/// vLLM does by default; they still count as completion tokens), and ends the sequence early when a stop
/// sequence appears, which frees its slot.
/// </summary>
internal sealed class ChoiceReader(ServedModel model, GenerationPlan plan)
{
    /// <param name="cancel">Cancels this choice's sequence; cancelled here when a stop sequence is found.</param>
    /// <param name="onText">Called with each new piece of text, in order (streaming); may be null.</param>
    public async Task<ChoiceResult> ReadAsync(int index, GenerationStream stream, CancellationTokenSource cancel, Func<string, Task>? onText)
    {
        var stopIds = plan.Options.StopTokens;
        var decoder = new IncrementalDecoder(model.Tokenizer);
        var matcher = new StopTextMatcher(plan.StopTexts);
        var text = new StringBuilder();
        int tokens = 0;

        async Task Show(string piece)
        {
            if (piece.Length == 0) return;
            text.Append(piece);
            if (onText != null) await onText(piece);
        }

        await foreach (int token in stream.Tokens.ReadAllAsync())
        {
            tokens++;
            if (stopIds.Contains(token)) break;
            if (model.Tokenizer.IsSpecial(token)) continue;
            await Show(matcher.Push(decoder.Push(token)));
            if (matcher.Stopped)
            {
                cancel.Cancel();
                return new ChoiceResult(index, text.ToString(), tokens, "stop");
            }
        }
        var completion = await stream.Completion;
        await Show(matcher.Push(decoder.Flush()));
        if (!matcher.Stopped) await Show(matcher.Flush());
        string finish = completion.FinishReason == FinishReason.Stop || matcher.Stopped ? "stop" : "length";
        return new ChoiceResult(index, text.ToString(), tokens, finish);
    }
}
