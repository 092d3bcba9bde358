namespace Realm.Engine.Tokenizers;

/// <summary>
/// Hugging Face's <c>TemplateProcessing</c> for a single sequence: the ids to put before and after the
/// encoded text when special tokens are added (e.g. Llama-3's <c>&lt;|begin_of_text|&gt; $A</c>).
/// </summary>
internal sealed class TemplatePostProcessor(int[] before, int[] after)
{
    public static readonly TemplatePostProcessor None = new([], []);

    public int[] Apply(ReadOnlySpan<int> ids) => [.. before, .. ids, .. after];
}
