namespace Realm.Domains;

/// <summary>The domains that ship with realm, by name.</summary>
public static class BuiltInDomains
{
    public static IReadOnlyList<IDomain> All { get; } = [new ArithmeticDomain(), new TariffDomain()];

    public static IDomain? TryGet(string name) => All.FirstOrDefault(d => d.Name == name);

    public static IDomain Get(string name) => TryGet(name)
        ?? throw new RealmException($"unknown domain '{name}'; built-in domains: {string.Join(", ", All.Select(d => d.Name))}");
}
