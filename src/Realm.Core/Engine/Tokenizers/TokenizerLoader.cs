using System.Text.Json;
using Realm.Engine.IO;

namespace Realm.Engine.Tokenizers;

/// <summary>Loads the tokenizer of a model directory from its Hugging Face tokenizer.json.</summary>
public static class TokenizerLoader
{
    public const string FileName = "tokenizer.json";

    /// <summary>
    /// <paramref name="path"/> is a model directory or the tokenizer.json file itself. The project's own
    /// byte tokenizer files give a <see cref="ByteTokenizer"/>; other byte-level BPE files (GPT-2, Qwen,
    /// Llama-3, trained ones) a <see cref="BpeTokenizer"/> with the tokenizer_config.json beside them.
    /// </summary>
    public static ITokenizer Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        byte[] bytes = JsonFile.ReadAllBytes(file);
        using JsonDocument document = JsonFile.ParseObject(file, bytes);
        return ByteTokenizer.TryFromTokenizerJson(document.RootElement, out ByteTokenizer? byteTokenizer)
            ? byteTokenizer
            : BpeTokenizer.FromJson(file, bytes, document.RootElement);
    }
}
