using System.Text;
using System.Text.Json;

namespace Realm.Evaluation;

/// <summary>
/// One training step's metrics, one line of metrics.jsonl: which run and method, the step, any number
/// of named measurements (reward_mean, kl, eval_acc, ...) and optional extra string labels (phase, ...).
/// A measurement that is not a finite number (a diverged loss) is written as null and read back as NaN,
/// which a chart shows as a gap; a measurement not taken at this step is simply absent.
/// </summary>
public sealed record MetricsRecord
{
    public const string RunField = "run", MethodField = "method", StepField = "step";

    public required string Run { get; init; }
    public required string Method { get; init; }
    public required long Step { get; init; }
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The named measurement, or null if it was not recorded at this step.</summary>
    public double? Value(string name) => Values.TryGetValue(name, out double v) ? v : null;

    /// <summary>The record as one line of JSON, without the line break.</summary>
    public string ToJsonLine()
    {
        if (Step < 0) throw new ArgumentException($"step {Step} must be >= 0");
        foreach (string name in Labels.Keys.Concat(Values.Keys))
            if (string.IsNullOrEmpty(name) || name is RunField or MethodField or StepField)
                throw new ArgumentException($"metric name \"{name}\" is empty or reserved");
        var duplicate = Labels.Keys.Intersect(Values.Keys).FirstOrDefault();
        if (duplicate != null) throw new ArgumentException($"\"{duplicate}\" is both a label and a value");

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(RunField, Run);
            json.WriteString(MethodField, Method);
            json.WriteNumber(StepField, Step);
            foreach (var (name, label) in Labels) json.WriteString(name, label);
            foreach (var (name, value) in Values)
            {
                if (double.IsFinite(value)) json.WriteNumber(name, value);
                else json.WriteNull(name);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses one line; throws <see cref="FormatException"/> saying what is wrong with it.</summary>
    public static MetricsRecord Parse(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"expected a JSON object, got {root.ValueKind}");
            string? run = null, method = null;
            long? step = null;
            var values = new Dictionary<string, double>();
            var labels = new Dictionary<string, string>();
            foreach (var field in root.EnumerateObject())
            {
                var value = field.Value;
                switch (field.Name, value.ValueKind)
                {
                    case (RunField, JsonValueKind.String): run = value.GetString(); break;
                    case (MethodField, JsonValueKind.String): method = value.GetString(); break;
                    case (StepField, JsonValueKind.Number) when value.TryGetInt64(out long s) && s >= 0: step = s; break;
                    case (RunField or MethodField or StepField, _):
                        throw new FormatException($"\"{field.Name}\" has an invalid value {value.GetRawText()}");
                    case (_, JsonValueKind.Number): values[field.Name] = value.GetDouble(); break;
                    case (_, JsonValueKind.Null): values[field.Name] = double.NaN; break;
                    case (_, JsonValueKind.String): labels[field.Name] = value.GetString()!; break;
                    default: throw new FormatException($"\"{field.Name}\" must be a number, null or a string, got {value.ValueKind}");
                }
            }
            return new MetricsRecord
            {
                Run = run ?? throw new FormatException($"missing \"{RunField}\""),
                Method = method ?? throw new FormatException($"missing \"{MethodField}\""),
                Step = step ?? throw new FormatException($"missing \"{StepField}\""),
                Values = values,
                Labels = labels,
            };
        }
    }
}
