using Realm.Data;
using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Model;
using Realm.Training;

namespace Realm.Method.Pipelines;

/// <summary>
/// LLMs-as-Instructor: the teacher reads the student's wrong answers on training questions, finds the
/// rule each got wrong (first step that departs from the expert's route), writes new problems that need
/// those rules with expert CoTs, and the student is fine-tuned on them (mixed with the original data).
/// </summary>
public static class InstructorMethod
{
    public static void Train(ExperimentContext ctx, MethodRecord method, LlamaModel model, string workDirectory)
    {
        var c = ctx.Config;
        var rng = new SplitMix64(c.Seed + method.SeedOffset);
        int probe = Math.Min(ctx.Train.Count, Math.Max(64, c.MethodSequences / 8));
        var probes = Enumerable.Range(0, probe).Select(_ => ctx.Train[rng.NextInt(ctx.Train.Count)]).ToList();
        var prompts = probes.Select(p => new ProblemPrompt(ctx.Domain, p, MrpvPrompts.Plain(p))).ToList();

        ctx.Observer.StageStarted($"{method.Name}: examining the student on {probe} questions", probe);
        var wrongRules = new List<int>();
        long generated = 0;
        const int batch = 64;
        using (var rollouts = new StudentRollouts(model, ctx.Format))
        {
            rollouts.Reserve(prompts, c.MaxNewTokens, batch);
            for (int at = 0; at < prompts.Count; at += batch)
            {
                var chunk = prompts.Skip(at).Take(batch).ToList();
                foreach (var answer in rollouts.Run(chunk, 1, new SamplingOptions { Greedy = true, MaxNewTokens = c.MaxNewTokens }, batch))
                {
                    generated += answer.Completion.Length;
                    if (!answer.Correct && MistakeDiagnosis.FirstWrongRule(ctx.Domain.Solve(answer.Prompt.Problem), answer.Output.Thinking) is int rule)
                        wrongRules.Add(rule);
                }
                ctx.Observer.StageProgress(at + chunk.Count, $"{wrongRules.Count} mistakes diagnosed");
            }
        }
        ctx.Observer.StageFinished($"{wrongRules.Count} of {probe} answers wrong with a diagnosable rule");
        TrainingRuns.RecordGenerated(ctx, method.Label("diagnosis"), generated);

        // New problems aimed at the rules the student got wrong, in proportion to how often; half the data stays the original.
        var targeted = new List<Problem>();
        int wanted = ctx.Train.Count / 2;
        var (easiest, hardest) = ctx.Domain.DefaultDifficulty("train");
        for (int i = 0; i < wanted && wrongRules.Count > 0; i++)
        {
            int rule = wrongRules[rng.NextInt(wrongRules.Count)];
            int difficulty = easiest + rng.NextInt(hardest - easiest + 1);
            var problem = ctx.Domain.Generate(ref rng, "train", difficulty, $"{ctx.Domain.Name}-instructor-{i:D6}", rule);
            problem.Routes.Add(ctx.Domain.Solve(problem));
            targeted.Add(problem);
        }
        var examples = TrainingExamples.Distillation(ctx.Format, targeted.Concat(ctx.Train.Take(wanted))).ToList();
        TrainingRuns.Sft(ctx, method.Label(), model, examples, c.Sft(method.PlannedUpdates(c)[0], c.Seed + method.SeedOffset + 1, fromScratch: false), workDirectory);
    }
}
