namespace Realm.Engine.Tokenizers;

/// <summary>
/// A token matched in the text as a whole string before pre-tokenisation (an entry of tokenizer.json's
/// <c>added_tokens</c>). <see cref="Special"/> ones are control tokens (skipped by
/// <c>skipSpecialTokens</c>, left as text when special tokens are not parsed).
/// </summary>
/// <param name="SingleWord">Only matched when not inside a word.</param>
/// <param name="LeftStrip">Also takes the whitespace before it.</param>
/// <param name="RightStrip">Also takes the whitespace after it.</param>
/// <param name="Normalized">Matched in the normalized text rather than the raw text.</param>
public sealed record AddedToken(
    int Id, string Content, bool Special, bool SingleWord = false, bool LeftStrip = false, bool RightStrip = false,
    bool Normalized = false);
