using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G14: destroy, regenerate, reload, save and touch.</summary>
public sealed class SessionMethodParityTests
{
    [Fact]
    public async Task Destroy_OnANewSession_SendsNoCookie_AndLeavesAnEmptySession()
    {
        // express leaves req.session undefined; the request goes on with an empty, new session, stored only if written.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (ServerSession session) =>
        {
            session.Set("hit", true);
            var before = session.Keys.Count();
            await session.DestroyAsync();
            return string.Create(CultureInfo.InvariantCulture, $"{before} before, {session.Keys.Count()} after");
        }));

        using var response = await host.SendAsync("/");

        Assert.Equal("1 before, 0 after", await response.Content.ReadAsStringAsync());
        Assert.Empty(SetCookies.All(response));
        Assert.Equal(0, host.Memory.Count);
    }

    [Fact]
    public async Task RegenerateClearingData_GivesNewIdAndCookie_AndDropsTheOldRecord()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (ServerSession session) =>
        {
            if (session.IsNew)
            {
                session.Set("user", "bob");
                return "new";
            }

            var id = session.Id;
            await session.RegenerateAsync(clearData: true);
            return $"{session.Id == id}:{session.Get<string>("user") ?? "none"}";
        }));
        using var first = await host.SendAsync("/");
        var oldId = SetCookies.IdOf(SetCookies.Pair(first));
        Assert.NotNull(await host.Memory.GetAsync(oldId, default));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("False:none", await second.Content.ReadAsStringAsync());
        Assert.NotEqual(oldId, SetCookies.IdOf(SetCookies.Pair(second)));
        Assert.Null(await host.Memory.GetAsync(oldId, default));
    }

    [Fact]
    public async Task Reload_PicksUpWhatAnotherRequestStored()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/", (ServerSession session) =>
            {
                session.Set("active", true);
                return "session created";
            });
            app.MapGet("/bar", (ServerSession session) =>
            {
                session.Set("url", "/bar");
                return "saw /bar";
            });
            app.MapGet("/foo", async (ServerSession session, HttpContext context) =>
            {
                session.Set("url", "/foo");
                // A second request of the same session, made and finished while this one runs.
                using var client = ((TestServer)context.RequestServices.GetRequiredService<IServer>()).CreateClient();
                using var bar = new HttpRequestMessage(HttpMethod.Get, "/bar");
                bar.Headers.Add("Cookie", context.Request.Headers.Cookie.ToString());
                using var response = await client.SendAsync(bar).Within("the inner request of the same session");
                await session.ReloadAsync();
                return "saw " + session.Get<string>("url");
            });
        },
        // express's case runs a second request of the session inside the first; with Serialized concurrency the inner
        // one would wait for the outer one to finish (ConcurrencyTests), so this case runs as express does.
        o => o.Concurrency = SessionConcurrency.LastWriteWins);
        using var first = await host.SendAsync("/");

        using var foo = await host.SendAsync("/foo", SetCookies.Pair(first));

        Assert.Equal("saw /bar", await foo.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reload_OfAVanishedSession_Fails()
    {
        await using var host = await SessionTestHost.StartAsync(MapVanishingReload(attempts: 1, failureIsAnError: true));
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/foo", SetCookies.Pair(first));

        Assert.Equal(HttpStatusCode.InternalServerError, second.StatusCode);
        Assert.Contains("no longer in the store", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedFailedReloads_EachFailCleanly_AndTheRequestCompletes()
    {
        // express's test guards against its reload() recursing on itself; ours must simply fail the same way each time.
        await using var host = await SessionTestHost.StartAsync(MapVanishingReload(attempts: 20, failureIsAnError: false), o => o.Resave = false);
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/foo", SetCookies.Pair(first));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.StartsWith("20 failures:", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WritesImmediately()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (ServerSession session, HttpContext context) =>
        {
            session.Set("hit", true);
            await session.SaveAsync();
            return await context.TestMemory().GetAsync(session.Id, default) is null ? "empty" : "stored";
        }));

        Assert.Equal("stored", await host.GetStringAsync("/"));
    }

    [Fact]
    public async Task ExplicitSave_SkipsTheEndOfRequestSave()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (ServerSession session) =>
        {
            session.Set("hit", true);
            await session.SaveAsync();
            return "saved";
        }));
        using var first = await host.SendAsync("/");
        Assert.Equal(1, host.Store.Count("set"));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("saved", await second.Content.ReadAsStringAsync());
        Assert.Equal(2, host.Store.Count("set"));
    }

    [Fact]
    public async Task ReloadThenSave_SkipsTheEndOfRequestSave()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (ServerSession session) =>
        {
            session.Set("hit", true);
            try
            {
                await session.ReloadAsync();
            }
            catch (SessionDataException)
            {
                // A new session has nothing to reload; express's test ignores that error too.
            }

            await session.SaveAsync();
            return "saved";
        }));
        using var first = await host.SendAsync("/");
        Assert.Equal(1, host.Store.Count("set"));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("saved", await second.Content.ReadAsStringAsync());
        Assert.Equal(2, host.Store.Count("set"));
    }

    [Fact]
    public async Task ExplicitSave_SaveUninitializedOff_SkipsTheEndOfRequestSave()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", async (ServerSession session) =>
            {
                session.Set("hit", true);
                await session.SaveAsync();
                return "saved";
            }),
            o => o.SaveUninitialized = false);
        using var first = await host.SendAsync("/");
        Assert.Equal(1, host.Store.Count("set"));
        Assert.NotNull(SetCookies.Find(first));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(2, host.Store.Count("set"));
    }

    [Fact]
    public async Task Touch_PushesTheStoredExpiryForward()
    {
        await using var host = await StartTouchingAsync();
        using var first = await host.SendAsync("/");
        var id = SetCookies.IdOf(SetCookies.Pair(first));
        var before = (await host.Memory.GetAsync(id, default))!.Value.Expires;

        host.Time.Advance(TimeSpan.FromSeconds(10));
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        var after = (await host.Memory.GetAsync(id, default))!.Value.Expires;
        Assert.Equal(before + TimeSpan.FromSeconds(10), after);
    }

    [Fact]
    public async Task Touch_WithMaxAge_SendsTheCookieAgain()
    {
        // Not express (its touch() moves the expiry silently): ServerSession.Touch documents that a cookie with a
        // MaxAge is sent again, as with Rolling, so the browser's expiry moves with the store's.
        await using var host = await StartTouchingAsync();
        using var first = await host.SendAsync("/");

        host.Time.Advance(TimeSpan.FromSeconds(10));
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromMinutes(1), CookieAttributes.Expires(second));
    }

    // Sets hit = true (a change only on the first request) and touches the session every time.
    private static Task<SessionTestHost> StartTouchingAsync() =>
        SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) =>
            {
                session.Set("hit", true);
                session.Touch();
            }),
            o =>
            {
                o.Resave = false;
                o.Cookie.MaxAge = TimeSpan.FromMinutes(1);
            });

    // "/" creates the session; "/foo" deletes it from the store behind the request's back, then reloads it.
    private static Action<WebApplication> MapVanishingReload(int attempts, bool failureIsAnError) => app =>
    {
        app.MapGet("/", (ServerSession session) =>
        {
            session.Set("active", true);
            return "session created";
        });
        app.MapGet("/foo", async (ServerSession session, HttpContext context) =>
        {
            await context.TestMemory().DestroyAsync(session.Id, default);
            var failures = 0;
            string? message = null;
            for (var i = 0; i < attempts; i++)
            {
                try
                {
                    await session.ReloadAsync();
                }
                catch (SessionDataException ex)
                {
                    failures++;
                    message = ex.Message;
                }
            }

            return Results.Content($"{failures} failures: {message}", statusCode: failures > 0 && failureIsAnError ? 500 : 200);
        });
    };
}
