using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>
/// express-session G2: the session is committed by the time the client has the response. express wraps res.end; we
/// commit before the response starts, which the <see cref="StoreAtResponseStart"/> stamp proves.
/// </summary>
public sealed class CommitParityTests
{
    /// <summary>
    /// Sends <c>GET /</c> with the store's calls held at a gate until the session's write has begun, as a networked
    /// store's write is still in flight after the call returns; the test then lets it finish. A response that started
    /// before the write finished would carry the stamp 0.
    /// </summary>
    private static async Task<HttpResponseMessage> SendWithTheWriteHeldAsync(SessionTestHost host)
    {
        host.Store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = host.SendAsync("/");
        await host.Store.Entered.Task.Within("the session's write to reach the store");
        Assert.Equal(["set"], host.Store.Calls);
        Assert.False(pending.IsCompleted, "The response came while the session's write was still held.");

        host.Store.Gate.SetResult();
        return await pending.Within("the response once the write was let finish");
    }

    [Fact]
    public async Task SlowStore_WriteHasFinished_BeforeTheResponseStarts()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) =>
            {
                session.Set("hit", true);
                return "session saved";
            }),
            beforeSessions: StoreAtResponseStart.Stamp);

        using var response = await SendWithTheWriteHeldAsync(host);

        Assert.Equal("session saved", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, StoreAtResponseStart.Read(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task EmptyBodyWithContentLengthZero_IsCommittedBeforeTheResponse()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session, HttpContext context) =>
            {
                session.Set("hit", true);
                context.Response.ContentLength = 0;
            }),
            beforeSessions: StoreAtResponseStart.Stamp);

        using var response = await SendWithTheWriteHeldAsync(host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, StoreAtResponseStart.Read(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task MultiWriteBodyWithContentLength_IsCommittedBeforeTheResponse()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", async (ServerSession session, HttpContext context) =>
            {
                session.Set("hit", true);
                context.Response.ContentLength = 12;
                await context.Response.WriteAsync("hello, ");
                await context.Response.WriteAsync("world");
            }),
            beforeSessions: StoreAtResponseStart.Stamp);

        using var response = await SendWithTheWriteHeldAsync(host);

        Assert.Equal("hello, world", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, StoreAtResponseStart.Read(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task NonChunkedBody_IsCommittedBeforeTheResponse()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", async (ServerSession session, HttpContext context) =>
            {
                session.Set("hit", true);
                context.Response.ContentLength = 13;
                await context.Response.WriteAsync("session saved");
            }),
            beforeSessions: StoreAtResponseStart.Stamp);

        using var response = await SendWithTheWriteHeldAsync(host);

        Assert.Equal("session saved", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, StoreAtResponseStart.Read(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task StoredExpiry_EqualsCookieExpires_AndMovesOnEachRequest()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) =>
            {
                session.Set("user", "bob");
                return session.Id;
            }),
            o => o.Cookie.MaxAge = TimeSpan.FromMinutes(1));
        using var first = await host.SendAsync("/");
        var id = await first.Content.ReadAsStringAsync();
        var stored = (await host.Memory.GetAsync(id, default))!.Value.Expires;
        Assert.Equal(CookieAttributes.Expires(first), stored);

        host.Time.Advance(TimeSpan.FromMilliseconds(1200));
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(id, await second.Content.ReadAsStringAsync());
        var moved = (await host.Memory.GetAsync(id, default))!.Value.Expires;
        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromMinutes(1), moved);
    }

    [Fact]
    public async Task BodyWrappedBeforeTheSessions_StillCommitsAndKeepsTheBody()
    {
        await using var host = await SessionTestHost.StartAsync(MapHelloWorld, beforeSessions: app => app.Use(BufferBody));

        using var response = await host.SendAsync("/");

        Assert.Equal("hello, world", await response.Content.ReadAsStringAsync());
        Assert.NotNull(SetCookies.Find(response));
        Assert.Equal(1, host.Memory.Count);
    }

    [Fact]
    public async Task BodyWrappedAfterTheSessions_StillCommitsAndKeepsTheBody()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.Use(BufferBody);
            MapHelloWorld(app);
        });

        using var response = await host.SendAsync("/");

        Assert.Equal("hello, world", await response.Content.ReadAsStringAsync());
        Assert.NotNull(SetCookies.Find(response));
        Assert.Equal(1, host.Memory.Count);
    }

    [Fact]
    public async Task EmptyResult_GivesEmpty200()
    {
        // Node's res.end(null); our nearest is a result that writes nothing, which leaves the commit to the middleware.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session) =>
        {
            session.Set("hit", true);
            return Results.Empty;
        }));

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
        Assert.NotNull(SetCookies.Find(response));
    }

    [Fact]
    public async Task Rolling_SlowlyStreamedResponse_NextResponseHasNewExpires()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", async (ServerSession session, HttpContext context, TimeProvider time) =>
            {
                session.Set("user", "bob");
                await context.Response.WriteAsync("hello, ");
                ((FakeTimeProvider)time).Advance(TimeSpan.FromMilliseconds(200));
                await context.Response.WriteAsync("world!");
            }),
            o =>
            {
                o.Rolling = true;
                o.Cookie.MaxAge = TimeSpan.FromMinutes(1);
            });
        using var first = await host.SendAsync("/");
        Assert.Equal("hello, world!", await first.Content.ReadAsStringAsync());

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.NotEqual(CookieAttributes.Expires(first), CookieAttributes.Expires(second));
    }

    private static void MapHelloWorld(WebApplication app) =>
        app.MapGet("/", async (ServerSession session, HttpContext context) =>
        {
            session.Set("hit", true);
            await context.Response.WriteAsync("hello, ");
            await context.Response.WriteAsync("world");
        });

    // Another middleware replacing the response body (compression, buffering): ASP.NET Core's twin of patching res.write/res.end.
    private static async Task BufferBody(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original);
    }
}
