using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Logging.Abstractions;
using ServerSessions.Redis;
using ServerSessions.Sqlite;
using ServerSessions.Testing;

namespace ServerSessions.Benchmarks;

/// <summary>
/// Each store's get and set of one small session, against the Memory store: SQLite on a temporary file (a set waits for
/// its commit; a get is answered by the store's cache of recent sessions, or by a query with the cache off), Redis on a
/// redis-server started on a free loopback port for the run (loopback round trips); and Redis's leased visit, the
/// store's part of a Serialized request.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class StoreBenchmarks
{
    private const string Id = "Xk3pQ9vL2mN8rT5wY7zA1bC4dE6fG0hJ";
    private const string Holder = "0123456789ABCDEF01234567a";
    private readonly byte[] _payload = Encoding.UTF8.GetBytes("{\"visits\":41,\"__created\":1764201600000}");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "serversessions-bench-" + Guid.NewGuid().ToString("N"));
    private MemorySessionStore _memory = null!;
    private SqliteSessionStore _sqlite = null!;
    private SqliteSessionStore _sqliteUncached = null!;
    private RedisSessionStore _redis = null!;
    private RedisServer _redisServer = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _memory = new MemorySessionStore();
        _sqlite = new SqliteSessionStore(
            new SqliteSessionStoreOptions { Path = Path.Combine(_directory, "sessions.db") }, TimeProvider.System, NullLogger<SqliteSessionStore>.Instance);
        _sqliteUncached = new SqliteSessionStore(
            new SqliteSessionStoreOptions { Path = Path.Combine(_directory, "uncached.db"), CacheSize = 0 }, TimeProvider.System, NullLogger<SqliteSessionStore>.Instance);
        // Throws RedisServer.MissingMessage ("redis-server is missing: apt-get install redis-server …") without one.
        _redisServer = await RedisServer.StartAsync();
        _redis = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = _redisServer.ConfigurationString }, new SessionCookieOptions(), TimeProvider.System, NullLogger<RedisSessionStore>.Instance);
        await MemorySet();
        await SqliteSet();
        await _sqliteUncached.SetAsync(Id, Record(), default);
        await RedisSet();
        if (await RedisGet() is null || await SqliteGet() is null || await SqliteGetUncached() is null || !await RedisLeasedVisit())
        {
            throw new InvalidOperationException("A store did not return the session the setup stored.");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _memory.Dispose();
        await _sqlite.DisposeAsync();
        await _sqliteUncached.DisposeAsync();
        await _redis.DisposeAsync();
        await _redisServer.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Get")]
    public ValueTask<SessionRecord?> MemoryGet() => _memory.GetAsync(Id, default);

    [Benchmark, BenchmarkCategory("Get")]
    public ValueTask<SessionRecord?> SqliteGet() => _sqlite.GetAsync(Id, default);

    [Benchmark, BenchmarkCategory("Get")]
    public ValueTask<SessionRecord?> SqliteGetUncached() => _sqliteUncached.GetAsync(Id, default);

    [Benchmark, BenchmarkCategory("Get")]
    public ValueTask<SessionRecord?> RedisGet() => _redis.GetAsync(Id, default);

    [Benchmark(Baseline = true), BenchmarkCategory("Set")]
    public ValueTask MemorySet() => _memory.SetAsync(Id, Record(), default);

    [Benchmark, BenchmarkCategory("Set")]
    public ValueTask SqliteSet() => _sqlite.SetAsync(Id, Record(), default);

    [Benchmark, BenchmarkCategory("Set")]
    public ValueTask RedisSet() => _redis.SetAsync(Id, Record(), default);

    // A Serialized request's two calls on a shared store: take the lease and load, then save and release together.
    [Benchmark, BenchmarkCategory("Leased visit")]
    public async Task<bool> RedisLeasedVisit()
    {
        var lease = await _redis.GetAndLeaseAsync(Id, Holder, TimeSpan.FromSeconds(10), default);
        return await _redis.SetLeasedAsync(Id, lease.Record!.Value with { Expires = DateTimeOffset.UtcNow.AddDays(1) }, Holder, release: true, default);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Touch")]
    public ValueTask<bool> MemoryTouch() => _memory.TouchAsync(Id, _payload, DateTimeOffset.UtcNow.AddDays(1), default);

    [Benchmark, BenchmarkCategory("Touch")]
    public ValueTask<bool> RedisTouch() => _redis.TouchAsync(Id, _payload, DateTimeOffset.UtcNow.AddDays(1), default);

    // A fresh array per write, as the session hands the store one.
    private SessionRecord Record() => new((byte[])_payload.Clone(), DateTimeOffset.UtcNow.AddDays(1));
}
