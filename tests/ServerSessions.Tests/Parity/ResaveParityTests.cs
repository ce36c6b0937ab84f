using Microsoft.AspNetCore.Builder;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G11: <c>resave</c> writes unchanged sessions back; off, they are only touched.</summary>
public sealed class ResaveParityTests
{
    [Fact]
    public async Task ResaveOffByDefault_UnchangedSession_IsTouchedNotWritten()
    {
        // express defaults resave to true; we default to false, its own recommendation.
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit);
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(1, host.Store.Count("set"));
        Assert.Equal(1, host.Store.Count("touch"));
    }

    [Fact]
    public async Task ResaveOn_UnchangedSession_IsWritten()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Resave = true);
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(2, host.Store.Count("set"));
    }

    [Fact]
    public async Task ResaveOff_UnchangedSession_IsNotWritten()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Resave = false);
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(1, host.Store.Count("get")); // the second request loaded the session, and left it unchanged
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task ResaveOff_ChangedSession_IsWrittenAndReadsBack()
    {
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapPut("/{token}", (ServerSession session, string token) =>
                {
                    session.Set("token", token);
                    return "token=" + token;
                });
                app.MapGet("/", (ServerSession session) => "token=" + session.Get<string>("token"));
            },
            o => o.Resave = false);
        using var put = await host.SendAsync("/w6RHhwaA", method: HttpMethod.Put);
        var pair = SetCookies.Pair(put);
        Assert.Equal(1, host.Store.Count("set"));

        using var get = await host.SendAsync("/", pair);
        Assert.Equal("token=w6RHhwaA", await get.Content.ReadAsStringAsync());
        Assert.Equal(1, host.Store.Count("set"));

        using var again = await host.SendAsync("/zfQ3rzM3", pair, HttpMethod.Put);
        Assert.Equal("token=zfQ3rzM3", await again.Content.ReadAsStringAsync());
        Assert.Equal(2, host.Store.Count("set"));
    }

    [Fact]
    public async Task ResaveOff_NestedPropertyNamedCookie_CountsAsAChange()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) =>
            {
                var user = session.Get<User>("user") ?? new User("bob", 0);
                session.Set("user", user with { Cookie = user.Cookie + 1 });
            }),
            o => o.Resave = false);
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(2, host.Store.Count("set"));
    }

    private sealed record User(string Name, int Cookie);
}
