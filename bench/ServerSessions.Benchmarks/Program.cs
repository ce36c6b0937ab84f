using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ServerSessions.Benchmarks -- --filter '*' --job short
// Classes: CookieBenchmarks, PayloadBenchmarks, StoreBenchmarks (starts redis-server), MiddlewareBenchmarks, HmacBenchmarks.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
