using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerSessions.Redis;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// No log line, at any level, from our code or the Redis client, carries a session ID or a cookie value: the Redis client
/// puts the commands and keys it was running (<c>GET sess:&lt;id&gt;</c>) into its timeout and connection errors, which the
/// store-failure path logs.
/// </summary>
[Trait("Clock", "Real")]
public sealed class RedisLogsTests : RedisTestsBase
{
    [Fact]
    public async Task NoLogLine_CarriesASessionIdOrCookieValue_ThroughRejectedCookiesAStallAndAnOutage()
    {
        await using var server = await RedisServer.StartAsync(); // its own: the test pauses and stops it
        var log = new LogLines();
        await using var host = await StartAsync(server, log, app => app.MapGet("/count", VisitCounter.Count), TimeSpan.FromSeconds(10));

        var cookie = await FirstVisitAsync(host);
        var id = SetCookies.IdOf(cookie);
        var value = cookie[(cookie.IndexOf('=') + 1)..];

        // Rejected cookies: a bad signature, an unsigned ID.
        using (var forged = await host.SendAsync("/count", $"connect.sid=s%3A{id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        {
            Assert.Equal("1", await forged.Content.ReadAsStringAsync());
        }

        using (var unsigned = await host.SendAsync("/count", $"connect.sid={id}"))
        {
            Assert.Equal("1", await unsigned.Content.ReadAsStringAsync());
        }

        // A stall: connected, answering nothing for 3 s.
        Assert.Equal("+OK", await server.CommandAsync("CLIENT", "PAUSE", "3000", "ALL"));
        using (var stalled = await host.SendAsync("/count", cookie))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.StatusCode);
        }

        await Bounded.UntilAsync(() => CountsAsync(host, cookie), "Redis to answer again after the pause");

        // An outage: the server is gone.
        await server.StopAsync();
        using (var down = await host.SendAsync("/count", cookie))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        }

        await server.RestartAsync();
        await Bounded.UntilAsync(() => CountsAsync(host, cookie), "Redis to serve again after the restart");

        // Both failures were logged with the client's own errors, the kind that would name the keys.
        Assert.Contains(log.Lines, line => line.Contains(nameof(StackExchange.Redis.RedisTimeoutException), StringComparison.Ordinal));
        Assert.Contains(log.Lines, line => line.Contains(nameof(StackExchange.Redis.RedisConnectionException), StringComparison.Ordinal));
        log.AssertNoLineCarries(id, value, Uri.UnescapeDataString(value));
    }

    [Fact]
    public async Task NoLogLine_CarriesASessionIdOrCookieValue_WhenALeaseLapsesInAStall()
    {
        await using var server = await RedisServer.StartAsync();
        var log = new LogLines();
        var gate = new HoldGate();
        await using var host = await StartAsync(server, log, gate.Map, lockTimeout: TimeSpan.FromSeconds(1.5)); // renewed every 0.5 s
        var cookie = await FirstVisitAsync(host);
        var id = SetCookies.IdOf(cookie);
        var value = cookie[(cookie.IndexOf('=') + 1)..];
        var held = host.SendAsync("/hold", cookie);
        await gate.Inside;

        // Redis answers nothing for longer than the lease: its renewals fail, and it lapses.
        Assert.Equal("+OK", await server.CommandAsync("CLIENT", "PAUSE", "2500", "ALL"));
        await Bounded.UntilAsync(() => log.Any(2024), "a failed lease renewal to be logged");
        await Bounded.UntilAsync(() => log.Any(2023), "the lapsed lease to be logged once Redis answers again");
        gate.Release();
        using (var response = await held.Within("the held request to end"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode); // its save is refused: the lease lapsed
        }

        log.AssertNoLineCarries(id, value, Uri.UnescapeDataString(value));
    }

    private async Task<SessionTestHost> StartAsync(RedisServer server, LogLines log, Action<WebApplication> map, TimeSpan lockTimeout)
    {
        var loggers = log.CreateFactory();
        return await SessionTestHost.StartAsync(
            map,
            options =>
            {
                options.StoreTimeout = TimeSpan.FromSeconds(2); // after the client's own timeout, so its error is the one logged
                options.LockTimeout = lockTimeout;
            },
            services: services => services.AddSingleton<ILoggerFactory>(loggers),
            store: time =>
            {
                var store = new RedisSessionStore(
                    new RedisSessionStoreOptions { Configuration = server.ConfigurationString, KeyPrefix = Prefix, OperationTimeout = TimeSpan.FromMilliseconds(500) },
                    new SessionCookieOptions(),
                    time,
                    loggers.CreateLogger<RedisSessionStore>());
                Stores.Add(store);
                return store;
            },
            clock: TimeProvider.System);
    }

    // The store connects in the background and its operations time out after 500 ms here: on a busy machine the first
    // request can come before the connection is up. That is not what these tests are about, so they wait it out.
    private static async Task<string> FirstVisitAsync(SessionTestHost host)
    {
        string? cookie = null;
        await Bounded.UntilAsync(
            async () =>
            {
                using var response = await host.SendAsync("/count");
                cookie = response.IsSuccessStatusCode ? SetCookies.Pair(response) : null;
                return cookie is not null;
            },
            "Redis to serve a first visit");
        return cookie!;
    }

    private static async Task<bool> CountsAsync(SessionTestHost host, string cookie)
    {
        using var response = await host.SendAsync("/count", cookie);
        return response.IsSuccessStatusCode;
    }
}
