using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace ServerSessions.Benchmarks;

/// <summary>
/// Ways to compute HMAC-SHA256 of a 32-character session ID with the framework, measured to choose CookieSigner's.
/// Each call into OpenSSL costs more than the SHA-256 blocks themselves, so the fewest calls win. (A managed SHA-256 with
/// the key's padded states computed once measured 0.7 of KeyedInstance: not enough to own SHA-256 code.)
/// </summary>
[MemoryDiagnoser]
public class HmacBenchmarks
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes("bench-secret, at least 32 bytes long");
    private readonly byte[] _message = Encoding.UTF8.GetBytes("Xk3pQ9vL2mN8rT5wY7zA1bC4dE6fG0hJ");
    private readonly byte[] _mac = new byte[32];
    private HMACSHA256 _instance = null!;
    private IncrementalHash _incremental = null!;
    private byte[] _innerPad = [];
    private byte[] _outerPad = [];

    [GlobalSetup]
    public void Setup()
    {
        _instance = new HMACSHA256(_key);
        _incremental = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        _innerPad = new byte[64];
        _outerPad = new byte[64];
        for (var i = 0; i < 64; i++)
        {
            var k = i < _key.Length ? _key[i] : (byte)0;
            _innerPad[i] = (byte)(k ^ 0x36);
            _outerPad[i] = (byte)(k ^ 0x5c);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _instance.Dispose();
        _incremental.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool KeyedInstance() => _instance.TryComputeHash(_message, _mac, out _);

    [Benchmark]
    public bool StaticOneShot() => HMACSHA256.TryHashData(_key, _message, _mac, out _);

    [Benchmark]
    public bool KeyedIncrementalHash()
    {
        _incremental.AppendData(_message);
        return _incremental.TryGetHashAndReset(_mac, out _);
    }

    [Benchmark]
    public bool TwoSha256OneShots()
    {
        Span<byte> inner = stackalloc byte[64 + 256];
        _innerPad.CopyTo(inner);
        _message.CopyTo(inner[64..]);
        Span<byte> outer = stackalloc byte[64 + 32];
        _outerPad.CopyTo(outer);
        SHA256.HashData(inner[..(64 + _message.Length)], outer[64..]);
        return SHA256.TryHashData(outer, _mac, out _);
    }
}
