using System.CommandLine;
using System.Text.Json;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm generate</c>: sample a continuation from a model directory.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "Model directory (config.json + model.safetensors).", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text, encoded with the model's tokenizer.json after its BOS token, if it has one (as training documents start)." };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "Prompt as comma-separated token ids, e.g. 1,2,3." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 128 };
        var greedy = new Option<bool>("--greedy") { Description = "Always take the most likely token." };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature.", DefaultValueFactory = _ => 1f };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0: all).", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling threshold (1: off).", DefaultValueFactory = _ => 1f };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0UL };
        var stopIds = new Option<string?>("--stop-ids") { Description = "Comma-separated ids that end generation (default: the tokenizer's EOS, if any)." };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\": [...], \"logprobs\": [...]}: generated ids and each one's log-probability." };

        var command = new Command("generate", "Generate a continuation of a prompt with a KV cache.")
        {
            model, prompt, promptIds, maxNew, greedy, temperature, topK, topP, seed, stopIds, json,
        };
        common.AddTo(command);
        command.SetAction(result =>
        {
            string dir = result.GetRequiredValue(model);
            using var cpu = common.CreateCpu(result);
            using var llm = LlamaModel.Load(dir, cpu);
            ITokenizer? tokenizer = File.Exists(Path.Combine(dir, TokenizerLoader.FileName)) ? TokenizerLoader.Load(dir) : null;

            string? text = result.GetValue(prompt), ids = result.GetValue(promptIds);
            if ((text == null) == (ids == null)) throw new RealmException("give exactly one of --prompt or --prompt-ids");
            int[] input;
            if (ids != null) input = ParseIds(ids, "--prompt-ids");
            else if (tokenizer == null) throw new RealmException($"{dir}: no {TokenizerLoader.FileName}; use --prompt-ids");
            else input = tokenizer.BosId is int bos ? [bos, .. tokenizer.Encode(text!)] : tokenizer.Encode(text!); // as training documents start
            foreach (int id in input)
                if (id < 0 || id >= llm.Config.VocabSize)
                    throw new RealmException($"--prompt-ids: token id {id} is outside the vocabulary of {dir} (vocab_size {llm.Config.VocabSize})");
            if (input.Length == 0) throw new RealmException("the prompt is empty");

            var stops = result.GetValue(stopIds) is { } s ? ParseIds(s, "--stop-ids")
                : tokenizer?.EosId is int eos ? [eos] : llm.Config.EosTokenIds;
            var options = new SamplingOptions
            {
                MaxNewTokens = result.GetValue(maxNew), Greedy = result.GetValue(greedy), Temperature = result.GetValue(temperature),
                TopK = result.GetValue(topK), TopP = result.GetValue(topP), Seed = result.GetValue(seed), StopTokens = stops,
            };
            options.Validate();
            using var generator = new Generator(llm, maxBatch: 1, maxLength: input.Length + options.MaxNewTokens);
            var completion = generator.Generate([input], options)[0];

            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { ids = completion.Tokens, logprobs = completion.Logprobs }));
                return 0;
            }
            if (tokenizer != null)
            {
                AnsiConsole.Markup("[grey]" + Markup.Escape(Decode(tokenizer, input)) + "[/]");
                Console.WriteLine(Decode(tokenizer, completion.Tokens));
            }
            else Console.WriteLine(string.Join(",", completion.Tokens));
            double meanLp = completion.Logprobs.Length == 0 ? 0 : completion.Logprobs.Average();
            AnsiConsole.MarkupLine($"[grey]{completion.Tokens.Length} tokens, finish: {completion.FinishReason.ToString().ToLowerInvariant()}, mean log-prob {meanLp:F3}[/]");
            return 0;
        });
        return command;
    }

    // A model's vocab_size may exceed the tokenizer's (padding rows); show such ids instead of failing.
    private static string Decode(ITokenizer tokenizer, int[] ids) =>
        ids.All(id => id < tokenizer.VocabSize) ? tokenizer.Decode(ids)
            : string.Concat(ids.Select(id => id < tokenizer.VocabSize ? tokenizer.Decode([id]) : $"<|id:{id}|>"));

    internal static int[] ParseIds(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out ids[i]))
                throw new RealmException($"{option}: '{parts[i]}' is not an integer token id");
        return ids;
    }
}
