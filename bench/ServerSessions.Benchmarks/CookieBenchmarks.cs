using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Primitives;

namespace ServerSessions.Benchmarks;

/// <summary>The cookie's per-request work: verify the incoming one, find it in the header, sign and format the outgoing one.</summary>
[MemoryDiagnoser]
public class CookieBenchmarks
{
    private const string Id = "Xk3pQ9vL2mN8rT5wY7zA1bC4dE6fG0hJ";
    private readonly CookieSigner _signer = new(["bench-secret, at least 32 bytes long"]);
    private readonly char[] _buffer = new char[128];
    private readonly SessionCookieOptions _cookie = new();
    private string _signed = "";
    private StringValues _header;

    [GlobalSetup]
    public void Setup()
    {
        _signed = _signer.Sign(Id);
        _header = $"_ga=GA1.2.3456; theme=dark; connect.sid={Uri.EscapeDataString(_signed)}; lang=en";
    }

    /// <summary>Signing into a caller's buffer, as the Set-Cookie writer does.</summary>
    [Benchmark]
    public int Sign() => _signer.TrySign(Id, _buffer, out var written) ? written : 0;

    /// <summary>Signing to a new string (tests and callers that want one).</summary>
    [Benchmark]
    public string SignToString() => _signer.Sign(Id);

    [Benchmark]
    public bool Verify() => _signer.TryUnsign(_signed, out _, out _);

    /// <summary>Finding connect.sid among other cookies and percent-decoding it, as a request does.</summary>
    [Benchmark]
    public int ParseCookieHeader()
    {
        Span<char> scratch = stackalloc char[256];
        return CookieHeaderParser.TryFind(_header, "connect.sid", scratch, out var value) ? value.Length : -1;
    }

    /// <summary>The whole Set-Cookie header of a new session (sign, percent-encode, attributes): one string.</summary>
    [Benchmark]
    public string SetCookieHeader() => SessionCookieWriter.Format("connect.sid", _signer, Id, _cookie, null, secure: false, CookieSameSite.Lax);
}
