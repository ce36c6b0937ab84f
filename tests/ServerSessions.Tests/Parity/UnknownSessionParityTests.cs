using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G4: a validly signed ID the store does not hold (unknown or expired) is never reused.</summary>
public sealed class UnknownSessionParityTests
{
    [Fact]
    public async Task SignedIdNotInStore_StartsNewSession()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(pair), default)); // there, until the test deletes it
        await host.Memory.DestroyAsync(SetCookies.IdOf(pair), default);

        using var second = await host.SendAsync("/", pair);

        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignedIdNotInStore_GetsANewId()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(pair), default)); // there, until the test deletes it
        await host.Memory.DestroyAsync(SetCookies.IdOf(pair), default);

        using var second = await host.SendAsync("/", pair);

        Assert.NotEqual(SetCookies.IdOf(pair), SetCookies.IdOf(SetCookies.Pair(second)));
        Assert.Null(await host.Memory.GetAsync(SetCookies.IdOf(pair), default));
    }

    [Fact]
    public async Task ExpiredSession_StartsNewSession()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered, o => o.Cookie.MaxAge = TimeSpan.FromMinutes(1));
        using var first = await host.SendAsync("/");

        host.Time.Advance(TimeSpan.FromMinutes(2));
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("session 2", await second.Content.ReadAsStringAsync());
        Assert.NotNull(SetCookies.Find(second));
    }

    [Fact]
    public async Task ExpiredSession_GetsANewId()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered, o => o.Cookie.MaxAge = TimeSpan.FromMinutes(1));
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);

        host.Time.Advance(TimeSpan.FromMinutes(2));
        using var second = await host.SendAsync("/", pair);

        Assert.NotEqual(SetCookies.IdOf(pair), SetCookies.IdOf(SetCookies.Pair(second)));
    }

    [Fact]
    public async Task ExpiredSession_IsRemovedFromTheStore()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered, o => o.Cookie.MaxAge = TimeSpan.FromMinutes(1));
        using var first = await host.SendAsync("/");
        Assert.Equal(1, host.Memory.Count);

        // No request: the store's own sweep, on the fake clock, removes it.
        host.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(0, host.Memory.Count);
    }
}
