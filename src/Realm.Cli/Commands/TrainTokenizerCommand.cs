using System.CommandLine;
using System.Diagnostics;
using Realm.Data;
using Realm.Engine.Tokenizers;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm train-tokenizer</c>: learn a byte-level BPE tokenizer from a corpus.</summary>
internal static class TrainTokenizerCommand
{
    public static Command Create()
    {
        var defaults = new BpeTrainerOptions();
        var data = new Option<string>("--data") { Description = "Corpus: a .txt file (one document) or .jsonl with a \"text\" field per line.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Directory for tokenizer.json and tokenizer_config.json.", Required = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Target vocabulary size: 256 bytes + special tokens + merges.", DefaultValueFactory = _ => defaults.VocabSize };
        var special = new Option<string[]>("--special") { Description = "An extra special token after <|bos|>, <|eos|>, <|pad|> (repeatable), e.g. --special '<verify>'.", AllowMultipleArgumentsPerToken = true };
        var minCount = new Option<int>("--min-pair-count") { Description = "Merge only pairs seen at least this often.", DefaultValueFactory = _ => defaults.MinPairCount };
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Skip malformed JSONL lines (each is reported) instead of stopping." };

        var command = new Command("train-tokenizer", "Learn byte-level BPE merges (GPT-2 pre-tokenization) and write a Hugging Face tokenizer.json.")
        {
            data, outDir, vocabSize, special, minCount, skipBad,
        };
        command.SetAction(result =>
        {
            var options = new BpeTrainerOptions
            {
                VocabSize = result.GetValue(vocabSize), ExtraSpecialTokens = result.GetValue(special) ?? [], MinPairCount = result.GetValue(minCount),
            };
            options.Validate();
            var (documents, skipped) = TextCorpus.ReadDocuments(result.GetRequiredValue(data), result.GetValue(skipBad));
            foreach (var line in skipped) AnsiConsole.MarkupLine($"[yellow]skipped {Markup.Escape(line)}[/]");

            var clock = Stopwatch.StartNew();
            BpeTokenizer tokenizer = BpeTrainer.Train(documents, options);
            string output = result.GetRequiredValue(outDir);
            tokenizer.Save(output);
            AnsiConsole.MarkupLine($"[green]saved[/] {Markup.Escape(output)}: vocab {tokenizer.VocabSize} ({tokenizer.Merges.Count} merges) from {documents.Count:N0} documents in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
