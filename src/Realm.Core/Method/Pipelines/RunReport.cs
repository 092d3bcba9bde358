using Realm.Evaluation;

namespace Realm.Method.Pipelines;

/// <summary>
/// Writes a run's report.md and the SVG charts it links: training curves and the EAAI schedule. The
/// methods table (role, start, stages, rewards, routes, budget) comes from the results' method records.
/// </summary>
public static class RunReport
{
    public static void Write(ExperimentContext ctx, ResultsFile results, IReadOnlyList<MethodRecord> methods)
    {
        var c = ctx.Config;
        var records = MetricsLog.Read(Path.Combine(ctx.RunDirectory, MetricsLog.DefaultFileName));
        var charts = new List<ChartLink>();
        void Chart(string file, string title, string metric, string yLabel, string caption, Func<string, bool> include, double? yMin = null, double? yMax = null)
        {
            var series = MetricsLog.Series(records.Where(r => include(r.Method)), metric);
            if (series.Count == 0) return;
            var chart = new SvgChart { Title = title, XLabel = "step", YLabel = yLabel, YMin = yMin, YMax = yMax };
            foreach (var s in series) chart.Add(s.Name, s.Points);
            chart.Save(Path.Combine(ctx.RunDirectory, file));
            charts.Add(new ChartLink(file, caption));
        }
        var rl = methods.Where(m => m.Recipe == Recipe.Rl).ToList();
        bool IsRl(string label) => rl.Any(m => m.Owns(label));
        Chart("reward.svg", "RL: mean reward per step", "reward_mean", "reward", "Mean reward of the sampled completions at each RL step.", IsRl);
        Chart("answer_accuracy.svg", "RL: training answer accuracy", "rewards/answer/mean", "accuracy", "Share of sampled completions whose answer verifies, per RL step.", IsRl, 0, 1);
        Chart("frac_zero_std.svg", "RL: groups without signal", "frac_zero_std", "fraction", "Share of prompt groups whose rewards were all equal (no gradient).", IsRl, 0, 1);
        Chart("eval_accuracy.svg", "Held-out accuracy during training", "eval_acc", "accuracy (dev, no routes)",
            "Greedy accuracy without routes on a fixed slice of the dev split, measured during each training stage.", _ => true, 0, 1);
        Chart("sft_loss.svg", "SFT losses", "loss", "loss (nats/token)", "Completion loss of the supervised stages (base pretraining, distillation, baselines).", m => !IsRl(m));
        charts.Add(EaaiChart(ctx, c));

        var report = new Report
        {
            Title = $"ReaLM comparison on the {c.Domain} domain",
            RunSummary =
            [
                $"model: {c.Layers} layers, hidden {c.Hidden}, {c.Heads} heads ({c.KvHeads} KV); tokenizer: " +
                (c.TokenizerVocab > 0 ? $"byte-level BPE with {ctx.Tokenizer.VocabSize} ids learned from the training text (digits unmerged)" : "bytes") +
                ", MRPV markers as special tokens",
                $"data: {ctx.General.Count:N0} general problems for the base model; {ctx.Train.Count:N0} {c.Domain} training problems with {c.PositivesPerProblem} positive and {c.NegativesPerProblem} negative expert routes each; {ctx.HeldOut.Count} dev problems (tuning and the training curves); test problems: {string.Join(", ", ctx.Tests.Select(t => $"{t.Problems.Count} {t.Split}"))}",
                $"budget: base {c.PretrainSteps} SFT steps; shared distillation {c.SftSteps} steps of {c.BatchSize}; then every method {c.MethodSteps} optimiser updates of {c.MethodBatch} sequences (RL: {c.RlPromptsPerStep} prompts × G = {c.RlGenerations}; supervised: a batch of {c.MethodBatch}); what each spent is in the methods table",
                $"routes: Kmax = {c.MaxRoutes}; EAAI {c.Eaai.Shape.ToString().ToLowerInvariant()} to 0 at s = {c.Eaai.End}",
                $"evaluation: greedy; with routes = {c.MaxRoutes} fixed, seeded mixed routes per problem (one correct, the rest wrong, so calling every route wrong scores {(c.MaxRoutes - 1) * 100.0 / c.MaxRoutes:F0}% verification accuracy and copying a random route answers {100.0 / c.MaxRoutes:F0}% right); 95% Wilson intervals; seed {c.Seed}; wall time {results.WallSeconds:F0} s",
            ],
            Rows = results.Rows,
            Methods = results.Methods,
            Charts = charts,
        };
        report.Write(Path.Combine(ctx.RunDirectory, Report.DefaultFileName));
    }

    private static ChartLink EaaiChart(ExperimentContext ctx, ExperimentConfig c)
    {
        var chart = new SvgChart { Title = "EAAI: strength of external routes over RL progress", XLabel = "progress s", YLabel = "α(s)", YMin = 0, YMax = 1 };
        IEnumerable<(double, double)> Curve(EaaiSchedule s) => Enumerable.Range(0, 101).Select(i => (i / 100.0, s.Alpha(i / 100.0)));
        chart.Add($"this run ({c.Eaai.Shape.ToString().ToLowerInvariant()})", Curve(c.Eaai));
        foreach (var shape in Enum.GetValues<FadeShape>().Where(s => s != c.Eaai.Shape))
            chart.Add(shape.ToString().ToLowerInvariant(), Curve(c.Eaai with { Shape = shape }));
        const string file = "eaai_schedule.svg";
        chart.Save(Path.Combine(ctx.RunDirectory, file));
        return new ChartLink(file, "EAAI strength α(s): the probability that routes are shown, their count max(1, round(α·Kmax)) and (optionally) the share of each route shown.");
    }
}
