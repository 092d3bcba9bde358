// Which namespaces of an assembly use which: from every type's base type, interfaces, fields, properties,
// method and constructor signatures and local variables, and from the tokens in its method bodies (calls,
// field accesses, type tests, allocations), so a dependency written only inside a method body counts too.
// Only namespaces defined in the assembly itself are kept. Plus a cycle finder that returns the path.
using System.Reflection;
using System.Reflection.Emit;

namespace Realm.Tests.Architecture;

public static class NamespaceGraph
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>namespace → the other namespaces of the same assembly its types use, with one example each.</summary>
    public static Dictionary<string, Dictionary<string, string>> Build(Assembly assembly)
    {
        var graph = new Dictionary<string, Dictionary<string, string>>();
        var own = assembly.GetTypes().Select(t => t.Namespace).OfType<string>().ToHashSet();
        foreach (var type in assembly.GetTypes())
        {
            if (type.Namespace is not string from) continue;
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = [];
            void Use(Type? used, string where)
            {
                foreach (var t in Expand(used))
                    if (t.Namespace is string to && to != from && own.Contains(to) && t.Assembly == assembly)
                        edges.TryAdd(to, $"{type.FullName} {where} {t.FullName}");
            }
            Use(type.BaseType, "derives from");
            foreach (var i in type.GetInterfaces()) Use(i, "implements");
            foreach (var f in type.GetFields(All)) Use(f.FieldType, $"field {f.Name}:");
            foreach (var p in type.GetProperties(All)) Use(p.PropertyType, $"property {p.Name}:");
            foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                if (m is MethodInfo mi) Use(mi.ReturnType, $"{m.Name} returns");
                foreach (var p in m.GetParameters()) Use(p.ParameterType, $"{m.Name} takes");
                var body = m.GetMethodBody();
                if (body == null) continue;
                foreach (var local in body.LocalVariables) Use(local.LocalType, $"{m.Name} has a local");
                foreach (var used in BodyReferences(m, body)) Use(used, $"{m.Name} uses");
            }
        }
        return graph;
    }

    /// <summary>A type with its generic arguments, element type and declaring type (a nested type's namespace is its outer one's).</summary>
    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type == null) yield break;
        if (type.HasElementType) { foreach (var t in Expand(type.GetElementType())) yield return t; yield break; }
        if (type.IsGenericParameter) yield break;
        yield return type;
        if (type.IsGenericType)
            foreach (var a in type.GetGenericArguments())
                foreach (var t in Expand(a)) yield return t;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types named by a method body's tokens: the declaring types of called methods and used fields, and type operands.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method, MethodBody body)
    {
        var il = body.GetILAsByteArray();
        if (il == null) yield break;
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            int size = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try { member = module.ResolveMember(BitConverter.ToInt32(il, at), typeArgs, methodArgs); }
                catch (ArgumentException) { }
                switch (member)
                {
                    case Type t: yield return t; break;
                    case MethodBase mb:
                        if (mb.DeclaringType != null) yield return mb.DeclaringType;
                        if (mb is MethodInfo { IsGenericMethod: true } gm) foreach (var a in gm.GetGenericArguments()) yield return a;
                        break;
                    case FieldInfo f: if (f.DeclaringType != null) yield return f.DeclaringType; yield return f.FieldType; break;
                }
            }
            at += size;
        }
    }

    /// <summary>A cycle as the list of nodes along it (first = last), or null when the graph has none.</summary>
    public static List<string>? FindCycle(IReadOnlyDictionary<string, IEnumerable<string>> edges)
    {
        var state = new Dictionary<string, int>(); // 1 = on the current path, 2 = finished
        var path = new List<string>();
        foreach (var start in edges.Keys.Order(StringComparer.Ordinal))
            if (Visit(start) is { } cycle) return cycle;
        return null;

        List<string>? Visit(string node)
        {
            if (state.TryGetValue(node, out int s))
            {
                if (s == 2) return null;
                return [.. path.Skip(path.IndexOf(node)), node];
            }
            state[node] = 1;
            path.Add(node);
            foreach (var next in (edges.TryGetValue(node, out var n) ? n : []).Order(StringComparer.Ordinal))
                if (Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }
}
