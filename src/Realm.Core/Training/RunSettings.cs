using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realm.Training;

/// <summary>
/// Marks a config property that cannot change what a run trains (checkpoint or evaluation cadence), so
/// <see cref="RunSettings"/> leaves it out of the resume fingerprint. Say why in <paramref name="reason"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotASettingAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}

/// <summary>
/// Everything that decides what a training run computes, as name = value pairs: config records are
/// walked by reflection (every property with a setter, nested records under "name.", snake_case names), so a
/// field added to a config is in the fingerprint without anyone remembering to add it; only properties
/// marked <see cref="NotASettingAttribute"/> are left out. Data and weights enter as hashes. A checkpoint
/// stores the pairs, so a resume with other settings is refused naming each one that differs
/// (<see cref="Differences"/>).
/// </summary>
public sealed class RunSettings
{
    private const int MaxDepth = 6;
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>One setting; a name may be given only once.</summary>
    public RunSettings Add(string name, string value)
    {
        if (!_values.TryAdd(name, value)) throw new ArgumentException($"setting '{name}' given twice");
        return this;
    }

    /// <summary>
    /// Every settable property of <paramref name="config"/> (recursively), named <c>prefix.property_name</c>
    /// (no prefix when it is empty); <paramref name="skip"/> names properties of a type this project cannot mark.
    /// </summary>
    public RunSettings AddRecord(string prefix, object config, params string[] skip)
    {
        Flatten(prefix, config, skip, 0);
        return this;
    }

    private void Flatten(string prefix, object config, string[] skip, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"settings nest deeper than {MaxDepth} at '{prefix}'");
        var properties = config.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<NotASettingAttribute>() == null);
        foreach (var property in properties)
        {
            string name = NameOf(property);
            if (skip.Contains(name)) continue;
            string full = prefix.Length == 0 ? name : $"{prefix}.{name}";
            object? value = property.GetValue(config);
            if (value != null && IsRecord(value.GetType())) Flatten(full, value, [], depth + 1);
            else Add(full, Format(value));
        }
    }

    private static string NameOf(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    private static bool IsRecord(Type type) =>
        !type.IsPrimitive && !type.IsEnum && type != typeof(string) && type != typeof(decimal) && !typeof(IEnumerable).IsAssignableFrom(type)
        && Nullable.GetUnderlyingType(type) == null;

    /// <summary>Culture-free, round-trip text of a setting's value.</summary>
    public static string Format(object? value) => value switch
    {
        null => "none",
        string s => s,
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        Enum e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString()),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(",", items.Cast<object?>().Select(Format)) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>The fingerprint: SHA-256 over the sorted "name=value" lines.</summary>
    public string Hash => HashOf(Values);

    public static string HashOf(IReadOnlyDictionary<string, string> values)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal)) text.Append(name).Append('=').Append(value).Append('\n');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>SHA-256 of raw float or int data (weights, token ids), as "sha256:hex".</summary>
    public static string HashOf<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, data);
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 of prompt/completion token sequences (each one's lengths and ids, in order).</summary>
    public static string HashOf(IEnumerable<PromptCompletion> examples)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var e in examples)
        {
            Append<int>(hash, [e.Prompt.Length, e.Completion.Length]);
            Append<int>(hash, e.Prompt);
            Append<int>(hash, e.Completion);
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // Large spans go in slices: IncrementalHash takes a span of bytes, whose length is an int.
    private static void Append<T>(IncrementalHash hash, ReadOnlySpan<T> data) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data);
        for (int start = 0; start < bytes.Length; start += 1 << 30) hash.AppendData(bytes.Slice(start, Math.Min(1 << 30, bytes.Length - start)));
    }

    /// <summary>
    /// "name old → new" for each setting that differs (a setting only one side has shows as "unset"), in name
    /// order; empty when they are the same. Hashes are shortened to 12 hex digits.
    /// </summary>
    public static List<string> Differences(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        static string Show(string? v) => v == null ? "unset" : v.StartsWith("sha256:", StringComparison.Ordinal) && v.Length > 19 ? v[..19] + "…" : v;
        return before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Select(name => (name, old: before.GetValueOrDefault(name), now: after.GetValueOrDefault(name)))
            .Where(d => d.old != d.now)
            .Select(d => $"{d.name} {Show(d.old)} → {Show(d.now)}")
            .ToList();
    }
}
