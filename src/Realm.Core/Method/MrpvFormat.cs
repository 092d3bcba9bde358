namespace Realm.Method;

/// <summary>
/// The text format of MRPV prompts and answers (docs/method.md, "Text format"). A prompt is the question, the shown routes
/// labelled "Route 1..K", then "A:"; the model answers with a &lt;verify&gt; block (one verdict per shown
/// route; absent when no routes are shown), a &lt;think&gt; block with its own steps, and "Answer: X".
/// The four markers are special tokens of the project's tokenizers, so each costs one token.
/// </summary>
public static class MrpvFormat
{
    public const string VerifyOpen = "<verify>";
    public const string VerifyClose = "</verify>";
    public const string ThinkOpen = "<think>";
    public const string ThinkClose = "</think>";

    /// <summary>Special tokens every ReaLM tokenizer carries (after bos/eos/pad).</summary>
    public static readonly string[] SpecialTokens = [VerifyOpen, VerifyClose, ThinkOpen, ThinkClose];

    public const string Correct = "correct";
    public const string Wrong = "wrong";
}
