using System.Diagnostics;

namespace ServerSessions.Testing;

/// <summary>
/// A small Redis Cluster of <c>redis-server</c> processes on free loopback ports, masters only, joined with
/// <c>redis-cli --cluster create</c>; every node is killed on dispose.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private RedisCluster(IReadOnlyList<RedisServer> nodes) => Nodes = nodes;

    /// <summary>The cluster's nodes, each a master owning a share of the 16384 slots.</summary>
    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>The StackExchange.Redis configuration string naming every node.</summary>
    public string ConfigurationString => string.Join(',', Nodes.Select(node => node.ConfigurationString));

    /// <summary>Starts <paramref name="masters"/> nodes, creates the cluster and waits until every node reports <c>cluster_state:ok</c>.</summary>
    /// <param name="masters">How many masters (at least 3, Redis Cluster's minimum).</param>
    /// <returns>The running cluster.</returns>
    public static async Task<RedisCluster> StartAsync(int masters = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(masters, 3);
        var cli = RedisServer.FindOnPath("redis-cli")
            ?? throw new InvalidOperationException("redis-cli is missing: apt-get install redis-server (./test.sh installs it)");
        var nodes = new List<RedisServer>();
        try
        {
            for (var i = 0; i < masters; i++)
            {
                nodes.Add(await RedisServer.StartAsync(
                    ["--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"],
                    clusterPort: true));
            }

            await CreateAsync(cli, nodes);
            var cluster = new RedisCluster(nodes);
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

    private static async Task CreateAsync(string cli, List<RedisServer> nodes)
    {
        var start = new ProcessStartInfo(cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        RedisServer.UseRealClock(start);
        start.ArgumentList.Add("--cluster");
        start.ArgumentList.Add("create");
        foreach (var node in nodes)
        {
            start.ArgumentList.Add(node.ConfigurationString);
        }

        foreach (var argument in (string[])["--cluster-replicas", "0", "--cluster-yes"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-cli.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ReadyTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"redis-cli --cluster create did not finish within {ReadyTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed ({process.ExitCode}):\n{await output}\n{await errors}");
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
                    && info.Contains("cluster_slots_assigned:16384", StringComparison.Ordinal)))
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
}
