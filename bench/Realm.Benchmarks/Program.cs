using BenchmarkDotNet.Running;

// Kernel micro-benchmarks. Run all:  dotnet run -c Release --project bench/Realm.Benchmarks -- --filter '*'
// For end-to-end numbers (training, decoding, MFU) use `realm bench`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
