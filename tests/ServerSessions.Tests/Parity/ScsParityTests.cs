using System.Globalization;
using Microsoft.AspNetCore.Builder;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>Cases from alexedwards/scs (session_test.go, data_test.go) that express-session's suite does not cover.</summary>
public sealed class ScsParityTests
{
    [Fact]
    public async Task ChangedSession_ResendsTheCookieWithTheSameId()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter, o => o.Cookie.MaxAge = TimeSpan.FromHours(1));
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(SetCookies.Pair(first), SetCookies.Pair(second));
    }

    [Fact]
    public async Task UnchangedRead_SendsNoCookie()
    {
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/put", (ServerSession session) => session.Set("foo", "bar"));
                app.MapGet("/get", (ServerSession session) => session.Get<string>("foo"));
            },
            o => o.Cookie.MaxAge = TimeSpan.FromHours(1));
        using var put = await host.SendAsync("/put");

        using var get = await host.SendAsync("/get", SetCookies.Pair(put));

        Assert.Equal("bar", await get.Content.ReadAsStringAsync());
        Assert.Empty(SetCookies.All(get));
    }

    [Fact]
    public async Task AbsoluteTimeout_EndsASessionThatIdleTimeoutAloneWouldKeep()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered, o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(20);
            o.AbsoluteTimeout = TimeSpan.FromHours(1);
        });
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);

        for (var minutes = 10; minutes < 60; minutes += 10)
        {
            host.Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal("session 1", await host.GetStringAsync("/", pair));
        }

        host.Time.Advance(TimeSpan.FromMinutes(10));
        using var late = await host.SendAsync("/", pair);

        Assert.Equal("session 2", await late.Content.ReadAsStringAsync());
        Assert.NotEqual(SetCookies.IdOf(pair), SetCookies.IdOf(SetCookies.Pair(late)));
    }

    [Fact]
    public async Task Destroy_SendsAnExpiredCookie_AndDeletesTheRecord()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/put", (ServerSession session) => session.Set("foo", "bar"));
            app.MapGet("/destroy", async (ServerSession session) => await session.DestroyAsync());
        });
        using var put = await host.SendAsync("/put");
        var pair = SetCookies.Pair(put);
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(pair), default));

        using var destroyed = await host.SendAsync("/destroy", pair);

        Assert.Equal("connect.sid=", SetCookies.Pair(destroyed));
        Assert.Equal(DateTimeOffset.UnixEpoch, CookieAttributes.Expires(destroyed));
        Assert.Null(await host.Memory.GetAsync(SetCookies.IdOf(pair), default));
        Assert.Equal(0, host.Memory.Count);
    }

    [Fact]
    public async Task Regenerate_KeepsTheDataUnderANewId()
    {
        // scs's RenewToken; express's regenerate() drops the data, which RegenerateAsync(clearData: true) does.
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/put", (ServerSession session) => session.Set("foo", "bar"));
            app.MapGet("/renew", async (ServerSession session) => await session.RegenerateAsync());
            app.MapGet("/get", (ServerSession session) => session.Get<string>("foo") ?? "gone");
        });
        using var put = await host.SendAsync("/put");
        var oldPair = SetCookies.Pair(put);
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(oldPair), default));

        using var renewed = await host.SendAsync("/renew", oldPair);
        var newPair = SetCookies.Pair(renewed);

        Assert.NotEqual(SetCookies.IdOf(oldPair), SetCookies.IdOf(newPair));
        Assert.Equal("bar", await host.GetStringAsync("/get", newPair));
        Assert.Null(await host.Memory.GetAsync(SetCookies.IdOf(oldPair), default));
    }

    [Fact]
    public async Task UndecodableStoredBytes_StartANewSession_AndLeaveTheRecordUntouched()
    {
        // scs fails the load; we start a new session under a new ID, and the record stays as it is until it expires.
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);
        var id = SetCookies.IdOf(pair);
        var corrupt = new SessionRecord(new byte[] { 0xFF, 0xFE, 0x00, 0x7B }, host.Time.GetUtcNow().AddHours(1));
        await host.Memory.SetAsync(id, corrupt, default);

        using var second = await host.SendAsync("/", pair);

        Assert.Equal("1", await second.Content.ReadAsStringAsync());
        Assert.NotEqual(id, SetCookies.IdOf(SetCookies.Pair(second)));
        Assert.Equal(corrupt.Payload.ToArray(), (await host.Memory.GetAsync(id, default))!.Value.Payload.ToArray());
        Assert.Equal(2, host.Store.Count("set")); // the new session's
        Assert.Equal(0, host.Store.Count("destroy"));
    }

    [Fact]
    public async Task ValueReadAsTheWrongType_FailsTheRequest_AndLeavesTheRecordUntouched()
    {
        // scs's typed getters answer a zero value for the wrong type; we fail rather than hide the mismatch.
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/put", (ServerSession session) => session.Set("count", "not a number"));
            app.MapGet("/get", (ServerSession session) => session.Get<int>("count").ToString(CultureInfo.InvariantCulture));
        });
        using var put = await host.SendAsync("/put");
        var pair = SetCookies.Pair(put);
        var id = SetCookies.IdOf(pair);
        var before = (await host.Memory.GetAsync(id, default))!.Value.Payload.ToArray();

        await Assert.ThrowsAsync<SessionDataException>(() => host.SendAsync("/get", pair));

        Assert.Equal(before, (await host.Memory.GetAsync(id, default))!.Value.Payload.ToArray());
        Assert.Equal(1, host.Store.Count("set"));
    }
}
