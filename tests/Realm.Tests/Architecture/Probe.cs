// Two tiny namespaces for NamespaceCycleTests: the outer one uses the inner one only inside a method body.
namespace Realm.Tests.Architecture.Probe
{
    public static class Outer
    {
        public static int Call() => Inner.Helper.Value();
    }
}

namespace Realm.Tests.Architecture.Probe.Inner
{
    public static class Helper
    {
        public static int Value() => 42;
    }
}
