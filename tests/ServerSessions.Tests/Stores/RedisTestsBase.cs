using ServerSessions.Redis;
using ServerSessions.Testing;
using StackExchange.Redis;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// What the Redis store's test classes share: the shared redis-server, a direct connection to look at it, a key prefix
/// of the test's own (its keys, and the lease keys hash-tagged on them, are deleted afterwards) and the stores the
/// test opened (disposed afterwards).
/// </summary>
public abstract class RedisTestsBase : IAsyncLifetime
{
    protected static readonly CancellationToken None = CancellationToken.None;

    private ConnectionMultiplexer _redis = null!;

    protected string Prefix { get; } = $"test-{Guid.NewGuid():N}:";

    protected List<RedisSessionStore> Stores { get; } = [];

    protected RedisServer Server { get; private set; } = null!;

    protected IDatabase Redis => _redis.GetDatabase();

    protected ISubscriber Subscriber => _redis.GetSubscriber();

    public async Task InitializeAsync()
    {
        Server = await RedisServer.Shared;
        _redis = await ConnectionMultiplexer.ConnectAsync(Server.ConfigurationString);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var store in Stores)
        {
            await store.DisposeAsync();
        }

        await Server.DeleteKeysAsync(Prefix + "*");
        await Server.DeleteKeysAsync("{" + Prefix + "*");
        await _redis.DisposeAsync();
    }
}
