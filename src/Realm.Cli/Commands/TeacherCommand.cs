using System.CommandLine;
using Realm.Data;
using Realm.Teacher;
using Spectre.Console;

namespace Realm.Cli.Commands;

/// <summary><c>realm teacher collect</c>: routes for a dataset from any OpenAI-compatible endpoint, labelled by verification.</summary>
internal static class TeacherCommand
{
    public static Command Create() => new("teacher", "Collect routes from a teacher model over an OpenAI-compatible API.") { CollectCommand() };

    private static Command CollectCommand()
    {
        Option<T> Opt<T>(string name, T value, string description) => new(name) { Description = description, DefaultValueFactory = _ => value };
        var defaults = new TeacherOptions { Endpoint = new Uri("http://127.0.0.1:8000/v1"), Model = "" };
        var data = new Option<string>("--data") { Description = "Problems (JSONL, the dataset schema).", Required = true };
        var output = new Option<string>("--out")
        {
            Description = "Output JSONL: each problem with the teacher's routes appended, one flushed line per finished problem. "
                + "Rerunning resumes: problems already there are skipped.",
            Required = true,
        };
        var endpoint = new Option<string>("--endpoint") { Description = "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (realm serve, vLLM, llama.cpp, Ollama, a hosted API).", Required = true };
        var model = new Option<string>("--model") { Description = "The teacher's model name; also each route's source.", Required = true };
        var apiKey = new Option<string?>("--api-key") { Description = "Bearer key (default: the OPENAI_API_KEY environment variable, else none)." };
        var routes = Opt("--routes", defaults.Routes, "Routes asked for per problem.");
        var concurrency = Opt("--concurrency", defaults.Concurrency, "Requests in flight at once.");
        var domain = new Option<string?>("--domain") { Description = "Domain whose rulebook guides the teacher and whose verifier labels routes (default: each problem's domain field)." };
        var temperature = Opt("--temperature", defaults.Temperature, "Sampling temperature of the teacher.");
        var maxTokens = Opt("--max-tokens", defaults.MaxTokens, "Longest route, in the teacher's tokens.");
        var seed = Opt("--seed", defaults.Seed, "Seed from which each request's seed derives (problem id, route number).");
        var timeout = Opt("--timeout", (int)defaults.Timeout.TotalSeconds, "Seconds one request may take before it is abandoned and retried.");
        var retries = Opt("--max-retries", defaults.MaxRetries, "Retries of a request on 429, 5xx, timeouts or dropped connections (exponential backoff with jitter, Retry-After respected); then the run stops.");
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Skip malformed dataset lines (each is reported) instead of stopping." };

        var command = new Command("collect",
            "Ask a teacher for rulebook-guided routes to every problem, label each by verifying its answer, and append the problems with their routes to --out (resumable).")
        {
            data, output, endpoint, model, apiKey, routes, concurrency, domain, temperature, maxTokens, seed, timeout, retries, skipBad,
        };
        command.SetAction(result =>
        {
            string url = result.GetRequiredValue(endpoint);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw new RealmException($"--endpoint: '{url}' is not an absolute URL");
            var options = new TeacherOptions
            {
                Endpoint = uri,
                Model = result.GetRequiredValue(model),
                ApiKey = result.GetValue(apiKey) ?? NonEmpty(Environment.GetEnvironmentVariable("OPENAI_API_KEY")) ?? "none",
                Routes = result.GetValue(routes),
                Concurrency = result.GetValue(concurrency),
                Domain = result.GetValue(domain),
                Temperature = result.GetValue(temperature),
                MaxTokens = result.GetValue(maxTokens),
                Seed = result.GetValue(seed),
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                MaxRetries = result.GetValue(retries),
            };
            options.Validate();
            var dataset = ProblemJsonl.Read(result.GetRequiredValue(data), result.GetValue(skipBad));
            foreach (var line in dataset.BadLines) AnsiConsole.MarkupLine($"[yellow]skipped {Markup.Escape(line)}[/]");
            var problems = dataset.Problems;
            string outPath = result.GetRequiredValue(output);
            var summary = Collect(new TeacherCollector(options), problems, outPath, CommandRunner.CtrlC());
            Console.WriteLine(Summary(summary, outPath));
            return 0;
        });
        return command;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static CollectionProgress Collect(TeacherCollector collector, IReadOnlyList<Problem> problems, string outPath, CancellationToken cancel)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Plain lines for logs: the first report, then about every 5% and the last.
            int every = Math.Max(1, problems.Count / 20);
            return collector.RunAsync(problems, outPath, p =>
            {
                if (p.Written == 0 || p.Written % every == 0 || p.Remaining == 0) Console.WriteLine(Line(p));
            }, cancel).GetAwaiter().GetResult();
        }
        CollectionProgress? summary = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("collecting", maxValue: Math.Max(1, problems.Count));
                summary = collector.RunAsync(problems, outPath, p =>
                {
                    // The bar counts this run's problems only, so its rate and time left leave out those already done.
                    task.MaxValue = Math.Max(1, p.Total - p.AlreadyDone);
                    task.Value = p.Written;
                    task.Description = Markup.Escape($"{p.AlreadyDone + p.Written}/{p.Total} problems, {p.ProblemsPerSecond * 60:N1}/min, {p.CorrectRoutes}/{p.Routes} routes correct");
                }, cancel).GetAwaiter().GetResult();
                task.Value = task.MaxValue;
            });
        return summary!;
    }

    private static string Line(CollectionProgress p) =>
        $"{p.AlreadyDone + p.Written}/{p.Total} problems ({p.AlreadyDone} already done), {p.ProblemsPerSecond * 60:N1} problems/min, "
        + $"ETA {(p.Eta is { } eta ? eta.ToString(@"hh\:mm\:ss") : "?")}, routes {p.CorrectRoutes}/{p.Routes} correct, "
        + $"tokens in {p.InputTokens:N0} out {p.OutputTokens:N0}, retries {p.Retries}";

    private static string Summary(CollectionProgress p, string outPath) =>
        $"wrote {p.Written} problems to {outPath} ({p.AlreadyDone} were already there"
        + (p.DroppedTornLine ? "; an unfinished last line left by a killed run was removed" : "") + $") in {p.Elapsed:hh\\:mm\\:ss}: "
        + $"{p.Routes} routes, {p.CorrectRoutes} correct, {p.RoutesWithoutAnswer} without an answer line; "
        + $"tokens in {p.InputTokens:N0}, out {p.OutputTokens:N0}; {p.Retries} retried requests";
}
