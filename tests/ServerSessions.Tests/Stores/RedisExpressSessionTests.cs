using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using ServerSessions.Redis;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// Sessions on a real redis-server, from an app on a fake clock (only durations cross to Redis): an express-written
/// session reaches its absolute timeout through touches alone, and a touch never undoes a save made after its request
/// loaded the session, in express's layout too.
/// </summary>
[Trait("Clock", "Real")]
public sealed class RedisExpressSessionTests : RedisTestsBase
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";

    // As connect-redis stores an express-session: the cookie object first, no __created.
    private const string ExpressValue = """{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"user":"ada"}""";

    private readonly List<SessionTestHost> _hosts = [];

    [Fact]
    public async Task ExpressWrittenSession_ReachesItsAbsoluteTimeout_ThroughTouchesAlone()
    {
        var host = await StartAsync(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(20);
            o.AbsoluteTimeout = TimeSpan.FromHours(1);
        });
        var (pair, id) = await LoginAsync(host);
        Assert.True(await Redis.StringSetAsync(Prefix + id, ExpressValue, TimeSpan.FromMinutes(20)));

        Assert.Equal("ada", await host.GetStringAsync("/read", pair));
        for (var minutes = 10; minutes < 60; minutes += 10)
        {
            host.Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal("ada", await host.GetStringAsync("/read", pair));
        }

        host.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("nobody", await host.GetStringAsync("/read", pair));
        Assert.Equal(1, host.Store.Count("set-leased")); // the one write that stored the creation time
        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
    }

    [Fact]
    public async Task TouchOfARequestThatLoadedEarlier_LeavesTheLongerMaxAgeSavedMeanwhile()
    {
        var hold = new HoldGate();
        var host = await StartAsync(o => o.Cookie.MaxAge = TimeSpan.FromDays(1), app => app.MapGet("/hold-read", async (ServerSession session) =>
        {
            var user = session.Get<string>("user");
            await hold.EnterAsync();
            return user;
        }).WithMetadata(new ReadOnlySessionAttribute()));
        var (pair, id) = await LoginAsync(host);
        var reader = host.SendAsync("/hold-read", pair); // A loads the session with its 1-day MaxAge
        await hold.Inside;
        host.Time.Advance(TimeSpan.FromSeconds(1));

        (await host.SendAsync("/remember-me", pair)).EnsureSuccessStatusCode(); // B saves a 30-day MaxAge
        hold.Release();
        using var read = await reader.Within("the reader's response, after its touch");

        Assert.Equal("ada", await read.Content.ReadAsStringAsync());
        Assert.Equal(1, host.Store.Count("touch"));
        var left = await Redis.KeyTimeToLiveAsync(Prefix + id);
        Assert.True(left > TimeSpan.FromDays(29), $"The session has {left} left: the touch undid the 30-day MaxAge.");
    }

    [Fact]
    public async Task Touch_OfAValueExpressWrote_MovesItsExpiry_UntilExpressRewritesIt()
    {
        var store = Open();
        var id = Guid.NewGuid().ToString("N");
        Assert.True(await Redis.StringSetAsync(Prefix + id, ExpressValue, TimeSpan.FromMinutes(10)));
        var read = (await store.GetAsync(id, None))!.Value.Payload.ToArray();

        Assert.True(await store.TouchAsync(id, read, DateTimeOffset.UtcNow.AddHours(1), None));
        Assert.True(await Redis.KeyTimeToLiveAsync(Prefix + id) > TimeSpan.FromMinutes(50));
        Assert.Equal(ExpressValue, (string?)await Redis.StringGetAsync(Prefix + id)); // a touch leaves the value

        var rewritten = ExpressValue.Replace("\"ada\"", "\"bob\"", StringComparison.Ordinal);
        Assert.True(await Redis.StringSetAsync(Prefix + id, rewritten, TimeSpan.FromMinutes(5)));
        Assert.False(await store.TouchAsync(id, read, DateTimeOffset.UtcNow.AddHours(2), None));
        Assert.True(await Redis.KeyTimeToLiveAsync(Prefix + id) <= TimeSpan.FromMinutes(5));

        var maxAgeChanged = ExpressValue.Replace("\"originalMaxAge\":null", "\"originalMaxAge\":2592000000", StringComparison.Ordinal);
        Assert.True(await Redis.StringSetAsync(Prefix + id, maxAgeChanged, TimeSpan.FromMinutes(5)));
        Assert.False(await store.TouchAsync(id, read, DateTimeOffset.UtcNow.AddHours(2), None));
        Assert.True(await Redis.KeyTimeToLiveAsync(Prefix + id) <= TimeSpan.FromMinutes(5));
    }

    public override async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private RedisSessionStore Open(TimeProvider? time = null)
    {
        var store = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = Server.ConfigurationString, KeyPrefix = Prefix },
            new SessionCookieOptions(),
            time ?? TimeProvider.System,
            NullLogger<RedisSessionStore>.Instance);
        Stores.Add(store);
        return store;
    }

    private async Task<SessionTestHost> StartAsync(Action<ServerSessionOptions> configure, Action<WebApplication>? map = null)
    {
        var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/login", (ServerSession session) => session.Set("user", "ada"));
                app.MapGet("/read", (ServerSession session) => session.Get<string>("user") ?? "nobody");
                app.MapGet("/remember-me", (ServerSession session) => session.MaxAge = TimeSpan.FromDays(30));
                map?.Invoke(app);
            },
            o =>
            {
                o.Secret = Secret;
                configure(o);
            },
            store: time => Open(time));
        _hosts.Add(host);
        return host;
    }

    private static async Task<(string Pair, string Id)> LoginAsync(SessionTestHost host)
    {
        using var login = await host.SendAsync("/login");
        var pair = SetCookies.Pair(login);
        return (pair, SetCookies.IdOf(pair));
    }
}
