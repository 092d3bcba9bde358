using System.Text;
using Realm.Engine.IO;

namespace Realm.Evaluation;

/// <summary>
/// Appends per-step training metrics to a JSONL file, one <see cref="MetricsRecord"/> per line, each
/// flushed to the operating system as soon as it is written: a run that is killed loses none of its
/// finished lines (flushing to disk as well would only matter for a power cut, and costs a sync per step).
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string DefaultFileName = "metrics.jsonl";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly StreamWriter _writer;

    public string Path { get; }

    private MetricsLog(string path, FileMode mode)
    {
        Path = path;
        try
        {
            string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (directory != null) Directory.CreateDirectory(directory);
            var stream = new FileStream(path, mode, FileAccess.Write, FileShare.Read);
            _writer = new StreamWriter(stream, Utf8) { NewLine = "\n" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{path}: cannot open for writing: {e.Message}", e);
        }
    }

    /// <summary>Starts a new log, replacing any file already at <paramref name="path"/>.</summary>
    public static MetricsLog Create(string path) => new(path, FileMode.Create);

    /// <summary>
    /// Continues a log after resuming from the checkpoint of <paramref name="resumeStep"/>. Lines for
    /// later steps were written after that checkpoint and will be written again, so they are dropped
    /// (only those of <paramref name="method"/> when one is given: a log shared by several methods keeps
    /// the others). A torn last line left by a kill is dropped too. A missing file is started afresh.
    /// </summary>
    public static MetricsLog Resume(string path, long resumeStep, string? method = null)
    {
        if (File.Exists(path))
        {
            var kept = ReadLines(path)
                .Where(l => !(l.Record.Step > resumeStep && (method == null || l.Record.Method == method)))
                .Select(l => l.Text + "\n");
            AtomicFile.WriteAllText(path, string.Concat(kept));
        }
        return new MetricsLog(path, FileMode.Append);
    }

    /// <summary>Writes one line and flushes it.</summary>
    public void Append(MetricsRecord record)
    {
        string line = record.ToJsonLine();
        try
        {
            // One write of line and break together keeps a kill from leaving a complete line unterminated.
            _writer.Write(line + "\n");
            _writer.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{Path}: cannot append metrics: {e.Message}", e);
        }
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// Every record in the file. A last line without its line break that does not parse is a write still
    /// in progress (or cut by a kill) and is skipped; any other bad line is an error naming its line number.
    /// </summary>
    public static IReadOnlyList<MetricsRecord> Read(string path) => ReadLines(path).Select(l => l.Record).ToList();

    /// <summary>
    /// One chart series of <paramref name="metric"/> against step per group of records (by default per
    /// method), in the order groups first appear. Records without the metric are left out, so a metric
    /// measured every few steps (eval_acc) still draws a connected line.
    /// </summary>
    public static IReadOnlyList<ChartSeries> Series(IEnumerable<MetricsRecord> records, string metric,
        Func<MetricsRecord, string>? seriesName = null)
    {
        seriesName ??= r => r.Method;
        return records
            .Where(r => r.Values.ContainsKey(metric))
            .GroupBy(seriesName)
            .Select(g => new ChartSeries(g.Key, g.Select(r => ((double)r.Step, r.Values[metric])).ToList()))
            .ToList();
    }

    private static List<(string Text, MetricsRecord Record)> ReadLines(string path)
    {
        string content;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream, Utf8);
            content = reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RealmException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RealmException($"{path}: cannot read: {e.Message}", e);
        }

        var lines = new List<(string, MetricsRecord)>();
        string[] texts = content.Split('\n');
        // Split leaves an empty last element after a final break; anything else there is an unterminated line.
        for (int i = 0; i < texts.Length; i++)
        {
            string text = texts[i].TrimEnd('\r');
            if (text.Trim().Length == 0) continue;
            bool unterminated = i == texts.Length - 1;
            try
            {
                lines.Add((text, MetricsRecord.Parse(text)));
            }
            catch (FormatException) when (unterminated)
            {
                // A torn write: the step it belonged to was never completed.
            }
            catch (FormatException e)
            {
                throw new RealmException($"{path}: line {i + 1}: {e.Message}", e);
            }
        }
        return lines;
    }
}
