using Realm.Engine.Compute;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Engine.Tokenizers;

namespace Realm.Method.FineTuning;

/// <summary>
/// The model <c>realm sft</c> and <c>realm rl</c> train: a model directory loaded with its tokenizer and
/// prompt format, and the adapters being trained — new ones, an adapter to continue, or none for full
/// fine-tuning. <see cref="Save"/> writes the result: the adapter (PEFT files) or the whole model.
/// </summary>
public sealed class FineTuneModel : IDisposable
{
    public LlamaModel Model { get; }
    public LoraAdapters? Adapters { get; }
    public PromptFormat Format { get; }
    public string Directory { get; }

    private FineTuneModel(LlamaModel model, LoraAdapters? adapters, PromptFormat format, string directory)
    {
        Model = model;
        Adapters = adapters;
        Format = format;
        Directory = directory;
    }

    /// <summary>
    /// Loads <paramref name="modelDirectory"/> and attaches the adapters: <paramref name="adapterDirectory"/>'s
    /// to continue, or new ones of <paramref name="lora"/> (not both), seeded for initialisation and dropout.
    /// </summary>
    public static FineTuneModel Open(string modelDirectory, string? adapterDirectory, LoraConfig? lora, ulong seed, Cpu cpu)
    {
        if (adapterDirectory != null && lora != null)
            throw new RealmException("give --adapter (continue training that adapter) or --lora-rank (train new adapters), not both");
        LlamaModel? model = null;
        LoraAdapters? adapters = null;
        try
        {
            model = LlamaModel.Load(modelDirectory, cpu);
            var tokenizer = TokenizerLoader.Load(modelDirectory);
            if (tokenizer.VocabSize > model.Config.VocabSize)
                throw new RealmException($"{modelDirectory}: tokenizer.json has {tokenizer.VocabSize} ids but config.json's vocab_size is {model.Config.VocabSize}");
            var format = PromptFormat.ForModel(tokenizer, modelDirectory);
            adapters = adapterDirectory != null ? LoraAdapters.Load(adapterDirectory, model.Config, dropoutSeed: seed)
                : lora != null ? LoraAdapters.Create(model.Config, lora, seed)
                : null;
            model.Adapters = adapters;
            return new FineTuneModel(model, adapters, format, modelDirectory);
        }
        catch
        {
            adapters?.Dispose();
            model?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the result into <paramref name="outDirectory"/>: the adapter (PEFT files) and the tokenizer, or
    /// the whole model with the base's tokenizer and generation files. Each file is written atomically.
    /// </summary>
    public void Save(string outDirectory)
    {
        if (Adapters != null)
        {
            Adapters.Save(outDirectory);
            Format.Tokenizer.Save(outDirectory);
        }
        else
        {
            Model.Save(outDirectory);
            ModelSideFiles.Copy(Directory, outDirectory);
        }
    }

    public void Dispose()
    {
        Model.Adapters = null;
        Adapters?.Dispose();
        Model.Dispose();
    }
}
