using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ServerSessions.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
