using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G13: <c>unset</c>, what <c>req.session = null</c> (our <see cref="ServerSession.Unset"/>) does to the stored session.</summary>
public sealed class UnsetParityTests
{
    [Fact]
    public async Task UnsetValueOtherThanKeepOrDestroy_FailsAtStartup()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            SessionTestHost.StartAsync(MapUnsetOnSecondRequest, o => o.Unset = (UnsetBehavior)42));
        Assert.Contains("Unset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsetKeepByDefault_LeavesTheStoredSession()
    {
        await using var host = await SessionTestHost.StartAsync(MapUnsetOnSecondRequest);
        using var first = await host.SendAsync("/");
        Assert.Equal(1, host.Memory.Count);

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(1, host.Memory.Count);
        Assert.Equal(1, host.Store.Count("set"));
        Assert.Equal(0, host.Store.Count("destroy"));
    }

    [Fact]
    public async Task UnsetDestroy_DeletesTheStoredSession()
    {
        await using var host = await SessionTestHost.StartAsync(MapUnsetOnSecondRequest, o => o.Unset = UnsetBehavior.Destroy);
        using var first = await host.SendAsync("/");
        Assert.Equal(1, host.Memory.Count);

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(0, host.Memory.Count);
        Assert.Equal(1, host.Store.Count("destroy"));
    }

    [Fact]
    public async Task UnsetDestroy_OnABrandNewSession_SetsNoCookieAndStoresNothing()
    {
        // express's case runs with saveUninitialized on, where a brand new session is stored and given a cookie unless unset.
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/", (ServerSession session) => session.Unset());
                app.MapGet("/kept", (ServerSession session) => session.IsNew ? "new" : "old");
            },
            o =>
            {
                o.Unset = UnsetBehavior.Destroy;
                o.SaveUninitialized = true;
            });
        using var kept = await host.SendAsync("/kept");
        Assert.Equal("new", await kept.Content.ReadAsStringAsync());
        Assert.NotNull(SetCookies.Find(kept)); // without Unset, a brand new session is stored with a cookie
        Assert.Equal(1, host.Memory.Count);

        using var response = await host.SendAsync("/");

        Assert.Empty(SetCookies.All(response));
        Assert.Equal(1, host.Memory.Count); // still only the kept one
        Assert.Equal(1, host.Store.Count("set"));
    }

    private static void MapUnsetOnSecondRequest(WebApplication app) =>
        app.MapGet("/", (ServerSession session) =>
        {
            var count = session.Get<int>("count") + 1;
            session.Set("count", count);
            if (count == 2)
            {
                session.Unset();
            }
        });
}
