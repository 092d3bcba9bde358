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
        var weights = new WeightsOption();
        var model = new Option<string>("--model") { Description = "Model directory (config.json + model.safetensors).", Required = true };
        var adapter = new AdapterOption();
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text, encoded with the model's tokenizer.json after its BOS token, if it has one (as training documents start)." };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "Prompt as comma-separated token ids, e.g. 1,2,3." };
        var sampling = new SamplingFlags(defaultMaxNewTokens: 128);
        var stopIds = new Option<string?>("--stop-ids")
        {
            Description = "Comma-separated ids that end generation (default: generation_config.json's eos_token_id and the tokenizer's EOS, or config.json's eos_token_id).",
        };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\": [...], \"logprobs\": [...]}: generated ids and each one's log-probability." };

        var command = new Command("generate", "Generate a continuation of a prompt with a KV cache.") { model, adapter.Option, prompt, promptIds, stopIds, json };
        sampling.AddTo(command);
        weights.AddTo(command);
        common.AddTo(command);
        command.SetAction(result =>
        {
            string dir = result.GetRequiredValue(model);
            var weightChoice = weights.Read(result);
            using var cpu = common.CreateCpu(result);
            using var adapters = adapter.Load(result, dir);
            using var llm = ModelWeights.Load(weightChoice, dir, cpu, adapters);
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

            var generation = GenerationConfig.LoadIfPresent(dir);
            var stops = result.GetValue(stopIds) is { } s ? ParseIds(s, "--stop-ids") : SamplingDefaults.StopTokens(generation, tokenizer, llm.Config);
            var options = SamplingDefaults.Resolve(sampling.Read(result), generation, input.Length, sampling.DefaultMaxNewTokens) with { StopTokens = stops };
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
                AnsiConsole.Markup("[grey]" + Markup.Escape(tokenizer.DecodeForDisplay(input)) + "[/]");
                Console.WriteLine(tokenizer.DecodeForDisplay(completion.Tokens));
            }
            else Console.WriteLine(string.Join(",", completion.Tokens));
            double meanLp = completion.Logprobs.Length == 0 ? 0 : completion.Logprobs.Average();
            AnsiConsole.MarkupLine($"[grey]{completion.Tokens.Length} tokens, finish: {completion.FinishReason.ToString().ToLowerInvariant()}, mean log-prob {meanLp:F3}[/]");
            return 0;
        });
        return command;
    }

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
