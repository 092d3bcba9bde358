using System.CommandLine;
using System.Text.Json;
using Realm.Engine.Tokenizers;

namespace Realm.Cli.Commands;

/// <summary><c>realm tokenize</c>: show how a tokenizer.json encodes a text file.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerPath = new Option<string>("--tokenizer") { Description = "A tokenizer.json file, or a model directory that has one (tokenizer_config.json beside it is read too).", Required = true };
        var textFile = new Option<string>("--text-file") { Description = "UTF-8 text to encode, the whole file as one text.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\": [...]} only." };
        var addSpecial = new Option<bool>("--add-special") { Description = "Add the tokens the tokenizer's post-processor puts around a text (e.g. Llama-3's BOS)." };
        var noParseSpecial = new Option<bool>("--no-parse-special") { Description = "Treat special-token strings in the text as plain text." };

        var command = new Command("tokenize", "Encode a text file with a Hugging Face tokenizer.json and print the token ids.")
        {
            tokenizerPath, textFile, json, addSpecial, noParseSpecial,
        };
        command.SetAction(result =>
        {
            string path = result.GetRequiredValue(textFile);
            if (!File.Exists(path)) throw new RealmException($"{path}: file not found");
            string text = File.ReadAllText(path);
            ITokenizer tokenizer = TokenizerLoader.Load(result.GetRequiredValue(tokenizerPath));

            int[] ids = tokenizer.Encode(text, parseSpecialTokens: !result.GetValue(noParseSpecial));
            if (result.GetValue(addSpecial)) ids = tokenizer.WithSpecialTokens(ids);

            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { ids }));
                return 0;
            }
            Console.WriteLine($"{ids.Length} tokens from {text.Length} characters");
            foreach (int id in ids)
                Console.WriteLine($"{id,8}  {(tokenizer.IsSpecial(id) ? "special " : "        ")}{tokenizer.TokenToString(id)}");
            return 0;
        });
        return command;
    }
}
