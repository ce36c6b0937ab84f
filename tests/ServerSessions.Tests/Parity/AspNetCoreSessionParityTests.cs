using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests.Parity;

/// <summary>
/// Cases from ASP.NET Core's own session tests (src/Middleware/Session/test), through <see cref="ISession"/> where they
/// use it, since HttpContext.Session is what their users call.
/// </summary>
public sealed class AspNetCoreSessionParityTests
{
    [Fact]
    public async Task ReadWithoutWrite_SetsNoCookie()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (HttpContext context) =>
            context.Session.GetString("NotFound") ?? "none").WithSession());

        using var response = await host.SendAsync("/");

        Assert.Equal("none", await response.Content.ReadAsStringAsync());
        Assert.Empty(SetCookies.All(response));
    }

    [Fact]
    public async Task WriteValue_SetsExactlyOneNonEmptyCookie()
    {
        // WithSession commits before the result and again as the body starts: still one cookie.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            context.Session.SetInt32("Key", 0);
            return "written";
        }).WithSession());

        using var response = await host.SendAsync("/");

        var cookie = Assert.Single(SetCookies.All(response));
        Assert.StartsWith("connect.sid=s%3A", cookie, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CookieSecure.False, false, "not secure")]
    [InlineData(CookieSecure.False, true, "not secure")]
    [InlineData(CookieSecure.Auto, false, "not secure")]
    [InlineData(CookieSecure.Auto, true, "secure")]
    [InlineData(CookieSecure.True, false, "no cookie")] // ASP.NET Core's Always sends Secure over http; express (and we) send nothing
    [InlineData(CookieSecure.True, true, "secure")]
    public async Task SecurePolicy_DecidesTheSecureAttribute(CookieSecure secure, bool https, string expected)
    {
        await using var host = await SessionTestHost.StartAsync(ExpressApps.Hit, o => o.Cookie.Secure = secure);

        using var response = await host.SendAsync(https ? "https://localhost/" : "/");

        Assert.Equal(https ? "secure" : "insecure", await response.Content.ReadAsStringAsync()); // the session was written, over that scheme
        var cookie = SetCookies.Find(response);
        var actual = cookie is null ? "no cookie" : CookieAttributes.Parse(cookie).ContainsKey("Secure") ? "secure" : "not secure";
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Int32Value_RoundTripsAndIncrements_OverThreeRequests()
    {
        await using var host = await SessionTestHost.StartAsync(MapInt32Counter);
        using var first = await host.SendAsync("/");
        var pair = SetCookies.Pair(first);

        var answers = new List<string> { await first.Content.ReadAsStringAsync() };
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await host.GetStringAsync("/", pair));
        }

        Assert.Equal(["1", "2", "3", "4"], answers);
    }

    [Fact]
    public async Task RemovedKey_IsGoneOnTheNextRequest()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/set", (HttpContext context) => context.Session.SetString("Key", "value")).WithSession();
            app.MapGet("/remove", (HttpContext context) => context.Session.Remove("Key")).WithSession();
            app.MapGet("/read", (HttpContext context) => context.Session.GetString("Key") ?? "gone").WithSession();
        });
        using var set = await host.SendAsync("/set");
        var pair = SetCookies.Pair(set);
        Assert.Equal("value", await host.GetStringAsync("/read", pair));
        using var removed = await host.SendAsync("/remove", pair);

        Assert.Equal("gone", await host.GetStringAsync("/read", pair));
    }

    [Fact]
    public async Task Clear_EmptiesTheSessionForTheNextRequest()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/set", (HttpContext context) =>
            {
                context.Session.SetString("a", "1");
                context.Session.SetString("b", "2");
            }).WithSession();
            app.MapGet("/clear", (HttpContext context) => context.Session.Clear()).WithSession();
            app.MapGet("/keys", (HttpContext context) => context.Session.Keys.Count().ToString(CultureInfo.InvariantCulture)).WithSession();
        });
        using var set = await host.SendAsync("/set");
        var pair = SetCookies.Pair(set);
        Assert.Equal("2", await host.GetStringAsync("/keys", pair));
        using var cleared = await host.SendAsync("/clear", pair);

        Assert.Equal("0", await host.GetStringAsync("/keys", pair));
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(pair), default)); // the session itself stays
    }

    [Fact]
    public async Task Keys_AreCaseSensitive()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/set", (HttpContext context) =>
            {
                context.Session.SetString("key", "lower");
                context.Session.SetString("KEY", "upper");
            }).WithSession();
            app.MapGet("/read", (HttpContext context) =>
                $"{context.Session.GetString("key")},{context.Session.GetString("KEY")},{context.Session.GetString("Key") ?? "none"}").WithSession();
        });
        using var set = await host.SendAsync("/set");

        Assert.Equal("lower,upper,none", await host.GetStringAsync("/read", SetCookies.Pair(set)));
    }

    [Fact]
    public async Task IdleTimeoutPassed_DataIsGone()
    {
        await using var host = await SessionTestHost.StartAsync(MapInt32Counter, o => o.IdleTimeout = TimeSpan.FromMinutes(20));
        using var first = await host.SendAsync("/");
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(SetCookies.Pair(first)), default)); // stored, until the idle timeout

        host.Time.Advance(TimeSpan.FromMinutes(21));
        using var second = await host.SendAsync("/", SetCookies.Pair(first));

        Assert.Equal("1", await second.Content.ReadAsStringAsync());
        Assert.NotEqual(SetCookies.IdOf(SetCookies.Pair(first)), SetCookies.IdOf(SetCookies.Pair(second)));
    }

    [Fact]
    public async Task LoadedButUnchangedRequests_SlideTheIdleExpiry()
    {
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/set", (HttpContext context) => context.Session.SetInt32("Key", 10)).WithSession();
                app.MapGet("/read", (HttpContext context) => context.Session.GetInt32("Key")?.ToString(CultureInfo.InvariantCulture) ?? "gone").WithSession();
                app.MapGet("/untouched", (ServerSession session) => session.IsLoaded ? "loaded" : "not loaded");
            },
            o => o.IdleTimeout = TimeSpan.FromMinutes(20));
        using var set = await host.SendAsync("/set");
        var pair = SetCookies.Pair(set);

        for (var i = 0; i < 5; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal("loaded", await host.GetStringAsync("/untouched", pair));
        }

        Assert.Equal("10", await host.GetStringAsync("/read", pair));
    }

    [Fact]
    public async Task RequestsThatNeverLoadTheSession_DoNotSlideTheIdleExpiry()
    {
        // ASP.NET Core refreshes on every request through its middleware; ours loads lazily, so a request that never
        // uses the session never reaches the store, and does not keep the session alive.
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/set", (HttpContext context) => context.Session.SetInt32("Key", 10)).WithSession();
                app.MapGet("/read", (HttpContext context) => context.Session.GetInt32("Key")?.ToString(CultureInfo.InvariantCulture) ?? "gone").WithSession();
                app.MapGet("/unrelated", () => "ok");
            },
            o => o.IdleTimeout = TimeSpan.FromMinutes(20));
        using var set = await host.SendAsync("/set");
        var pair = SetCookies.Pair(set);
        Assert.NotNull(await host.Memory.GetAsync(SetCookies.IdOf(pair), default)); // stored (read past the middleware, so nothing slides)

        for (var i = 0; i < 3; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal("ok", await host.GetStringAsync("/unrelated", pair));
        }

        Assert.Equal("gone", await host.GetStringAsync("/read", pair));
        Assert.Equal(0, host.Store.Count("touch"));
    }

    [Fact]
    public async Task SessionFeature_IsRemovedWhenTheRequestEnds()
    {
        bool? featureInside = null;
        bool? featureLeft = null;
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session, HttpContext context) =>
            {
                featureInside = context.Features.Get<ISessionFeature>() is not null;
                session.Set("hit", true);
            }),
            beforeSessions: app => app.Use(async (context, next) =>
            {
                await next(context);
                featureLeft = context.Features.Get<ISessionFeature>() is not null;
            }));

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(featureInside); // there to be removed
        Assert.False(featureLeft);
    }

    [Fact]
    public async Task SessionFeature_IsRemovedWhenTheRequestEnds_EvenWhenTheAppThrows()
    {
        bool? featureInside = null;
        bool? featureLeft = null;
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session, HttpContext context) =>
            {
                featureInside = context.Features.Get<ISessionFeature>() is not null;
                session.Set("hit", true);
                throw new InvalidOperationException("app failure");
            }),
            beforeSessions: app => app.Use(async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                catch (InvalidOperationException)
                {
                    featureLeft = context.Features.Get<ISessionFeature>() is not null;
                    context.Response.StatusCode = 500;
                }
            }));

        using var response = await host.SendAsync("/");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.True(featureInside); // there to be removed
        Assert.False(featureLeft);
    }

    [Fact]
    public async Task UnloadedSession_SynchronousAccessThrows()
    {
        // ASP.NET Core loads synchronously on first access (and swallows store errors); we never block a thread on store I/O.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", (HttpContext context) =>
        {
            try
            {
                return context.Session.GetString("Key") ?? "none";
            }
            catch (InvalidOperationException)
            {
                return "not loaded";
            }
        }));

        Assert.Equal("not loaded", await host.GetStringAsync("/"));
    }

    [Fact]
    public async Task LoadFailure_ThrowsFromLoadSessionAsync_AndSessionIsUnavailable()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (HttpContext context) =>
        {
            try
            {
                await context.LoadSessionAsync();
                return "loaded";
            }
            catch (SessionStoreException)
            {
                return "failed, available: " + context.Session.IsAvailable;
            }
        }));
        host.Store.Failures["get"] = new InvalidOperationException("boom!");
        var someSession = "connect.sid=" + Uri.EscapeDataString(new CookieSigner([SessionTestHost.Secret]).Sign(new string('a', 32)));

        Assert.Equal("failed, available: False", await host.GetStringAsync("/", someSession));
    }

    [Fact]
    public async Task LoadWithCancelledToken_Throws()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/put", (ServerSession session) => session.Set("foo", "bar"));
            app.MapGet("/load", async (HttpContext context) =>
            {
                try
                {
                    await context.LoadSessionAsync(new CancellationToken(canceled: true));
                    return "loaded";
                }
                catch (OperationCanceledException)
                {
                    return "cancelled";
                }
            });
        });
        using var put = await host.SendAsync("/put");

        Assert.Equal("cancelled", await host.GetStringAsync("/load", SetCookies.Pair(put)));
    }

    [Fact]
    public async Task CancelledManualCommit_EndOfRequestCommitStillStores()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (HttpContext context) =>
        {
            context.Session.SetString("Key", "value");
            // A store that honours cancellation throws; the end-of-request commit, with no caller token, must still save.
            context.TestStore().Failures["set"] = new OperationCanceledException();
            try
            {
                await context.Session.CommitAsync(new CancellationToken(canceled: true));
            }
            catch (OperationCanceledException)
            {
                context.TestStore().Failures.TryRemove("set", out _);
            }

            return "ok";
        }).WithSession());

        using var response = await host.SendAsync("/");

        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, host.Store.Count("set"));
        Assert.Equal(1, host.Memory.Count);
    }

    [Fact]
    public async Task ClientAbort_CommitStillHappens()
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/", (ServerSession session, HttpContext context) =>
            {
                session.Set("Key", "value");
                context.Abort();
            }),
            beforeSessions: app => app.Use(async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                finally
                {
                    finished.TrySetResult();
                }
            }));

        await Assert.ThrowsAnyAsync<Exception>(() => host.SendAsync("/"));
        await finished.Task.Within("the aborted request to finish on the server");

        Assert.Equal(1, host.Memory.Count);
    }

    [Fact]
    public async Task SetAfterTheResponseStarted_Throws()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/", async (ServerSession session, HttpContext context) =>
        {
            await context.Response.WriteAsync("body;");
            try
            {
                session.Set("late", true);
                await context.Response.WriteAsync("accepted");
            }
            catch (InvalidOperationException)
            {
                await context.Response.WriteAsync("refused");
            }
        }));

        Assert.Equal("body;refused", await host.GetStringAsync("/"));
    }

    [Fact]
    public async Task LoadedSession_ResponseIsNotCacheable_OtherResponsesUntouched()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/session", (ServerSession session) => "session");
            app.MapGet("/plain", () => "plain");
        });

        using var withSession = await host.SendAsync("/session");
        using var plain = await host.SendAsync("/plain");

        Assert.Equal("no-store", withSession.Headers.CacheControl?.ToString());
        Assert.Null(plain.Headers.CacheControl);
    }

    private static void MapInt32Counter(WebApplication app) =>
        app.MapGet("/", (HttpContext context) =>
        {
            var value = (context.Session.GetInt32("Key") ?? 0) + 1;
            context.Session.SetInt32("Key", value);
            return value.ToString(CultureInfo.InvariantCulture);
        }).WithSession();
}
