using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realm.Evaluation;

/// <summary>Reads and writes a <see cref="ConfidenceInterval"/> as the two-element array <c>[lo, hi]</c>.</summary>
internal sealed class ConfidenceIntervalJsonConverter : JsonConverter<ConfidenceInterval>
{
    public override ConfidenceInterval Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("a confidence interval must be an array [lo, hi]");
        var ends = new List<double>(2);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number) throw new JsonException("a confidence interval must hold two numbers");
            ends.Add(reader.GetDouble());
        }
        if (ends.Count != 2) throw new JsonException($"a confidence interval must hold two numbers, got {ends.Count}");
        if (ends[0] > ends[1]) throw new JsonException($"a confidence interval must have lo <= hi, got [{ends[0]}, {ends[1]}]");
        return new ConfidenceInterval(ends[0], ends[1]);
    }

    public override void Write(Utf8JsonWriter writer, ConfidenceInterval value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Lo);
        writer.WriteNumberValue(value.Hi);
        writer.WriteEndArray();
    }
}
