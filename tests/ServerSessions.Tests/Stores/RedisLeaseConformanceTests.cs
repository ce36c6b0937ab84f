using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Redis;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The lease contract on Redis. Redis times leases by its own clock, after the duration it was given (<c>PX</c>), so the
/// suite lets a duration pass in real time: it writes a probe session that Redis gives the duration and 100 ms more to
/// live, after the test's leases, and waits (bounded) until Redis has expired it. The store runs on the real clock, as in
/// production; the suite's sessions, an hour from its start, are an hour from now on it, and a loaded expiry is the one
/// written but for the round trips: the suite allows a second.
/// </summary>
public abstract class RedisLeaseConformanceTests : SessionLeaseStoreConformanceTests
{
    /// <summary>The test's own key prefix: its session keys and the lease keys hash-tagged on them start with it or with "{" and it.</summary>
    protected string Prefix { get; } = $"lease-conformance-{Guid.NewGuid():N}:";

    protected override TimeSpan ExpiryTolerance => TimeSpan.FromSeconds(1);

    /// <summary>The configuration string of the server or cluster under test.</summary>
    protected abstract string Configuration { get; }

    protected override IServerSessionLeaseStore CreateStore(FakeTimeProvider time) => new RedisSessionStore(
        new RedisSessionStoreOptions { Configuration = Configuration, KeyPrefix = Prefix },
        new SessionCookieOptions(),
        TimeProvider.System,
        NullLogger<RedisSessionStore>.Instance);

    protected override async Task PassAsync(TimeSpan duration)
    {
        var probe = "probe-" + Guid.NewGuid().ToString("N");
        var expires = DateTimeOffset.UtcNow + duration + TimeSpan.FromMilliseconds(100);
        await Store.SetAsync(probe, new SessionRecord(ReadOnlyMemory<byte>.Empty, expires), CancellationToken.None);
        await Bounded.UntilAsync(
            async () => await Store.GetAsync(probe, CancellationToken.None) is null,
            $"Redis to expire a key given {(duration.TotalMilliseconds + 100):0} ms to live");
        await base.PassAsync(duration);
    }
}

/// <summary>The lease contract on the shared redis-server.</summary>
[Trait("Clock", "Real")]
public sealed class RedisSessionStoreLeaseConformanceTests : RedisLeaseConformanceTests
{
    private RedisServer? _server;

    protected override string Configuration
    {
        get
        {
            _server ??= RedisServer.Shared.WaitAsync(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
            return _server.ConfigurationString;
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DeleteKeysAsync(Prefix + "*");
            await _server.DeleteKeysAsync("{" + Prefix + "*");
        }
    }
}

/// <summary>
/// The lease contract on a three-master Redis Cluster, one for the whole class: each lease key shares its session's slot,
/// so every script runs on one node.
/// </summary>
[Trait("Clock", "Real")]
public sealed class RedisClusterSessionStoreLeaseConformanceTests(RedisClusterFixture cluster)
    : RedisLeaseConformanceTests, IClassFixture<RedisClusterFixture>
{
    protected override string Configuration => cluster.Cluster.ConfigurationString;
}
