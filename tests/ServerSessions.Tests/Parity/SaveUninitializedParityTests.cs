using System.Net;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>
/// express-session G12: <c>saveUninitialized</c> decides whether a new, unchanged session is stored and given a cookie.
/// "Untouched" here means loaded and left unchanged: a request that never loads the session costs nothing either way.
/// </summary>
public sealed class SaveUninitializedParityTests
{
    [Fact]
    public async Task SaveUninitializedOffByDefault_UntouchedNewSession_IsNotStored()
    {
        // express defaults saveUninitialized to true; we default to false, so visitors who store nothing cost nothing.
        await using var host = await SessionTestHost.StartAsync(ExpressApps.LoadOnly);

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the app loaded the session (it answers 500 otherwise)
        Assert.Empty(SetCookies.All(response));
        Assert.Equal(0, host.Store.Count("set"));
    }

    [Fact]
    public async Task SaveUninitializedOn_UntouchedNewSession_IsStoredWithCookie()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.LoadOnly, o => o.SaveUninitialized = true);

        using var response = await host.SendAsync("/");

        Assert.NotNull(SetCookies.Find(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task SaveUninitializedOff_UntouchedNewSession_GetsNoCookieAndNoWrite()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.LoadOnly, o => o.SaveUninitialized = false);

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the app loaded the session (it answers 500 otherwise)
        Assert.Empty(SetCookies.All(response));
        Assert.Equal(0, host.Store.Count("set"));
    }

    [Fact]
    public async Task SaveUninitializedOff_ChangedNewSession_IsStoredWithCookie()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter, o => o.SaveUninitialized = false);

        using var response = await host.SendAsync("/");

        Assert.NotNull(SetCookies.Find(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task SaveUninitializedOff_UntouchedNewSession_IsNeverTouched()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.LoadOnly, o =>
        {
            o.SaveUninitialized = false;
            o.Cookie.MaxAge = TimeSpan.FromMinutes(1);
        });

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the app loaded the session (it answers 500 otherwise)
        Assert.Equal(0, host.Store.Count("touch"));
        Assert.Equal(0, host.Store.Count("set"));
    }
}
