using System.Text;
using BenchmarkDotNet.Attributes;

namespace ServerSessions.Benchmarks;

/// <summary>The stored session's JSON, read on load and written on save.</summary>
[MemoryDiagnoser]
public class PayloadBenchmarks
{
    private readonly byte[] _payload = Encoding.UTF8.GetBytes("{\"visits\":41,\"__created\":1764201600000}");
    private SessionPayload _parsed;

    [GlobalSetup]
    public void Setup() => _parsed = SessionPayload.Parse(_payload);

    [Benchmark]
    public int DeserializePayload() => SessionPayload.Parse(_payload).Values.Count;

    [Benchmark]
    public byte[] SerializePayload() => SessionPayload.Serialize(_parsed.Values, _parsed.CreatedUnixMs, _parsed.MaxAgeMs);
}
