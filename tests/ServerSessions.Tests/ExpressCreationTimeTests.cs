using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using ServerSessions.Sqlite;
using ServerSessions.Tests.Infrastructure;
using ServerSessions.Tests.Stores;

namespace ServerSessions.Tests;

/// <summary>
/// A session written by express-session carries no <c>__created</c>: the first request that holds its lock (and lease)
/// stores one, once, so the absolute timeout counts from then on instead of restarting at every load.
/// </summary>
public sealed class ExpressCreationTimeTests
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";

    public static TheoryData<string> Stores => ["Memory", "Sqlite", "LeaseStore"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ExpressWrittenSession_ReachesItsAbsoluteTimeout_ThroughTouchesAlone(string kind)
    {
        using var folder = new TempDirectory();
        IServerSessionStore? inner = null;
        try
        {
            await using var host = await StartAsync(time => inner = Create(kind, time, folder));
            var (pair, id) = await StoreAsExpressWouldAsync(host);
            var writes = Writes(host);

            // Only reads from here on: each request touches the session, none changes it.
            Assert.Equal("ada", await host.GetStringAsync("/read", pair));
            for (var minutes = 10; minutes < 60; minutes += 10)
            {
                host.Time.Advance(TimeSpan.FromMinutes(10));
                Assert.Equal("ada", await host.GetStringAsync("/read", pair));
            }

            host.Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal("nobody", await host.GetStringAsync("/read", pair)); // an hour after the first load: replaced
            Assert.Equal(writes + 1, Writes(host)); // one write stored the creation time, once
            Assert.Null(await host.Store.Inner.GetAsync(id, default));
        }
        finally
        {
            switch (inner)
            {
                case IAsyncDisposable disposable:
                    await disposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    [Fact]
    public async Task ExpressWrittenSession_FirstLoad_StoresItsCreationTime_AndKeepsItsExpiry()
    {
        await using var host = await StartAsync(store: null);
        var (pair, id) = await StoreAsExpressWouldAsync(host);
        var expires = (await host.Memory.GetAsync(id, default))!.Value.Expires;
        host.Time.Advance(TimeSpan.FromMinutes(3));
        var loaded = host.Time.GetUtcNow().ToUnixTimeMilliseconds();

        Assert.Equal("ada", await host.GetStringAsync("/read", pair));

        var stored = SessionPayload.Parse((await host.Memory.GetAsync(id, default))!.Value.Payload.Span);
        Assert.Equal(loaded, stored.CreatedUnixMs);
        Assert.Equal("\"ada\"", Encoding.UTF8.GetString(stored.Values["user"]));

        // The write kept the expiry; the commit's touch then moved it as for any request.
        Assert.Equal(["set", "get", "set", "touch"], host.Store.Calls);
        Assert.True(expires < (await host.Memory.GetAsync(id, default))!.Value.Expires);
    }

    [Fact]
    public async Task ExpressWrittenSession_ReadOnlyRequest_DoesNotWriteIt()
    {
        await using var host = await StartAsync(store: null);
        var (pair, id) = await StoreAsExpressWouldAsync(host);

        Assert.Equal("ada", await host.GetStringAsync("/read-only", pair));

        // Holding no lock, it must not write an unchanged session back over one saved meanwhile: only touches.
        Assert.Equal(1, host.Store.Count("set"));
        Assert.Equal("{\"user\":\"ada\"}", Encoding.UTF8.GetString((await host.Memory.GetAsync(id, default))!.Value.Payload.Span));
    }

    [Fact]
    public async Task FailedCreationTimeWrite_LeavesTheSessionUnloaded_SoARetriedLoadStoresIt_AndTheChangeIsSaved()
    {
        SessionTestHost? self = null;
        await using var host = await StartAsync(store: null, app => app.MapGet("/retry", async (HttpContext context) =>
        {
            self!.Store.Failures["set"] = new InvalidOperationException("the store is down");
            await Assert.ThrowsAsync<SessionStoreException>(() => context.LoadSessionAsync().AsTask());
            self.Store.Failures.Clear();
            var session = await context.LoadSessionAsync(); // must load again, not find a half-loaded session
            session.Set("user", "grace");
            return session.Get<string>("user");
        }));
        self = host;
        var (pair, id) = await StoreAsExpressWouldAsync(host);

        Assert.Equal("grace", await host.GetStringAsync("/retry", pair));

        var stored = SessionPayload.Parse((await host.Memory.GetAsync(id, default))!.Value.Payload.Span);
        Assert.Equal("\"grace\"", Encoding.UTF8.GetString(stored.Values["user"])); // the change was saved
        Assert.NotEqual(0, stored.CreatedUnixMs);
    }

    private static Task<SessionTestHost> StartAsync(Func<TimeProvider, IServerSessionStore>? store, Action<WebApplication>? more = null) =>
        SessionTestHost.StartAsync(
            app =>
            {
                more?.Invoke(app);
                app.MapGet("/login", (ServerSession session) => session.Set("user", "ada"));
                app.MapGet("/read", (ServerSession session) => session.Get<string>("user") ?? "nobody");
                app.MapGet("/read-only", (ServerSession session) => session.Get<string>("user") ?? "nobody")
                    .WithMetadata(new ReadOnlySessionAttribute());
            },
            o =>
            {
                o.Secret = Secret;
                o.IdleTimeout = TimeSpan.FromMinutes(20);
                o.AbsoluteTimeout = TimeSpan.FromHours(1);
            },
            store: store);

    // A session of ours, then rewritten in the store as express-session writes one: the same values, no __created.
    private static async Task<(string Pair, string Id)> StoreAsExpressWouldAsync(SessionTestHost host)
    {
        using var login = await host.SendAsync("/login");
        var pair = SetCookies.Pair(login);
        var id = SetCookies.IdOf(pair);
        var express = new SessionRecord(Encoding.UTF8.GetBytes("{\"user\":\"ada\"}"), host.Time.GetUtcNow().AddMinutes(20));
        await host.Store.Inner.SetAsync(id, express, default);
        return (pair, id);
    }

    private static int Writes(SessionTestHost host) => host.Store.Calls.Count(call => call is "set" or "set-leased");

    private static IServerSessionStore Create(string kind, TimeProvider time, TempDirectory folder) => kind switch
    {
        "Sqlite" => new SqliteSessionStore(new SqliteSessionStoreOptions { Path = folder.File("sessions.db") }, time, NullLogger<SqliteSessionStore>.Instance),
        "LeaseStore" => new InMemoryLeaseStore(time),
        _ => new MemorySessionStore(new MemorySessionStoreOptions(), time),
    };
}
