using System.CommandLine;
using Realm.Engine.Lora;

namespace Realm.Cli;

/// <summary>The LoRA options of the training commands (train-lm, sft, rl): rank, alpha, dropout and target modules.</summary>
internal sealed class LoraFlags
{
    public readonly Option<int> Rank;
    public readonly Option<double> Alpha = new("--lora-alpha") { Description = "LoRA alpha: the adapters' output is scaled by alpha / rank.", DefaultValueFactory = _ => 16.0 };
    public readonly Option<double> Dropout = new("--lora-dropout") { Description = "LoRA dropout on the adapters' inputs (training passes only).", DefaultValueFactory = _ => 0.0 };
    public readonly Option<string> Targets;

    /// <param name="rankDescription">What a rank does for this command (where the base comes from, what OUT holds).</param>
    /// <param name="defaultTargets">target_modules when the flag is left out.</param>
    public LoraFlags(string rankDescription, string defaultTargets)
    {
        Rank = new Option<int>("--lora-rank") { Description = rankDescription, DefaultValueFactory = _ => 0 };
        Targets = new Option<string>("--lora-targets")
        {
            Description = "Projections to adapt: comma-separated q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj, or all-linear.",
            DefaultValueFactory = _ => defaultTargets,
        };
    }

    public void AddTo(Command command)
    {
        command.Add(Rank);
        command.Add(Alpha);
        command.Add(Dropout);
        command.Add(Targets);
    }

    /// <summary>The adapters' shape, or null when --lora-rank is 0 (the whole model trains).</summary>
    public LoraConfig? Read(ParseResult result, string baseModel) => result.GetValue(Rank) == 0 ? null : new LoraConfig
    {
        Rank = result.GetValue(Rank), Alpha = result.GetValue(Alpha), Dropout = result.GetValue(Dropout),
        Targets = LoraTargets.ParseList(result.GetValue(Targets)!, "--lora-targets"), BaseModel = baseModel,
    }.Validate("--lora-rank/--lora-alpha/--lora-dropout");
}
