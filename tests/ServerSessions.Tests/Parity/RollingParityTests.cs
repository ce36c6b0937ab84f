using System.Net;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G10: <c>rolling</c> re-sends the cookie on every response that uses the session.</summary>
public sealed class RollingParityTests
{
    [Fact]
    public async Task RollingOffByDefault_UnchangedSession_GetsNoCookie()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.MaxAge = TimeSpan.FromMinutes(1));
        using var first = await host.SendAsync("/");
        Assert.NotNull(SetCookies.Find(first));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(1, host.Store.Count("get")); // the second request loaded the session
        Assert.Empty(SetCookies.All(second));
    }

    [Fact]
    public async Task Rolling_UnchangedSession_GetsCookieAgain()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o =>
        {
            o.Rolling = true;
            o.Cookie.MaxAge = TimeSpan.FromMinutes(1);
        });
        using var first = await host.SendAsync("/");
        host.Time.Advance(TimeSpan.FromSeconds(10));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(SetCookies.Pair(first), SetCookies.Pair(second));
        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromMinutes(1), CookieAttributes.Expires(second));
    }

    [Fact]
    public async Task Rolling_SaveUninitializedOff_UntouchedNewSession_GetsNoCookieAndNoWrite()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.LoadOnly, o =>
        {
            o.Rolling = true;
            o.SaveUninitialized = false;
        });

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the app loaded the session (it answers 500 otherwise)
        Assert.Empty(SetCookies.All(response));
        Assert.Equal(0, host.Store.Count("set"));
    }

    [Fact]
    public async Task Rolling_SaveUninitializedOn_UntouchedNewSession_IsStoredWithCookie()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.LoadOnly, o =>
        {
            o.Rolling = true;
            o.SaveUninitialized = true;
        });

        using var response = await host.SendAsync("/");

        Assert.NotNull(SetCookies.Find(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task Rolling_SaveUninitializedOff_ChangedNewSession_IsStoredWithCookie()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o =>
        {
            o.Rolling = true;
            o.SaveUninitialized = false;
        });

        using var response = await host.SendAsync("/");

        Assert.NotNull(SetCookies.Find(response));
        Assert.Equal(1, host.Store.Count("set"));
    }
}
