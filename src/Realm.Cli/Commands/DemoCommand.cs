using System.CommandLine;
using System.Diagnostics;
using Realm.Cli.Demo;
using Realm.Data;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Training;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary>
/// <c>realm demo</c>: the engine end to end on built-in data — train a small byte-level model from
/// scratch on procedurally generated arithmetic chains, then solve unseen problems with KV-cache decoding.
/// (The ReaLM method itself — distillation, MRPV, EAAI — joins this demo as it is built.)
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var steps = new Option<int>("--steps") { Description = "Training steps.", DefaultValueFactory = _ => 1500 };
        var outDir = new Option<string>("--out") { Description = "Where the trained model and its checkpoint go.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var seed = new Option<ulong>("--seed") { Description = "Seed for data, initialisation and training order.", DefaultValueFactory = _ => 1UL };
        var testCount = new Option<int>("--test-problems") { Description = "Unseen problems to evaluate on.", DefaultValueFactory = _ => 200 };
        var command = new Command("demo", "Train a small model from scratch on built-in arithmetic chains and evaluate it (a few minutes on a laptop CPU).")
        {
            steps, outDir, seed, testCount,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            using var cpu = common.CreateCpu(result);
            ulong s = result.GetValue(seed);
            int stepCount = result.GetValue(steps);
            string output = result.GetValue(outDir)!;
            var tokenizer = new ByteTokenizer();

            AnsiConsole.Write(new Rule("[bold]ReaLM for .NET — engine demo[/]").LeftJustified());
            var train = ArithmeticProblems.Make(20_000, s);
            var seen = train.Select(p => p.Question).ToHashSet();
            var test = ArithmeticProblems.Make(result.GetValue(testCount), s + 1, seen);
            AnsiConsole.MarkupLine($"data: {train.Count:N0} training problems, {test.Count} unseen test problems, e.g.");
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(train[0].Document.Replace("\n", " ⏎ "))}[/]");

            var config = new LlamaConfig
            {
                HiddenSize = 128, IntermediateSize = 352, NumHiddenLayers = 4, NumAttentionHeads = 4, NumKeyValueHeads = 2,
                VocabSize = tokenizer.VocabSize, MaxPositionEmbeddings = 128, TieWordEmbeddings = true,
                BosTokenId = tokenizer.BosId, EosTokenIds = [tokenizer.EosId],
            }.Validate("demo model");
            using var model = new LlamaModel(config, cpu);
            model.InitializeRandom(s);
            AnsiConsole.MarkupLine($"model: Llama-style, {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumAttentionHeads} heads ({config.NumKeyValueHeads} KV), {model.ParameterCount:N0} parameters, byte tokenizer; {cpu}");

            var options = new LmTrainingOptions
            {
                Steps = stepCount, BatchSize = 32, SequenceLength = 64, LearningRate = 3e-3f, WarmupSteps = Math.Min(50, stepCount / 10),
                EvalEvery = Math.Max(1, stepCount / 5), CheckpointEvery = Math.Max(1, stepCount / 5), Seed = s,
            };
            var corpus = TextCorpus.FromDocuments(train.Select(p => p.Document), tokenizer);
            var trainer = new LanguageModelTrainer(model, tokenizer, corpus, options, output);
            if (TrainingCheckpoint.Exists(trainer.CheckpointDirectory))
                AnsiConsole.MarkupLine($"[yellow]resuming from {Markup.Escape(trainer.CheckpointDirectory)} (delete {Markup.Escape(output)} or pass --out to start over)[/]");
            var clock = Stopwatch.StartNew();
            var trained = TrainingProgressView.Run(trainer, options.Steps, CommandRunner.CtrlC());
            double trainSeconds = clock.Elapsed.TotalSeconds;

            using var generator = new Generator(model, maxBatch: 64, maxLength: config.MaxPositionEmbeddings);
            var prompts = test.Select(p => new[] { tokenizer.BosId }.Concat(tokenizer.Encode(p.Prompt)).ToArray()).ToArray();
            clock.Restart();
            var completions = generator.Generate(prompts, new SamplingOptions { Greedy = true, MaxNewTokens = 60, StopTokens = [tokenizer.EosId] });
            double genSeconds = clock.Elapsed.TotalSeconds;
            int generated = completions.Sum(c => c.Tokens.Length);
            var texts = completions.Select(c => tokenizer.Decode(c.Tokens, skipSpecialTokens: true)).ToArray();
            int correct = test.Where((p, i) => ArithmeticProblems.ParseAnswer(texts[i]) == p.Answer).Count();

            var examples = new Table().AddColumns("question", "model's solution", "");
            for (int i = 0; i < Math.Min(4, test.Count); i++)
            {
                bool ok = ArithmeticProblems.ParseAnswer(texts[i]) == test[i].Answer;
                examples.AddRow(Markup.Escape(test[i].Question), Markup.Escape(texts[i].Trim()), ok ? "[green]✓[/]" : "[red]✗[/]");
            }
            AnsiConsole.Write(examples);
            var summary = new Table().AddColumns("result", "value");
            summary.AddRow("accuracy on unseen problems (greedy)", $"{correct}/{test.Count} = {(double)correct / test.Count:P1}");
            summary.AddRow("training", trained.Resumed
                ? $"steps {trained.StartStep + 1}–{trained.EndStep} of {options.Steps} in {trainSeconds:F0} s (resumed)"
                : $"{options.Steps} steps, {trainSeconds:F0} s");
            summary.AddRow("decoding", $"{generated:N0} tokens in {genSeconds:F1} s = {generated / genSeconds:N0} tokens/s");
            summary.AddRow("model saved to", Markup.Escape(output));
            AnsiConsole.Write(summary);
            return 0;
        });
        return command;
    }
}
