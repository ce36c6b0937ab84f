using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Primitives;

namespace ServerSessions.Benchmarks;

/// <summary>The per-request pieces of the session layer, each on its own, with allocations.</summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const string Id = "Xk3pQ9vL2mN8rT5wY7zA1bC4dE6fG0hJ";
    private readonly CookieSigner _signer = new(["bench-secret"]);
    private readonly MemorySessionStore _store = new();
    private string _signed = "";
    private StringValues _header;
    private byte[] _payload = [];
    private SessionPayload _parsed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _signed = _signer.Sign(Id);
        _header = $"_ga=GA1.2.3456; theme=dark; connect.sid={Uri.EscapeDataString(_signed)}; lang=en";
        _payload = Encoding.UTF8.GetBytes("{\"visits\":41,\"__created\":1764201600000}");
        _parsed = SessionPayload.Parse(_payload);
        _store.SetAsync(Id, new SessionRecord(_payload, DateTimeOffset.UtcNow.AddDays(1)), default).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark]
    public string Sign() => _signer.Sign(Id);

    [Benchmark]
    public bool Verify() => _signer.TryUnsign(_signed, out _, out _);

    [Benchmark]
    public string? ParseCookieHeader() => CookieHeaderParser.Find(_header, "connect.sid");

    [Benchmark]
    public int DeserializePayload() => SessionPayload.Parse(_payload).Values.Count;

    [Benchmark]
    public byte[] SerializePayload() => SessionPayload.Serialize(_parsed.Values, _parsed.CreatedUnixMs, _parsed.MaxAgeMs);

    [Benchmark]
    public SessionRecord? MemoryStoreGet() => _store.GetAsync(Id, default).Result;

    [Benchmark]
    public void MemoryStoreSet() => _store.SetAsync(Id, new SessionRecord(_payload, DateTimeOffset.UtcNow.AddDays(1)), default).GetAwaiter().GetResult();
}
