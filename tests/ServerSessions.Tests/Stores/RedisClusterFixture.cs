using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>A three-master Redis Cluster for one test class (a class fixture), killed after its last test.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisCluster? _cluster;

    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is started in InitializeAsync.");

    public async Task InitializeAsync() => _cluster = await RedisCluster.StartAsync(masters: 3);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
