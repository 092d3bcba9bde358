using Realm.Engine.IO;

namespace Realm.Engine.Model;

/// <summary>
/// The files of a Hugging Face model directory that describe its tokenizer and generation, not its weights.
/// A model written from another (merged, or fine-tuned in full) takes them along, so it reads and stops
/// like the original (chat template, EOS, sampling defaults).
/// </summary>
public static class ModelSideFiles
{
    public static readonly IReadOnlyList<string> Names =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "vocab.json", "merges.txt"];

    /// <summary>Copies those of <see cref="Names"/> that <paramref name="from"/> has into <paramref name="to"/>, each atomically.</summary>
    public static void Copy(string from, string to)
    {
        foreach (var name in Names.Where(n => File.Exists(Path.Combine(from, n))))
            AtomicFile.Write(Path.Combine(to, name), stream =>
            {
                using var source = File.OpenRead(Path.Combine(from, name));
                source.CopyTo(stream);
            });
    }
}
