// The shape flags of the real-size benchmarks (realm bench lora, inference); option parsing only, the shape is Bench/QwenShape.cs.
using System.CommandLine;
using Realm.Cli.Bench;

namespace Realm.Cli;

/// <summary>The shape flags of <c>realm bench lora</c> and <c>realm bench inference</c>; defaults: Qwen2.5-0.5B.</summary>
internal sealed class QwenShapeOptions
{
    private readonly Option<int> _dim = Int("--dim", 896, "Hidden size.");
    private readonly Option<int> _layers = Int("--layers", 24, "Decoder layers.");
    private readonly Option<int> _heads = Int("--heads", 14, "Attention heads.");
    private readonly Option<int> _kvHeads = Int("--kv-heads", 2, "Key/value heads.");
    private readonly Option<int> _ffn = Int("--ffn", 4864, "MLP intermediate size.");
    private readonly Option<int> _vocab = Int("--vocab", 151936, "Vocabulary size.");

    private static Option<int> Int(string name, int value, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => value };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { _dim, _layers, _heads, _kvHeads, _ffn, _vocab }) command.Add(option);
    }

    public QwenShape Read(ParseResult result)
    {
        foreach (var option in new[] { _dim, _layers, _heads, _kvHeads, _ffn, _vocab })
            if (result.GetValue(option) < 1) throw new RealmException($"{option.Name} must be at least 1, got {result.GetValue(option)}");
        return new QwenShape(result.GetValue(_dim), result.GetValue(_layers), result.GetValue(_heads), result.GetValue(_kvHeads),
            result.GetValue(_ffn), result.GetValue(_vocab));
    }
}
