using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Redis;
using ServerSessions.Testing;
using StackExchange.Redis;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The index contract on Redis. The store runs on the real clock, as in production: passing an instant waits (bounded)
/// until the real clock has passed it, and entries that have all lapsed are deleted by Redis itself, through the keys'
/// time to live. Each test has key prefixes of its own, for its sessions and for its index.
/// </summary>
public abstract class RedisSessionIndexConformanceTests : SessionIndexStoreConformanceTests
{
    private ConnectionMultiplexer? _redis;

    protected string SessionPrefix { get; } = $"index-conformance-{Guid.NewGuid():N}:sess:";

    protected string IndexPrefix { get; } = $"index-conformance-{Guid.NewGuid():N}:users:";

    /// <summary>The configuration string of the server or cluster under test.</summary>
    protected abstract string Configuration { get; }

    protected RedisSessionStore Redis => (RedisSessionStore)Store;

    /// <summary>A direct connection, to look at the keys.</summary>
    protected IDatabase Direct => (_redis ??= ConnectionMultiplexer.Connect(Configuration)).GetDatabase();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    protected override IServerSessionIndexStore CreateStore(FakeTimeProvider time) => new RedisSessionStore(
        new RedisSessionStoreOptions { Configuration = Configuration, KeyPrefix = SessionPrefix, IndexKeyPrefix = IndexPrefix },
        new SessionCookieOptions(),
        TimeProvider.System,
        NullLogger<RedisSessionStore>.Instance);

    protected override async Task PassAsync(DateTimeOffset instant)
    {
        await Bounded.UntilAsync(() => DateTimeOffset.UtcNow > instant, $"the real clock to pass {instant:O}");
        await base.PassAsync(instant);
    }

    // Lapsed entries go with the next write of the user's index, or with its keys when the last one lapses.
    protected override Task CleanUpAsync() => Task.CompletedTask;

    protected override async Task<long> StoredEntriesAsync(string user)
    {
        // Either key still holding an entry counts: Redis may expire one of the two a moment before the other.
        var key = Redis.IndexKey(user);
        return Math.Max(await Direct.HashLengthAsync(key), await Direct.SortedSetLengthAsync(key.Append(":expires")));
    }

    [Fact]
    public async Task IndexKeys_LiveOutsideTheSessionPrefix_InOneSlot_AndExpireWithTheLatestEntry()
    {
        var user = NewUser();
        await Store.SetAsync(NewId(), new SessionRecord(Bytes("{}"), Start.AddHours(1)), None);
        await Store.IndexAsync(user, NewId(), Entry(Start.AddHours(2)), None);
        await Store.IndexAsync(user, NewId(), Entry(Start.AddHours(1)), None);

        var key = Redis.IndexKey(user);
        foreach (var indexKey in new[] { key, key.Append(":expires") })
        {
            Assert.StartsWith(IndexPrefix, indexKey.ToString(), StringComparison.Ordinal);
            Assert.False(indexKey.ToString().StartsWith(SessionPrefix, StringComparison.Ordinal));
            var left = await Direct.KeyTimeToLiveAsync(indexKey);
            Assert.NotNull(left);
            Assert.InRange(left.Value, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
        }

        Assert.Equal(
            Direct.Multiplexer.HashSlot(key),
            Direct.Multiplexer.HashSlot(key.Append(":expires")));
    }

    [Fact]
    public async Task IndexingAnEntryThatExpiresSooner_ShortensTheKeysLife_ToTheLatestEntryLeft()
    {
        var user = NewUser();
        var id = NewId();
        await Store.IndexAsync(user, id, Entry(Start.AddHours(2)), None);

        await Store.IndexAsync(user, id, Entry(Start.AddMinutes(10)), None);

        var left = await Direct.KeyTimeToLiveAsync(Redis.IndexKey(user));
        Assert.InRange(left!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task UserNames_NeverAppearInKeyNames()
    {
        var user = "alice.example-" + Guid.NewGuid().ToString("N");
        await Store.IndexAsync(user, NewId(), Entry(Start.AddHours(1)), None);

        var key = Redis.IndexKey(user).ToString();
        Assert.DoesNotContain("alice", key, StringComparison.OrdinalIgnoreCase);
        Assert.True(await Direct.KeyExistsAsync(key));

        // The README's example: the SHA-256 of the name's UTF-16 code units, in hex.
        Assert.Equal(IndexPrefix + "{dfb6f541ef82e9100159f12a84e635d4dce04b31004d05980fc3cae9f5a19737}", Redis.IndexKey("alice").ToString());
    }
}

/// <summary>The index contract on the shared redis-server.</summary>
[Trait("Clock", "Real")]
public sealed class RedisSessionIndexSingleNodeConformanceTests : RedisSessionIndexConformanceTests
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
            await _server.DeleteKeysAsync(SessionPrefix + "*");
            await _server.DeleteKeysAsync(IndexPrefix + "*");
        }
    }
}

/// <summary>The index contract on a three-master Redis Cluster, one for the whole class: each user's two keys share a slot.</summary>
[Trait("Clock", "Real")]
public sealed class RedisClusterSessionIndexConformanceTests(RedisClusterFixture cluster)
    : RedisSessionIndexConformanceTests, IClassFixture<RedisClusterFixture>
{
    protected override string Configuration => cluster.Cluster.ConfigurationString;
}
