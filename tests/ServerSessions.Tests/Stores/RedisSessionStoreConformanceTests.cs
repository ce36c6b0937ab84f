using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Redis;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The store contract on a real redis-server. Redis expires keys by its own clock, after the time to live the store
/// gives it (the session's expiry minus the store's now), so the suite's expiry cases run in real time: passing an
/// instant waits until Redis has expired a probe key given the time to live until it. The store runs on the real clock
/// (the suite starts at the real now), so a loaded expiry, the store's now plus the time Redis says is left, is the one
/// written but for the round trips: the suite allows a second. (Other clocks: <see cref="RedisSessionStoreTests"/>.)
/// </summary>
[Trait("Clock", "Real")]
public sealed class RedisSessionStoreConformanceTests : SessionStoreConformanceTests
{
    private readonly string _prefix = $"conformance-{Guid.NewGuid():N}:sess:";
    private RedisServer? _server;

    protected override TimeSpan ExpiryTolerance => TimeSpan.FromSeconds(1);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DeleteKeysAsync(_prefix + "*");
        }
    }

    protected override IServerSessionStore CreateStore(FakeTimeProvider time)
    {
        _server = RedisServer.Shared.WaitAsync(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        return new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = _server.ConfigurationString, KeyPrefix = _prefix },
            new SessionCookieOptions(),
            TimeProvider.System,
            NullLogger<RedisSessionStore>.Instance);
    }

    protected override async Task PassAsync(DateTimeOffset instant)
    {
        // Set after every session key of the test, with the time to live the store would give a key expiring at the
        // instant now, and 100 ms more for the keys' own trips to Redis (even an instant already past gets those): once
        // Redis has expired the probe, it has expired them.
        var left = Math.Max(0, (long)Math.Ceiling((instant - DateTimeOffset.UtcNow).TotalMilliseconds)) + 100;
        var probe = _prefix + "probe-" + Guid.NewGuid().ToString("N");
        Assert.Equal("+OK", await _server!.CommandAsync("SET", probe, "", "PX", left.ToString(CultureInfo.InvariantCulture)));
        await Bounded.UntilAsync(async () => await _server.CommandAsync("EXISTS", probe) == ":0", $"Redis to expire a key given {left} ms to live");
        await base.PassAsync(instant);
    }
}
