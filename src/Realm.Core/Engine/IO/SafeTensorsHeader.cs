using System.Text.Json;

namespace Realm.Engine.IO;

/// <summary>
/// Parses and validates the JSON header of a safetensors file against the size of its data section, so
/// that a corrupt or hand-edited file fails on open with a message naming the tensor at fault, instead
/// of failing later inside a kernel or silently reading the wrong bytes.
/// </summary>
internal static class SafeTensorsHeader
{
    public const string MetadataKey = "__metadata__";

    public static (Dictionary<string, TensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        string path, byte[] json, long dataLength)
    {
        using JsonDocument document = ParseJson(path, json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new RealmException($"{path}: header must be a JSON object, got {document.RootElement.ValueKind}");

        var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                ReadMetadata(path, property.Value, metadata);
                continue;
            }
            TensorInfo tensor = ReadTensor(path, property.Name, property.Value, dataLength);
            if (!tensors.TryAdd(tensor.Name, tensor))
                throw new RealmException($"{path}: tensor '{tensor.Name}' is listed twice in the header");
        }
        CheckNoOverlap(path, tensors.Values);
        return (tensors, metadata);
    }

    private static JsonDocument ParseJson(string path, byte[] json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new RealmException($"{path}: header is not valid JSON: {e.Message}", e);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw new RealmException($"{path}: '{MetadataKey}' must be an object of strings, got {value.ValueKind}");
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new RealmException($"{path}: '{MetadataKey}' key '{entry.Name}' must be a string, got {entry.Value.ValueKind}");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static TensorInfo ReadTensor(string path, string name, JsonElement entry, long dataLength)
    {
        string where = $"{path}: tensor '{name}'";
        if (entry.ValueKind != JsonValueKind.Object)
            throw new RealmException($"{where}: entry must be an object, got {entry.ValueKind}");

        SafeTensorsDType dtype = ReadDType(where, Required(where, entry, "dtype"));
        int[] shape = ReadShape(where, Required(where, entry, "shape"));
        (long begin, long end) = ReadOffsets(where, Required(where, entry, "data_offsets"));

        long elementCount = 1;
        long byteLength;
        try
        {
            foreach (int dim in shape) elementCount = checked(elementCount * dim);
            byteLength = checked(elementCount * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new RealmException($"{where}: shape {TensorInfo.FormatShape(shape)} is too large");
        }

        if (end > dataLength)
            throw new RealmException(
                $"{where}: data_offsets [{begin}, {end}] are outside the data section ({dataLength} bytes)");
        if (end - begin != byteLength)
            throw new RealmException(
                $"{where}: shape {TensorInfo.FormatShape(shape)} with dtype {dtype} needs {byteLength} bytes " +
                $"but data_offsets span {end - begin}");
        return new TensorInfo(name, dtype, shape, elementCount, begin, end);
    }

    private static JsonElement Required(string where, JsonElement entry, string key) =>
        entry.TryGetProperty(key, out JsonElement value) ? value : throw new RealmException($"{where} is missing '{key}'");

    private static SafeTensorsDType ReadDType(string where, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw new RealmException($"{where}: 'dtype' must be a string, got {value.ValueKind}");
        string text = value.GetString()!;
        return text switch
        {
            "F32" => SafeTensorsDType.F32,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            "I32" => SafeTensorsDType.I32,
            "I64" => SafeTensorsDType.I64,
            _ => throw new RealmException(
                $"{where} has unsupported dtype '{text}' (supported: {string.Join(", ", Enum.GetNames<SafeTensorsDType>())})"),
        };
    }

    private static int[] ReadShape(string where, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw new RealmException($"{where}: 'shape' must be an array of integers, got {value.ValueKind}");
        var shape = new int[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement dim in value.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size))
                throw new RealmException($"{where}: 'shape' must be an array of integers, got {value.GetRawText()}");
            if (size < 0)
                throw new RealmException($"{where} has negative dimension {size} in shape {value.GetRawText()}");
            if (size > int.MaxValue)
                throw new RealmException($"{where} has dimension {size} in shape {value.GetRawText()}, larger than {int.MaxValue}");
            shape[i++] = (int)size;
        }
        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string where, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
            && value[0].ValueKind == JsonValueKind.Number && value[0].TryGetInt64(out long begin)
            && value[1].ValueKind == JsonValueKind.Number && value[1].TryGetInt64(out long end)
            && begin >= 0 && begin <= end)
            return (begin, end);
        throw new RealmException(
            $"{where}: 'data_offsets' must be [begin, end] with 0 <= begin <= end, got {value.GetRawText()}");
    }

    private static void CheckNoOverlap(string path, IEnumerable<TensorInfo> tensors)
    {
        TensorInfo? previous = null;
        foreach (TensorInfo tensor in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataBegin))
        {
            // Sorted by start and disjoint so far, so the previous tensor is the one that ends last.
            if (previous != null && tensor.DataBegin < previous.DataEnd)
                throw new RealmException(
                    $"{path}: tensors '{previous.Name}' and '{tensor.Name}' overlap " +
                    $"(data_offsets [{previous.DataBegin}, {previous.DataEnd}] and [{tensor.DataBegin}, {tensor.DataEnd}])");
            previous = tensor;
        }
    }
}
