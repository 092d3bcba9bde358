// No namespace of the project's assemblies may depend, directly or through others, on a namespace that
// depends on it: the test reads the real dependencies (signatures and method bodies) and prints the cycle.
using System.Reflection;

namespace Realm.Tests.Architecture;

public class NamespaceCycleTests
{
    public static TheoryData<string> Assemblies => new() { "Realm.Core", "realm", "Realm.Teacher", "Realm.Server" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Namespaces_do_not_import_each_other_in_a_circle(string name)
    {
        var graph = NamespaceGraph.Build(Assembly.Load(name));
        var cycle = NamespaceGraph.FindCycle(graph.ToDictionary(g => g.Key, g => (IEnumerable<string>)g.Value.Keys));
        if (cycle == null) return;
        var because = cycle.Zip(cycle.Skip(1), (a, b) => $"  {a} → {b}: {graph[a][b]}");
        Assert.Fail($"namespace cycle in {name}: {string.Join(" → ", cycle)}\n{string.Join("\n", because)}");
    }

    [Fact]
    public void Dump()
    {
        var graph = NamespaceGraph.Build(Assembly.Load("Realm.Core"));
        foreach (var (from, to) in graph.OrderBy(g => g.Key))
            foreach (var (t, why) in to.OrderBy(x => x.Key)) File.AppendAllText("/tmp/s5core-graph.txt", $"EDGE {from} -> {t}: {why}\n");
    }

    [Fact]
    public void Cycle_finder_returns_the_path_of_a_cycle()
    {
        var edges = new Dictionary<string, IEnumerable<string>>
        {
            ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["D", "B"], ["D"] = [],
        };
        Assert.Equal(["B", "C", "B"], NamespaceGraph.FindCycle(edges));
    }

    [Fact]
    public void Cycle_finder_accepts_a_layered_graph()
    {
        var edges = new Dictionary<string, IEnumerable<string>>
        {
            ["A"] = ["B", "C"], ["B"] = ["C"], ["C"] = [],
        };
        Assert.Null(NamespaceGraph.FindCycle(edges));
    }

    [Fact]
    public void Graph_sees_a_dependency_written_only_in_a_method_body()
    {
        var graph = NamespaceGraph.Build(typeof(NamespaceCycleTests).Assembly);
        Assert.Contains("Realm.Tests.Architecture.Probe.Inner", graph["Realm.Tests.Architecture.Probe"].Keys);
    }
}
