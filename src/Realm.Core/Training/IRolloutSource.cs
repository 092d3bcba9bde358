// What GRPO trains on, as the trainer sees it: prompts of some type it never looks into, drawn a batch at
// a time from the run's one random generator, and how they are read and answered in tokens.
using Realm.Engine.Compute;

namespace Realm.Training;

/// <summary>A prompt source for <see cref="GrpoTrainer{TPrompt}"/> (TRL's dataset + processing class in one).</summary>
public interface IRolloutSource<TPrompt>
{
    /// <summary>
    /// <paramref name="count"/> prompts for training progress <paramref name="progress"/> ∈ [0, 1), drawn
    /// from <paramref name="rng"/> only, so a resumed run draws the same ones.
    /// </summary>
    IReadOnlyList<TPrompt> Draw(int count, double progress, ref SplitMix64 rng);

    /// <summary>The prompt as the model reads it, in token ids.</summary>
    int[] Encode(TPrompt prompt);

    /// <summary>The text of a completion, without the stop token that ended it.</summary>
    string Decode(int[] completion);

    /// <summary>Ids that end a completion.</summary>
    IReadOnlyList<int> StopIds { get; }

    /// <summary>Numbers to log with each step besides the trainer's own (e.g. a curriculum's strength); may be empty.</summary>
    IReadOnlyDictionary<string, double> Metrics(double progress);

    /// <summary>Adds what decides which prompts it draws and how they read (its data, its curriculum) to the run's resume fingerprint.</summary>
    void AddSettings(RunSettings settings);
}
