using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G1: the core lifecycle and the session object.</summary>
public sealed class LifecycleParityTests
{
    [Fact]
    public async Task PublicSurface_OffersSessionStoreContractAndMemoryStore()
    {
        Assert.True(typeof(ServerSession).IsPublic);
        Assert.True(typeof(IServerSessionStore).IsPublic && typeof(IServerSessionStore).IsInterface);
        Assert.True(typeof(MemorySessionStore).IsPublic);
        using var memory = new MemorySessionStore();

        // The memory store, used through the contract alone (on the real clock it defaults to), keeps what it is given.
        IServerSessionStore store = memory;
        var record = new SessionRecord("""{"visits":1}"""u8.ToArray(), DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddHours(1));
        await store.SetAsync("public-surface", record, default);
        var loaded = await store.GetAsync("public-surface", default);
        Assert.NotNull(loaded);
        Assert.Equal(record.Payload.ToArray(), loaded.Value.Payload.ToArray());
        Assert.Equal(record.Expires, loaded.Value.Expires);
    }

    [Fact]
    public async Task AspNetCoreSessionAlsoRegistered_FailsAtStartup()
    {
        // express yields to a session an earlier layer made; we refuse to run beside another session middleware at all.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SessionTestHost.StartAsync(
            ExpressApps.Counter, services: services => services.AddDistributedMemoryCache().AddSession()));
        Assert.Contains("AddSession", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstWrite_SetsConnectSidCookie_AndCreatesOneStoreRecord()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session) =>
        {
            session.Set("active", true);
            return "session active";
        }));

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("session active", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("connect.sid=s%3A", SetCookies.Find(response), StringComparison.Ordinal);
        Assert.Equal(1, host.Store.Count("set"));
        Assert.Equal(1, host.Memory.Count);
    }

    [Fact]
    public async Task CookieFromEarlierResponse_LoadsThatSession()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered);
        using var first = await host.SendAsync("/");
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("session 1", await first.Content.ReadAsStringAsync());
        Assert.Equal("session 1", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TwoCookielessRequests_CreateTwoSessions()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered);

        var responses = await Task.WhenAll(host.SendAsync("/"), host.SendAsync("/"));

        Assert.Equal(2, host.Memory.Count);
        Assert.NotEqual(SetCookies.IdOf(SetCookies.Pair(responses[0])), SetCookies.IdOf(SetCookies.Pair(responses[1])));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task EmptyRequestPath_IsServed_AndGetsCookie()
    {
        // Node's req.url = '' has no exact twin; an empty Path (what UsePathBase leaves for the base itself) is the closest.
        await using var host = await SessionTestHost.StartAsync(
            app => app.Run(async context =>
            {
                var session = await context.LoadSessionAsync();
                session.Set("hit", true);
                await context.Response.WriteAsync("ok");
            }),
            beforeSessions: app => app.Use((context, next) =>
            {
                context.Request.Path = PathString.Empty;
                return next(context);
            }));

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(SetCookies.Find(response));
    }

    [Fact]
    public async Task StoredKeysNamedLikeSessionMembers_StillLoad()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Numbered);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);
        var id = SetCookies.IdOf(pair);
        var record = (await host.Memory.GetAsync(id, default))!.Value;
        var stored = JsonNode.Parse(record.Payload.Span)!.AsObject();
        foreach (var member in new[] { "save", "reload", "id", "Id", "cookie", "Keys" })
        {
            stored[member] = "nope";
        }

        await host.Memory.SetAsync(id, record with { Payload = JsonSerializer.SerializeToUtf8Bytes(stored) }, default);

        using var second = await host.SendAsync("/", pair);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("session 1", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Keys_ListOnlyTheAppsValues()
    {
        // express lists "cookie" too; our cookie settings are members (MaxAge), not a value.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session) =>
        {
            session.Set("test1", 1);
            session.Set("test2", "b");
            return string.Join(',', session.Keys.Order(StringComparer.Ordinal));
        }));

        Assert.Equal("test1,test2", await host.GetStringAsync("/"));
    }

    [Fact]
    public async Task Counter_GoesFromOneToTwo_AndRecordIsLoadableFromStore()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);
        Assert.Equal("1", await first.Content.ReadAsStringAsync());
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(pair), default));

        using var second = await host.SendAsync("/", pair);

        Assert.Equal("2", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SessionWithMaxAge_SetsCookieOnlyWhenChanged()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session, bool? modify) =>
            {
                if (modify != false)
                {
                    session.Set("count", session.Get<int>("count") + 1);
                }

                return session.Get<int>("count").ToString(CultureInfo.InvariantCulture);
            }),
            o => o.Cookie.MaxAge = TimeSpan.FromMinutes(1));
        using var first = await host.SendAsync("/");
        using var second = await host.SendAsync("/", SetCookies.Pair(first));
        var pair = SetCookies.Pair(second);

        using var unchanged = await host.SendAsync("/?modify=false", pair);
        using var changed = await host.SendAsync("/", pair);

        Assert.Equal("2", await unchanged.Content.ReadAsStringAsync());
        Assert.Null(SetCookies.Find(unchanged));
        Assert.Equal("3", await changed.Content.ReadAsStringAsync());
        Assert.NotNull(SetCookies.Find(changed));
    }

    [Fact]
    public async Task Keys_DoNotListSessionMetadata()
    {
        // Methods and settings (SaveAsync, Touch, MaxAge) leave no trace among the keys, now or after a store round trip.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (ServerSession session) =>
        {
            if (session.IsNew)
            {
                session.Set("foo", "foo");
                session.Set("bar", "bar");
                session.MaxAge = TimeSpan.FromHours(1);
                session.Touch();
                await session.SaveAsync();
            }

            return string.Join(',', session.Keys.Order(StringComparer.Ordinal));
        }));
        using var first = await host.SendAsync("/");
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("bar,foo", await first.Content.ReadAsStringAsync());
        Assert.Equal("bar,foo", await second.Content.ReadAsStringAsync());
    }
}
