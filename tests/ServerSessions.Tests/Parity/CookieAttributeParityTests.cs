using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>express-session G8: cookie attributes, path scoping and expiry.</summary>
public sealed class CookieAttributeParityTests
{
    private static readonly TimeSpan TwoSeconds = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task RequestOutsideCookiePath_GetsNoCookie_AndNoStoredSession()
    {
        // The browser would never send a /foo/bar cookie back to "/": a session made here could never be used again.
        await using var host = await StartScopedAsync();
        await AssertASessionIsMadeInsideTheCookiePathAsync(host);

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(SetCookies.All(response));
        Assert.Equal(1, host.Store.Count("set")); // only the one made inside the path
    }

    [Fact]
    public async Task RequestOutsideCookiePath_WithOddHostHeader_GetsNoCookie()
    {
        await using var host = await StartScopedAsync();
        await AssertASessionIsMadeInsideTheCookiePathAsync(host);

        using var response = await host.SendAsync("/", configure: r => r.Headers.TryAddWithoutValidation("Host", "http://foo/bar"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(SetCookies.All(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task RequestAtCookiePath_GetsCookie()
    {
        await using var host = await StartScopedAsync();

        using var response = await host.SendAsync("/foo/bar");

        Assert.Equal("/foo/bar", CookieAttributes.Of(response)["Path"]);
    }

    [Fact]
    public async Task RequestBeneathCookiePath_GetsCookie()
    {
        await using var host = await StartScopedAsync();

        using var response = await host.SendAsync("/foo/bar/baz");

        Assert.Equal("/foo/bar", CookieAttributes.Of(response)["Path"]);
    }

    [Fact]
    public async Task AppMountedAtPathBase_FullPathMatchesCookiePath_GetsCookie()
    {
        await using var host = await StartScopedAsync(app => app.UsePathBase("/foo"));

        using var response = await host.SendAsync("/foo/bar");

        Assert.NotNull(SetCookies.Find(response));
    }

    [Fact]
    public async Task AppMountedAtPathBase_PathAloneMatchesCookiePath_GetsNoCookie()
    {
        // PathBase "/foo" + Path "/foo/bar" is "/foo/foo/bar": outside "/foo/bar", whatever the Path alone says.
        await using var host = await StartScopedAsync(app => app.UsePathBase("/foo"));
        await AssertASessionIsMadeInsideTheCookiePathAsync(host);

        using var response = await host.SendAsync("/foo/foo/bar");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(SetCookies.All(response));
        Assert.Equal(1, host.Store.Count("set"));
    }

    [Fact]
    public async Task DefaultCookie_HasNoExpires()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.Path = "/admin");

        using var response = await host.SendAsync("/admin");

        Assert.False(CookieAttributes.Of(response).ContainsKey("Expires"));
    }

    [Fact]
    public async Task BrowserSessionCookie_IsSentOnce()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.Path = "/admin");
        using var first = await host.SendAsync("/admin/foo");

        using var second = await host.SendAsync("/admin", SetCookies.Pair(first));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Empty(SetCookies.All(second));
    }

    [Fact]
    public async Task CookieOptions_OverrideTheDefaults()
    {
        // express also flips secure per request (req.session.cookie.secure = false); ours is app-wide, so it is off here.
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o =>
        {
            o.Cookie.HttpOnly = false;
            o.Cookie.MaxAge = TimeSpan.FromSeconds(5);
            o.Cookie.Path = "/admin";
            o.Cookie.Priority = CookiePriority.High;
            o.Cookie.Secure = CookieSecure.False;
        });

        using var response = await host.SendAsync("/admin");

        var attributes = CookieAttributes.Of(response);
        Assert.True(attributes.ContainsKey("Expires"));
        Assert.False(attributes.ContainsKey("HttpOnly"));
        Assert.Equal("/admin", attributes["Path"]);
        Assert.False(attributes.ContainsKey("Secure"));
        Assert.Equal("High", attributes["Priority"]);
    }

    [Fact]
    public async Task InvalidMaxAge_FailsAtStartup()
    {
        // express reports an invalid expires on each request; we refuse to start.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.MaxAge = TimeSpan.FromSeconds(-1)));
        Assert.Contains("MaxAge", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CookieSetByTheAppsHeaders_IsKept()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session, HttpContext context) =>
        {
            session.Set("hit", true);
            context.Response.Headers.Append("Set-Cookie", "previous=cookieValue; Path=/; HttpOnly");
        }));

        using var response = await host.SendAsync("/");

        Assert.Equal("previous=cookieValue", SetCookies.Pair(response, "previous"));
        Assert.NotNull(SetCookies.Find(response));
    }

    [Fact]
    public async Task CookieSetThroughResponseCookies_IsKept()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session, HttpContext context) =>
        {
            session.Set("hit", true);
            context.Response.Cookies.Append("previous", "cookieValue");
            return "ok";
        }));

        using var response = await host.SendAsync("/");

        Assert.Equal("previous=cookieValue", SetCookies.Pair(response, "previous"));
        Assert.NotNull(SetCookies.Find(response));
    }

    [Fact]
    public async Task SessionMaxAge_EqualsTheConfiguredMaxAge()
    {
        await using var host = await StartMaxAgeReaderAsync();

        Assert.Equal("2000", await host.GetStringAsync("/"));
    }

    [Fact]
    public async Task SessionMaxAge_StillEqualsTheConfiguredMaxAge_OnLaterRequests()
    {
        await using var host = await StartMaxAgeReaderAsync();
        using var first = await host.SendAsync("/");

        host.Time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal("2000", await host.GetStringAsync("/", SetCookies.Pair(first)));
    }

    [Fact]
    public async Task SessionMaxAgeOverride_SurvivesTheStoresJsonRoundTrip()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (ServerSession session) =>
        {
            if (session.IsNew)
            {
                session.MaxAge = TimeSpan.FromSeconds(5);
            }

            return session.MaxAge!.Value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
        }), o => o.Cookie.MaxAge = TwoSeconds);
        using var first = await host.SendAsync("/");

        host.Time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal("5000", await host.GetStringAsync("/", SetCookies.Pair(first)));
    }

    [Fact]
    public async Task Expires_IsNowPlusMaxAge()
    {
        await using var host = await StartMaxAgeStepsAsync();

        using var response = await host.SendAsync("/");

        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.Equal(host.Time.GetUtcNow() + TwoSeconds, CookieAttributes.Expires(response));
    }

    [Fact]
    public async Task ChangingMaxAgeMidSession_ChangesExpires()
    {
        await using var host = await StartMaxAgeStepsAsync();
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("2", await second.Content.ReadAsStringAsync());
        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromSeconds(5), CookieAttributes.Expires(second));
    }

    [Fact]
    public async Task VeryLargeMaxAge_IsHandled()
    {
        await using var host = await StartMaxAgeStepsAsync();
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);
        using var second = await host.SendAsync("/", pair);

        using var third = await host.SendAsync("/", pair);

        Assert.Equal("3", await third.Content.ReadAsStringAsync());
        Assert.Equal(host.Time.GetUtcNow() + TimeSpan.FromMilliseconds(3_000_000_000), CookieAttributes.Expires(third));
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(pair), default));
    }

    [Fact]
    public async Task AbsoluteTimeout_CapsCookieExpires()
    {
        // express lets a session set an absolute cookie.expires; our absolute limit is AbsoluteTimeout, and the cookie never outlives it.
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Counter, o =>
        {
            o.Cookie.MaxAge = TimeSpan.FromDays(1);
            o.AbsoluteTimeout = TimeSpan.FromHours(1);
        });
        var created = host.Time.GetUtcNow();
        using var first = await host.SendAsync("/");
        host.Time.Advance(TimeSpan.FromMinutes(30));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(created + TimeSpan.FromHours(1), CookieAttributes.Expires(first));
        Assert.Equal(created + TimeSpan.FromHours(1), CookieAttributes.Expires(second));
    }

    [Fact]
    public async Task SessionMaxAgeNull_GivesBrowserSessionCookie()
    {
        await using var host = await StartBrowserSessionAsync(alsoChange: true);

        using var response = await host.SendAsync("/");

        Assert.False(CookieAttributes.Of(response).ContainsKey("Expires"));
    }

    [Fact]
    public async Task SessionMaxAgeNull_CookieIsNotSentAgain()
    {
        await using var host = await StartBrowserSessionAsync(alsoChange: false);
        using var first = await host.SendAsync("/");
        Assert.False(CookieAttributes.Of(first).ContainsKey("Expires"));

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Empty(SetCookies.All(second));
    }

    [Fact]
    public async Task SessionMaxAgeNull_CookieIsNotSentAgain_EvenWhenTheSessionChanges()
    {
        await using var host = await StartBrowserSessionAsync(alsoChange: true);
        using var first = await host.SendAsync("/");

        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("2", await second.Content.ReadAsStringAsync());
        Assert.Empty(SetCookies.All(second));
    }

    [Fact]
    public async Task Partitioned_IsAbsentByDefault()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit);
        using var response = await host.SendAsync("/");
        Assert.False(CookieAttributes.Of(response).ContainsKey("Partitioned"));
    }

    [Fact]
    public async Task PartitionedFalse_GivesNoAttribute()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.Partitioned = false);
        using var response = await host.SendAsync("/");
        Assert.False(CookieAttributes.Of(response).ContainsKey("Partitioned"));
    }

    [Fact]
    public async Task PartitionedTrue_AddsTheAttribute()
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.Partitioned = true);
        using var response = await host.SendAsync("/");
        Assert.True(CookieAttributes.Of(response).ContainsKey("Partitioned"));
    }

    // The precondition of a "no cookie outside the path" case: the same app makes a session, with a cookie, at the path itself.
    private static async Task AssertASessionIsMadeInsideTheCookiePathAsync(SessionTestHost host)
    {
        using var inside = await host.SendAsync("/foo/bar");
        Assert.Equal("/foo/bar", CookieAttributes.Of(inside)["Path"]);
        Assert.Equal(1, host.Store.Count("set"));
    }

    // express's path tests run its default app (saveUninitialized on, session untouched), so a cookie means "a session was made here".
    private static Task<SessionTestHost> StartScopedAsync(Action<WebApplication>? beforeSessions = null) =>
        SessionTestHost.StartAsync(
            app => app.Run(async context =>
            {
                await context.LoadSessionAsync();
                await context.Response.WriteAsync("ok");
            }),
            o =>
            {
                o.Cookie.Path = "/foo/bar";
                o.SaveUninitialized = true;
            },
            beforeSessions: beforeSessions);

    private static Task<SessionTestHost> StartMaxAgeReaderAsync() =>
        SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) => session.MaxAge!.Value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)),
            o =>
            {
                o.Cookie.MaxAge = TwoSeconds;
                o.SaveUninitialized = true;
            });

    // express's .maxAge suite: request 1 keeps the configured 2 s, request 2 sets 5 s, request 3 sets 3·10⁹ ms.
    private static Task<SessionTestHost> StartMaxAgeStepsAsync() =>
        SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) =>
            {
                var count = session.Get<int>("count") + 1;
                session.Set("count", count);
                if (count == 2)
                {
                    session.MaxAge = TimeSpan.FromSeconds(5);
                }
                else if (count == 3)
                {
                    session.MaxAge = TimeSpan.FromMilliseconds(3_000_000_000);
                }

                return count.ToString(CultureInfo.InvariantCulture);
            }),
            o => o.Cookie.MaxAge = TwoSeconds);

    private static Task<SessionTestHost> StartBrowserSessionAsync(bool alsoChange) =>
        SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session) =>
            {
                session.MaxAge = null;
                if (alsoChange)
                {
                    session.Set("hit", session.Get<int>("hit") + 1);
                }

                return session.Get<int>("hit").ToString(CultureInfo.InvariantCulture);
            }),
            o => o.Cookie.MaxAge = TimeSpan.FromMinutes(1));
}
