using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using Xunit.Abstractions;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// What a request costs Redis, as Redis counts it: <c>INFO commandstats</c> before and after a known number of requests
/// through the middleware, on a redis-server of the test's own (the counts are server-wide), divided by the requests.
/// A command a script runs (<c>redis.call</c>) counts as that command, beside the <c>EVALSHA</c> that ran it. Each
/// test pins the commands of one kind of request exactly, so that a change that adds one fails here.
/// </summary>
[Trait("Clock", "Real")]
public sealed class RedisCommandCountTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Requests = 20;

    // The client's housekeeping and the counting itself, not the requests': INFO (the counts), PING and ECHO (heartbeats).
    private static readonly HashSet<string> Housekeeping = new(StringComparer.Ordinal) { "info", "ping", "echo" };

    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ReturningVisit_Serialized_TakesTheLeaseAndLoadsWithThreeCommands_AndSavesAndReleasesWithOneScript()
    {
        var perRequest = await CountReturningVisitsAsync(SessionConcurrency.Serialized, "/count");

        // SET NX GET (the lease), GET, PTTL; EVALSHA SetLeased: GET (the lock), SET (the session), DEL (the lock).
        Assert.Equal(Commands(("del", 1), ("evalsha", 1), ("get", 2), ("pttl", 1), ("set", 2)), perRequest);
    }

    [Fact]
    public async Task ReturningVisitThatChangesNothing_Serialized_TakesTheLeaseAndLoads_TouchesAndReleasesWithAScriptEach()
    {
        var perRequest = await CountReturningVisitsAsync(SessionConcurrency.Serialized, "/peek");

        // SET NX GET, GET, PTTL; EVALSHA Touch: GET, PEXPIRE; EVALSHA Release: GET, DEL (the lock).
        Assert.Equal(Commands(("del", 1), ("evalsha", 2), ("get", 3), ("pexpire", 1), ("pttl", 1), ("set", 1)), perRequest);
    }

    [Fact]
    public async Task ReturningVisit_LastWriteWins_LoadsWithTwoCommands_AndSavesWithOne()
    {
        var perRequest = await CountReturningVisitsAsync(SessionConcurrency.LastWriteWins, "/count");

        Assert.Equal(Commands(("get", 1), ("pttl", 1), ("setex|psetex", 1)), perRequest);
    }

    [Fact]
    public async Task ReturningVisitThatChangesNothing_LastWriteWins_LoadsWithTwoCommands_AndTouchesWithOneScript()
    {
        var perRequest = await CountReturningVisitsAsync(SessionConcurrency.LastWriteWins, "/peek");

        // GET, PTTL; EVALSHA Touch: GET, PEXPIRE.
        Assert.Equal(Commands(("evalsha", 1), ("get", 2), ("pexpire", 1), ("pttl", 1)), perRequest);
    }

    [Theory]
    [InlineData(SessionConcurrency.Serialized)]
    [InlineData(SessionConcurrency.LastWriteWins)]
    public async Task NewVisitor_IsOneWrite_NoLeaseAndNoRead(SessionConcurrency concurrency)
    {
        await using var host = await StartHostAsync(concurrency);
        await FirstVisitAsync(host); // connected, and whatever a first request costs once is spent

        var perRequest = await CountAsync(async () =>
        {
            for (var i = 0; i < Requests; i++)
            {
                await FirstVisitAsync(host);
            }
        });

        Assert.Equal(Commands(("setex|psetex", 1)), perRequest);
    }

    private async Task<SortedDictionary<string, double>> CountReturningVisitsAsync(SessionConcurrency concurrency, string path)
    {
        await using var host = await StartHostAsync(concurrency);
        var cookie = await FirstVisitAsync(host);

        // Twice each before counting: the scripts are loaded (SCRIPT LOAD, once per connection) by then.
        for (var i = 0; i < 2; i++)
        {
            await host.GetStringAsync("/count", cookie);
            await host.GetStringAsync("/peek", cookie);
        }

        return await CountAsync(async () =>
        {
            for (var i = 0; i < Requests; i++)
            {
                await host.GetStringAsync(path, cookie);
            }
        });
    }

    private async Task<SortedDictionary<string, double>> CountAsync(Func<Task> requests)
    {
        var before = await CommandStatsAsync();
        await requests();
        var after = await CommandStatsAsync();

        // The counting connection's second INFO follows its first, an ad-hoc command after which the client selects the
        // database again: one SELECT per count is the test's own.
        before["select"] = (before.GetValueOrDefault("select").Calls + 1, before.GetValueOrDefault("select").Usec);
        var perRequest = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var time = new List<string>();
        foreach (var (command, (calls, usec)) in after)
        {
            var (callsBefore, usecBefore) = before.GetValueOrDefault(command);
            if (calls == callsBefore || Housekeeping.Contains(command))
            {
                continue;
            }

            // SET with an expiry goes out as SETEX when it is whole seconds, else PSETEX: one write either way.
            var name = command is "setex" or "psetex" ? "setex|psetex" : command;
            perRequest[name] = perRequest.GetValueOrDefault(name) + (double)(calls - callsBefore) / Requests;
            time.Add($"{command} {(double)(usec - usecBefore) / (calls - callsBefore):0.0}");
        }

        // Redis's own time per call, for the record (not asserted: it depends on the machine); a script's includes its commands'.
        output.WriteLine($"Per request: {string.Join(", ", perRequest.Select(c => $"{c.Key} {c.Value}"))}. Redis's us per call: {string.Join(", ", time)}");
        return perRequest;
    }

    private async Task<Dictionary<string, (long Calls, long Usec)>> CommandStatsAsync()
    {
        // cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0
        var stats = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in (await _server.CommandAsync("INFO", "commandstats")).Split('\n', StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["cmdstat_".Length..].Split([':', ',']);
            stats[fields[0]] = (Field(fields, "calls="), Field(fields, "usec="));
        }

        return stats;
    }

    private static long Field(string[] fields, string name) =>
        long.Parse(fields.First(f => f.StartsWith(name, StringComparison.Ordinal))[name.Length..], CultureInfo.InvariantCulture);

    private static SortedDictionary<string, double> Commands(params (string Command, double PerRequest)[] commands) =>
        new(commands.ToDictionary(c => c.Command, c => c.PerRequest), StringComparer.Ordinal);

    private Task<SessionTestHost> StartHostAsync(SessionConcurrency concurrency) => SessionTestHost.StartAsync(
        app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/peek", (ServerSession session) => session.Get<int>("visits").ToString(CultureInfo.InvariantCulture));
        },
        o =>
        {
            o.Store = "Redis";
            o.Concurrency = concurrency;
        },
        services => new ServerSessionsBuilder(services, null).AddRedisStore(redis => redis.Configuration = _server.ConfigurationString),
        clock: TimeProvider.System); // redis-server keeps the real clock: so must the sessions and leases
}
