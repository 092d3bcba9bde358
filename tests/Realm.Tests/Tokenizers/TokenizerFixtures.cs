using System.IO.Compression;
using System.Text.Json;
using Realm.Engine.Tokenizers;

namespace Realm.Tests.Tokenizers;

/// <summary>
/// The reference tokenizers and encodings written by tools/tokenizers/make_fixtures.mjs (Hugging Face
/// tokenizers 0.23.2) under tests/fixtures/tokenizers. Gzipped files are unpacked into a temp directory.
/// </summary>
public static class TokenizerFixtures
{
    public static readonly string[] Names = ["gpt2", "qwen3", "llama3", "trained"];

    private static readonly Lazy<Parity> s_parity = new(LoadParity);
    private static readonly Dictionary<string, ITokenizer> s_tokenizers = new();
    private static readonly string s_unpacked = System.IO.Directory.CreateTempSubdirectory("realm-tokenizers-").FullName;

    public static string Root => Path.Combine(Fixtures.Root, "tokenizers");

    public static Parity Expected => s_parity.Value;

    /// <summary>A directory holding the fixture's tokenizer.json and tokenizer_config.json.</summary>
    public static string Directory(string name)
    {
        string source = Path.Combine(Root, name);
        if (File.Exists(Path.Combine(source, TokenizerLoader.FileName))) return source;
        string target = Path.Combine(s_unpacked, name);
        lock (s_tokenizers)
        {
            if (!File.Exists(Path.Combine(target, TokenizerLoader.FileName)))
            {
                System.IO.Directory.CreateDirectory(target);
                File.Copy(Path.Combine(source, "tokenizer_config.json"), Path.Combine(target, "tokenizer_config.json"), overwrite: true);
                File.WriteAllBytes(Path.Combine(target, TokenizerLoader.FileName), Gunzip(Path.Combine(source, "tokenizer.json.gz")));
            }
        }
        return target;
    }

    /// <summary>The fixture loaded once per test run (Qwen's and Llama-3's take a moment to load).</summary>
    public static ITokenizer Load(string name)
    {
        string dir = Directory(name);
        lock (s_tokenizers)
        {
            if (!s_tokenizers.TryGetValue(name, out ITokenizer? tokenizer)) s_tokenizers[name] = tokenizer = TokenizerLoader.Load(dir);
            return tokenizer;
        }
    }

    public static byte[] Gunzip(string path)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public sealed record Expectations(int[][] Ids, int[][] IdsNoSpecial, int[][] IdsAddSpecial, string[] Decoded, string[] DecodedSkipSpecial);

    public sealed record Parity(string[] Texts, Dictionary<string, Expectations> Tokenizers, int TrainedVocabSize, string[] TrainedSpecialTokens);

    private static Parity LoadParity()
    {
        using JsonDocument document = JsonDocument.Parse(Gunzip(Path.Combine(Root, "parity.json.gz")));
        JsonElement root = document.RootElement;
        var tokenizers = root.GetProperty("tokenizers").EnumerateObject().ToDictionary(
            entry => entry.Name,
            entry => new Expectations(
                IdLists(entry.Value, "ids"), IdLists(entry.Value, "ids_no_special"), IdLists(entry.Value, "ids_add_special"),
                Strings(entry.Value.GetProperty("decoded")), Strings(entry.Value.GetProperty("decoded_skip_special"))));
        JsonElement trained = root.GetProperty("trained");
        return new Parity(Strings(root.GetProperty("texts")), tokenizers,
            trained.GetProperty("vocabSize").GetInt32(), Strings(trained.GetProperty("special")));
    }

    private static int[][] IdLists(JsonElement parent, string name) =>
        parent.GetProperty(name).EnumerateArray().Select(list => list.EnumerateArray().Select(id => id.GetInt32()).ToArray()).ToArray();

    private static string[] Strings(JsonElement list) => list.EnumerateArray().Select(s => s.GetString()!).ToArray();
}
