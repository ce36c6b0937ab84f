using BenchmarkDotNet.Running;
using ServerSessions.Benchmarks;

// dotnet run -c Release --project bench/ServerSessions.Benchmarks -- --filter '*' --job short
// Classes: CookieBenchmarks, PayloadBenchmarks, StoreBenchmarks (starts redis-server), MiddlewareBenchmarks, MvcBenchmarks, HmacBenchmarks.
// dotnet run -c Release --project bench/ServerSessions.Benchmarks -- growth [count]: bytes per session in each store (StoreGrowth).
if (args is ["growth", ..])
{
    await StoreGrowth.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
