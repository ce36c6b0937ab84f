using System.Diagnostics;
using System.Globalization;

namespace ServerSessions.Testing;

/// <summary>
/// A small Redis Cluster of <c>redis-server</c> processes on free loopback ports, masters only, each owning an even
/// share of the 16384 slots; every node is killed on dispose.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private const int Slots = 16384;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private RedisCluster(IReadOnlyList<RedisServer> nodes) => Nodes = nodes;

    /// <summary>The cluster's nodes, each a master owning a share of the 16384 slots.</summary>
    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>The StackExchange.Redis configuration string naming every node.</summary>
    public string ConfigurationString => string.Join(',', Nodes.Select(node => node.ConfigurationString));

    /// <summary>Starts <paramref name="masters"/> nodes, joins them and waits until every node reports <c>cluster_state:ok</c>.</summary>
    /// <param name="masters">How many masters (at least 3, Redis Cluster's minimum).</param>
    /// <returns>The running cluster.</returns>
    public static async Task<RedisCluster> StartAsync(int masters = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(masters, 3);
        var nodes = new List<RedisServer>();
        try
        {
            for (var i = 0; i < masters; i++)
            {
                nodes.Add(await RedisServer.StartAsync(
                    ["--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"],
                    clusterPort: true));
            }

            var cluster = new RedisCluster(nodes);
            await cluster.JoinAsync();
            await cluster.WaitUntilReadyAsync();
            return cluster;
        }
        catch
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Kills every node and deletes their folders.</summary>
    /// <returns>A task that completes when every process is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }
    }

    // What redis-cli --cluster create does for masters alone: each node takes its share of the slots, and the first
    // meets the others (gossip introduces them to each other).
    private async Task JoinAsync()
    {
        for (var i = 0; i < Nodes.Count; i++)
        {
            await Nodes[i].CommandAsync("CLUSTER", "ADDSLOTSRANGE", Number(i * Slots / Nodes.Count), Number(((i + 1) * Slots / Nodes.Count) - 1));
        }

        foreach (var node in Nodes.Skip(1))
        {
            await Nodes[0].CommandAsync("CLUSTER", "MEET", RedisServer.Host, Number(node.Port), Number(node.ClusterPort!.Value));
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var infos = await Task.WhenAll(Nodes.Select(node => node.CommandAsync("CLUSTER", "INFO")));
            if (infos.All(info => info.Contains("cluster_state:ok", StringComparison.Ordinal)
                    && info.Contains($"cluster_known_nodes:{Nodes.Count}", StringComparison.Ordinal)
                    && info.Contains($"cluster_slots_assigned:{Slots}", StringComparison.Ordinal)))
            {
                return;
            }

            if (waited.Elapsed >= ReadyTimeout)
            {
                throw new InvalidOperationException($"The Redis cluster was not ready within {ReadyTimeout.TotalSeconds} s:\n{string.Join("\n---\n", infos)}");
            }

            await Task.Delay(100);
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
