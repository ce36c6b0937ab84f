using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Redis;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The store contract on a real redis-server. The suite's fake clock needs no help: keys expire at the instant the store
/// is given (<c>PXAT</c>, read back with <c>PEXPIRETIME</c>), and the store hides and never touches a key whose instant
/// has passed by its own clock, so moving the fake clock expires sessions exactly, without waiting for Redis.
/// </summary>
public sealed class RedisSessionStoreConformanceTests : SessionStoreConformanceTests
{
    // The suite's clock is in 2030, so Redis would keep these keys for years: each test deletes its own.
    private readonly string _prefix = $"conformance-{Guid.NewGuid():N}:sess:";
    private RedisServer? _server;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DeleteKeysAsync(_prefix + "*");
        }
    }

    protected override ISessionStore CreateStore(FakeTimeProvider time)
    {
        _server = RedisServer.Shared.WaitAsync(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        return new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = _server.ConfigurationString, KeyPrefix = _prefix },
            new SessionCookieOptions(),
            time,
            NullLogger<RedisSessionStore>.Instance);
    }
}
