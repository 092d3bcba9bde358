using System.Reflection;
using Realm.Engine.Lora;
using Realm.Training;

namespace Realm.Tests.Training;

/// <summary>The resume fingerprint: configs flattened by reflection, so no field can be left out by accident.</summary>
public class RunSettingsTests
{
    [Fact]
    public void NestedRecordsFlattenToSnakeCaseNamesAndMarkedPropertiesAreLeftOut()
    {
        var values = new RunSettings().AddRecord("", new SftConfig()).Values;
        Assert.Equal("0.001", values["optimizer.learning_rate"]);
        Assert.Equal("0.95", values["optimizer.adamw.beta2"]);
        Assert.Equal("cosine", values["optimizer.decay"]);
        Assert.Equal("32", values["batch_size"]);
        Assert.False(values.ContainsKey("checkpoint_every"));
        Assert.False(values.ContainsKey("eval_every"));

        var grpo = new RunSettings().AddRecord("", new GrpoConfig { Beta = 0.04 }).Values;
        Assert.Equal("0.04", grpo["beta"]);
        Assert.Equal("none", grpo["epsilon_high"]);
        Assert.False(grpo.ContainsKey("upper_epsilon")); // derived (no setter), so not a setting of its own

        var lora = new RunSettings().AddRecord("lora", new LoraConfig { BaseModel = "/somewhere" }, "base_model").Values;
        Assert.Equal("[q_proj,v_proj]", lora["lora.targets"]);
        Assert.False(lora.ContainsKey("lora.base_model"));
    }

    public static TheoryData<object> Configs => [new SftConfig(), new LmTrainingOptions(), new GrpoConfig()];

    /// <summary>Changing any settable field of a config (nested ones included) changes the fingerprint, unless it is marked.</summary>
    [Theory]
    [MemberData(nameof(Configs))]
    public void EveryFieldIsInTheFingerprintUnlessMarked(object config)
    {
        string hash = new RunSettings().AddRecord("", config).Hash;
        int changed = 0;
        foreach (var (copy, property) in WithOneFieldChanged(config))
        {
            bool marked = property.GetCustomAttribute<NotASettingAttribute>() != null;
            Assert.True(marked == (new RunSettings().AddRecord("", copy).Hash == hash), $"{config.GetType().Name}.{property.Name}");
            changed++;
        }
        Assert.True(changed >= 8, $"only {changed} fields were tried");
    }

    /// <summary>Copies of a record, each with one scalar field (at any depth) set to another value.</summary>
    private static IEnumerable<(object Copy, PropertyInfo Property)> WithOneFieldChanged(object record)
    {
        foreach (var property in record.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            object? value = property.GetValue(record);
            object? other = value switch
            {
                int i => i + 1, long l => l + 1, ulong u => u + 1, float f => f * 2 + 1, double d => d * 2 + 1, bool b => !b,
                Enum e => Enum.GetValues(e.GetType()).Cast<object>().First(v => !v.Equals(e)),
                null when Nullable.GetUnderlyingType(property.PropertyType) == typeof(double) => 0.3,
                _ => null,
            };
            if (other != null)
            {
                var copy = Clone(record);
                property.SetValue(copy, other);
                yield return (copy, property);
            }
            else if (value != null && !value.GetType().IsPrimitive && value is not string)
                foreach (var (inner, innerProperty) in WithOneFieldChanged(value))
                {
                    var copy = Clone(record);
                    property.SetValue(copy, inner);
                    yield return (copy, innerProperty);
                }
        }
    }

    private static object Clone(object record) => record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;

    [Fact]
    public void DifferencesNameEachFieldOldToNew()
    {
        var before = new Dictionary<string, string> { ["beta"] = "0", ["seed"] = "1", ["data"] = "sha256:" + new string('a', 64), ["gone"] = "x" };
        var after = new Dictionary<string, string> { ["beta"] = "0.04", ["seed"] = "1", ["data"] = "sha256:" + new string('b', 64), ["new"] = "y" };
        Assert.Equal(["beta 0 → 0.04", "data sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…", "gone x → unset", "new unset → y"],
            RunSettings.Differences(before, after));
        Assert.Empty(RunSettings.Differences(before, before));
    }

    [Fact]
    public void ValuesAreFormattedWithoutCultureAndRoundTrip()
    {
        Assert.Equal("0.0001", RunSettings.Format(1e-4f));
        Assert.Equal("0.30000000000000004", RunSettings.Format(0.1 + 0.2));
        Assert.Equal("18446744073709551615", RunSettings.Format(ulong.MaxValue));
        Assert.Equal("linear", RunSettings.Format(DecayShape.Linear));
        Assert.Equal("[1,2]", RunSettings.Format(new[] { 1, 2 }));
        Assert.Equal("none", RunSettings.Format(null));
        Assert.Throws<ArgumentException>(() => new RunSettings().Add("a", "1").Add("a", "2"));
    }
}
