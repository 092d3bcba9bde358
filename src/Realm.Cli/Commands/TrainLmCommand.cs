using System.CommandLine;
using Realm.Data;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;
using Realm.Training;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm train-lm</c>: train a (small) model on a text or JSONL corpus, resumably.</summary>
internal static class TrainLmCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var d = new LmTrainingOptions();
        Option<T> Opt<T>(string name, T value, string description) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var data = new Option<string>("--data") { Description = "Corpus: a .txt file (one document) or .jsonl with a \"text\" field per line.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output directory: the final model, plus checkpoint/ for resuming.", Required = true };
        var init = new Option<string?>("--init") { Description = "Start from this model directory instead of fresh weights." };
        var dim = Opt("--dim", 256, "Hidden size of a fresh model.");
        var layers = Opt("--layers", 6, "Decoder layers of a fresh model.");
        var heads = Opt("--heads", 8, "Attention heads of a fresh model.");
        var kvHeads = Opt("--kv-heads", 4, "Key/value heads of a fresh model.");
        var ffn = Opt("--ffn", 688, "MLP intermediate size of a fresh model.");
        var steps = Opt("--steps", d.Steps, "Optimizer updates.");
        var batch = Opt("--batch", d.BatchSize, "Sequences per update.");
        var micro = Opt("--micro-batch", d.MicroBatch, "Sequences per forward/backward pass (gradient accumulation); 0: --batch.");
        var seq = Opt("--seq", d.SequenceLength, "Tokens per sequence.");
        var lr = Opt("--lr", d.LearningRate, "Peak learning rate.");
        var warmup = Opt("--warmup", d.WarmupSteps, "Linear warm-up steps.");
        var decay = Opt("--decay", "cosine", "Learning-rate decay after warm-up: cosine, linear or constant.");
        var minLr = Opt("--min-lr-ratio", d.MinLearningRateRatio, "Final learning rate as a fraction of the peak.");
        var clip = Opt("--clip", d.GradClip, "Global gradient-norm clip (0: off).");
        var wd = Opt("--weight-decay", d.Optimizer.WeightDecay, "AdamW decoupled weight decay (matrices only).");
        var evalEvery = Opt("--eval-every", d.EvalEvery, "Steps between held-out evaluations.");
        var evalFraction = Opt("--eval-fraction", d.EvalFraction, "Share of the corpus held out for evaluation.");
        var ckptEvery = Opt("--checkpoint-every", d.CheckpointEvery, "Steps between checkpoints (a killed run resumes from the last one).");
        var seed = Opt("--seed", d.Seed, "Seed for initialisation and data order.");
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Skip malformed JSONL lines (each is reported) instead of stopping." };
        var lora = new LoraFlags("Train LoRA adapters of this rank on the --init model instead of all its weights (0: full training). OUT then holds a PEFT adapter.",
            "q_proj,v_proj");
        var weights = WeightsOption.ForTraining();

        var command = new Command("train-lm", "Train a language model on a text corpus (resumes from OUT/checkpoint if present).")
        {
            data, outDir, init, dim, layers, heads, kvHeads, ffn, steps, batch, micro, seq, lr, warmup, decay, minLr, clip, wd,
            evalEvery, evalFraction, ckptEvery, seed, skipBad, weights,
        };
        lora.AddTo(command);
        common.AddTo(command);
        command.SetAction(result =>
        {
            WeightsOption.RefuseTraining(result, weights);
            var options = new LmTrainingOptions
            {
                Steps = result.GetValue(steps), BatchSize = result.GetValue(batch), MicroBatch = result.GetValue(micro),
                SequenceLength = result.GetValue(seq), LearningRate = result.GetValue(lr), WarmupSteps = result.GetValue(warmup),
                Decay = LearningRateSchedule.ParseDecay(result.GetValue(decay)!), MinLearningRateRatio = result.GetValue(minLr),
                GradClip = result.GetValue(clip), Optimizer = new AdamWOptions { WeightDecay = result.GetValue(wd) },
                EvalEvery = result.GetValue(evalEvery), EvalFraction = result.GetValue(evalFraction),
                CheckpointEvery = result.GetValue(ckptEvery), Seed = result.GetValue(seed),
            };
            options.Validate();
            string output = result.GetRequiredValue(outDir);
            string checkpoint = Path.Combine(output, "checkpoint");
            using var cpu = common.CreateCpu(result);

            ITokenizer tokenizer;
            LlamaModel model;
            string? initDir = result.GetValue(init);
            var loraConfig = lora.Read(result, initDir ?? "");
            // A resumed run builds its starting model as the first run did (the checkpoint checks it by hash), then loads the checkpoint over it.
            if (TrainingCheckpoint.Exists(checkpoint)) AnsiConsole.MarkupLine($"[yellow]resuming from {Markup.Escape(checkpoint)}[/]");
            if (loraConfig != null && initDir == null)
                throw new RealmException("--lora-rank needs --init: LoRA adapters are trained on an existing model");
            if (initDir != null)
            {
                tokenizer = TokenizerLoader.Load(initDir);
                model = LlamaModel.Load(initDir, cpu);
            }
            else
            {
                var byteTokenizer = new ByteTokenizer();
                tokenizer = byteTokenizer;
                var config = new LlamaConfig
                {
                    HiddenSize = result.GetValue(dim), NumHiddenLayers = result.GetValue(layers), NumAttentionHeads = result.GetValue(heads),
                    NumKeyValueHeads = result.GetValue(kvHeads), IntermediateSize = result.GetValue(ffn),
                    VocabSize = tokenizer.VocabSize, MaxPositionEmbeddings = options.SequenceLength,
                    TieWordEmbeddings = true, BosTokenId = byteTokenizer.BosId, EosTokenIds = [byteTokenizer.EosId],
                }.Validate("model size flags");
                model = new LlamaModel(config, cpu);
                model.InitializeRandom(options.Seed);
            }
            using var _ = model;
            using var adapters = loraConfig != null ? LoraAdapters.Create(model.Config, loraConfig, options.Seed) : null;
            model.Adapters = adapters;

            var corpus = TextCorpus.Load(result.GetRequiredValue(data), tokenizer, result.GetValue(skipBad));
            foreach (var line in corpus.SkippedLines) AnsiConsole.MarkupLine($"[yellow]skipped {Markup.Escape(line)}[/]");
            string trained = adapters == null ? "" : $", training {adapters.Layout.Total:N0} LoRA parameters";
            AnsiConsole.MarkupLine($"[grey]{corpus.Documents:N0} documents, {corpus.Tokens.Length:N0} tokens; model {model.ParameterCount:N0} parameters{trained} on {cpu}[/]");

            var trainer = new LanguageModelTrainer(model, tokenizer, corpus, options, output);
            TrainingProgressView.Run(trainer, options.Steps, CommandRunner.CtrlC());
            string files = adapters == null ? "config.json, model.safetensors" : "adapter_config.json, adapter_model.safetensors";
            AnsiConsole.MarkupLine($"[green]saved[/] {Markup.Escape(output)} ({files}, tokenizer.json)");
            return 0;
        });
        return command;
    }
}
