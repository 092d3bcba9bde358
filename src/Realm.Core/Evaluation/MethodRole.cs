using System.Text.Json;
using System.Text.Json.Serialization;

namespace Realm.Evaluation;

/// <summary>
/// What a row of the comparison is, so the margins table knows what to compare without reading names:
/// ReaLM pipelines against the best baseline; the reference (the base model) and the ablations are shown
/// but never compete. Written in results.json as reference, baseline, realm or ablation.
/// </summary>
[JsonConverter(typeof(MethodRoleJsonConverter))]
public enum MethodRole { Reference, Baseline, Realm, Ablation }

/// <summary>Writes <see cref="MethodRole"/> as its lower-case name.</summary>
public sealed class MethodRoleJsonConverter() : JsonStringEnumConverter<MethodRole>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);
