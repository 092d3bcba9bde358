using Realm.Data;

namespace Realm.Domains;

/// <summary>The domains that ship with realm, by name.</summary>
public static class BuiltInDomains
{
    public static IReadOnlyList<IDomain> All { get; } = [new ArithmeticDomain(), new TariffDomain(), new PayrollDomain()];

    public static IDomain? TryGet(string name) => All.FirstOrDefault(d => d.Name == name);

    public static IDomain Get(string name) => TryGet(name)
        ?? throw new RealmException($"unknown domain '{name}'; built-in domains: {string.Join(", ", All.Select(d => d.Name))}");

    /// <summary>
    /// The domain that checks a dataset's answers: the built-in one its problems name, or, for a user's own
    /// domain, <see cref="ExactAnswerDomain"/>. Problems of several domains are an error naming <paramref name="source"/>.
    /// </summary>
    public static IDomain For(IReadOnlyList<Problem> problems, string source)
    {
        var names = problems.Select(p => p.Domain).Distinct().ToList();
        if (names.Count != 1)
            throw new RealmException(names.Count == 0 ? $"{source}: no problems"
                : $"{source}: the problems mix domains ({string.Join(", ", names)}); use one domain per file");
        return TryGet(names[0]) ?? new ExactAnswerDomain(names[0]);
    }
}
