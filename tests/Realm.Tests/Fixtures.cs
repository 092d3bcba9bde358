using Realm.Engine.IO;

namespace Realm.Tests;

/// <summary>PyTorch reference fixtures written by tools/make_fixtures.py (committed under tests/fixtures).</summary>
public static class Fixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures");
    public static string Model(string name) => Path.Combine(Root, "models", name);
    public static SafeTensorsFile Kernel(string name) => SafeTensorsFile.Open(Path.Combine(Root, "kernels", name + ".safetensors"));
    public static SafeTensorsFile Expected(string model) => SafeTensorsFile.Open(Path.Combine(Model(model), "expected.safetensors"));
}
