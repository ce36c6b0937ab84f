using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerSessions.Sqlite;
using ServerSessions.Tests.Infrastructure;
using ServerSessions.Tests.Stores;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests;

/// <summary>
/// Session:NewSessionLimit: a client address that starts too many sessions gets 429 with Retry-After before anything is
/// stored, and a request that came with a valid session is never limited. One permit a minute, so the bucket never
/// refills while a test runs: each test spends a burst and looks at the next request.
/// </summary>
public sealed class NewSessionLimiterTests
{
    private const string First = "198.51.100.1";
    private const string Second = "198.51.100.2";

    private static Task<SessionTestHost> StartAsync(
        int burst, LogLines? logs = null, Func<TimeProvider, IServerSessionStore>? store = null, Action<WebApplication>? map = null) =>
        SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/count", Count);
                app.MapGet("/peek", (ServerSession session) => session.Get<int>("visits").ToString(System.Globalization.CultureInfo.InvariantCulture));
                app.MapGet("/regenerate", async (ServerSession session) =>
                {
                    await session.RegenerateAsync();
                    return Count(session);
                });
                map?.Invoke(app);
            },
            o =>
            {
                o.NewSessionLimit.PermitsPerMinute = 1;
                o.NewSessionLimit.Burst = burst;
            },
            services: logs is null ? null : logs.AddTo,
            beforeSessions: ClientAddress.Use,
            store: store);

    private static Task<HttpResponseMessage> VisitAsync(SessionTestHost host, string from, string path = "/count", string? cookie = null) =>
        host.SendAsync(path, cookie, configure: ClientAddress.From(from));

    private static async Task<string> FirstVisitFromAsync(SessionTestHost host, string from)
    {
        using var response = await VisitAsync(host, from);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return SetCookies.Pair(response);
    }

    private static async Task AssertRefusedAsync(SessionTestHost host, string from, string path = "/count", string? cookie = null)
    {
        var stored = host.Store.Count("set");
        using var response = await VisitAsync(host, from, path, cookie);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(1), response.Headers.RetryAfter?.Delta); // one permit a minute: the next in a minute
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Null(SetCookies.Find(response));
        Assert.Equal(stored, host.Store.Count("set"));
    }

    [Fact]
    public async Task NewSessionsPastTheBurst_Get429WithRetryAfter_AndNothingIsStored()
    {
        var logs = new LogLines();
        await using var host = await StartAsync(burst: 3, logs);
        for (var i = 0; i < 3; i++)
        {
            await FirstVisitFromAsync(host, First);
        }

        await AssertRefusedAsync(host, First);

        Assert.Equal(3, host.Store.Count("set"));
        Assert.Equal(3, host.Memory.Count);
        var line = Assert.Single(logs.WithEvent(2041));
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains(First, line.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Services.GetRequiredService<NewSessionLimiter>().Refused);
    }

    [Fact]
    public async Task OnSqlite_NewSessionsPastTheBurst_Get429_AndNothingIsStored()
    {
        // The memory store (and its eviction policy) is out of the picture: the limit alone keeps the flood out.
        using var folder = new TempDirectory();
        SqliteSessionStore? sqlite = null;
        try
        {
            await using var host = await StartAsync(burst: 2, store: time => sqlite = new SqliteSessionStore(
                new SqliteSessionStoreOptions { Path = folder.File("sessions.db") }, time, NullLogger<SqliteSessionStore>.Instance));
            var cookie = await FirstVisitFromAsync(host, First);
            await FirstVisitFromAsync(host, First);

            await AssertRefusedAsync(host, First);

            Assert.Equal(2, host.Store.Count("set"));
            Assert.Equal(0, host.Memory.Count);
            Assert.NotNull(await sqlite!.GetAsync(SetCookies.IdOf(cookie), default));
        }
        finally
        {
            if (sqlite is not null)
            {
                await sqlite.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ARequestWithAValidSession_IsNeverLimited_AndTakesNoPermit()
    {
        await using var host = await StartAsync(burst: 1);
        var cookie = await FirstVisitFromAsync(host, First);
        await AssertRefusedAsync(host, First);

        using var response = await VisitAsync(host, First, cookie: cookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, host.Store.Count("set"));
    }

    [Fact]
    public async Task RegeneratingAValidSession_IsNotLimited()
    {
        await using var host = await StartAsync(burst: 1);
        var cookie = await FirstVisitFromAsync(host, First);
        await AssertRefusedAsync(host, First);

        using var response = await VisitAsync(host, First, "/regenerate", cookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", await response.Content.ReadAsStringAsync());
        Assert.NotEqual(SetCookies.IdOf(cookie), SetCookies.IdOf(SetCookies.Pair(response)));
    }

    [Theory]
    [InlineData("unknown session")]
    [InlineData("bad signature")]
    public async Task ACookieThatBringsNoSession_IsLimitedLikeNoCookie(string kind)
    {
        await using var host = await StartAsync(burst: 1);
        var cookie = await FirstVisitFromAsync(host, First);
        if (kind == "unknown session")
        {
            await host.Store.Inner.DestroyAsync(SetCookies.IdOf(cookie), default);
        }
        else
        {
            cookie = cookie[..^3] + "AAA";
        }

        await AssertRefusedAsync(host, First, cookie: cookie);
    }

    [Fact]
    public async Task RequestsThatStoreNothing_TakeNoPermit()
    {
        await using var host = await StartAsync(burst: 1);
        for (var i = 0; i < 5; i++)
        {
            using var peek = await VisitAsync(host, First, "/peek");
            Assert.Equal(HttpStatusCode.OK, peek.StatusCode);
            Assert.Null(SetCookies.Find(peek));
        }

        await FirstVisitFromAsync(host, First);
        await AssertRefusedAsync(host, First);
    }

    [Fact]
    public async Task AnotherAddress_HasABudgetOfItsOwn()
    {
        await using var host = await StartAsync(burst: 1);
        await FirstVisitFromAsync(host, First);
        await AssertRefusedAsync(host, First);

        await FirstVisitFromAsync(host, Second);
        await AssertRefusedAsync(host, Second);
    }

    [Fact]
    public async Task IPv6Addresses_CountByTheirSlash64()
    {
        await using var host = await StartAsync(burst: 1);
        await FirstVisitFromAsync(host, "2001:db8:1:2::1");

        // Another address in the same /64 (one host can have all of them) shares its budget; the next /64 does not.
        await AssertRefusedAsync(host, "2001:db8:1:2:ffff:ffff:ffff:fffe");
        await FirstVisitFromAsync(host, "2001:db8:1:3::1");
    }

    [Fact]
    public void PartitionsOfAddresses_GroupIPv6BySlash64_AndIPv4MappedAsIPv4()
    {
        static UInt128 Of(string? address) => NewSessionLimiter.PartitionOf(address is null ? null : IPAddress.Parse(address));

        Assert.Equal(Of("192.0.2.1"), Of("::ffff:192.0.2.1"));
        Assert.Equal(Of("2001:db8::1"), Of("2001:db8::ffff:1"));
        UInt128[] distinct = [Of("192.0.2.1"), Of("192.0.2.2"), Of("0.0.0.0"), Of("::1"), Of("2001:db8:0:1::1"), Of("2001:db8::1"), Of(null)];
        Assert.Equal(distinct.Length, distinct.Distinct().Count());
    }

    [Fact]
    public async Task PermitsPerMinuteZero_NeverLimits()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/count", Count),
            o =>
            {
                o.NewSessionLimit.PermitsPerMinute = 0;
                o.NewSessionLimit.Burst = 1;
            });

        for (var i = 0; i < 20; i++)
        {
            await FirstVisitAsync(host);
        }

        Assert.Equal(20, host.Memory.Count);
    }

    [Fact]
    public async Task RefusedWhenTheResponseStarts_ThePageIsServedWithoutASession()
    {
        var logs = new LogLines();
        await using var host = await StartAsync(burst: 1, logs, map: app => app.MapGet("/stream", async (HttpContext context) =>
        {
            // No result filter: the session commits only as the body starts, too late for a 429.
            var session = await context.LoadSessionAsync();
            Count(session);
            await context.Response.WriteAsync("the page");
        }));
        using (var first = await VisitAsync(host, First, "/stream"))
        {
            Assert.NotNull(SetCookies.Find(first));
        }

        using var response = await VisitAsync(host, First, "/stream");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("the page", await response.Content.ReadAsStringAsync());
        Assert.Null(SetCookies.Find(response));
        Assert.Equal(1, host.Store.Count("set"));
        Assert.Contains(First, Assert.Single(logs.WithEvent(2042)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFloodOfRefusals_LogsAFewLines()
    {
        var logs = new LogLines();
        await using var host = await StartAsync(burst: 1, logs);
        await FirstVisitFromAsync(host, First);
        for (var i = 0; i < 50; i++)
        {
            using var response = await VisitAsync(host, First);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        Assert.Equal(LogBudget.LinesPerSecond, logs.WithEvent(2041).Count);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        using (await VisitAsync(host, First))
        {
        }

        Assert.Contains("45 more refused new sessions", Assert.Single(logs.WithEvent(2043)).Message, StringComparison.Ordinal);
        Assert.Equal(51, host.Services.GetRequiredService<NewSessionLimiter>().Refused);
    }

    [Fact]
    public async Task TheLimiter_IsDisposedWithTheContainer()
    {
        var host = await StartAsync(burst: 1);
        var limiter = host.Services.GetRequiredService<NewSessionLimiter>();
        await host.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => limiter.Admit(new DefaultHttpContext()));
    }

    [Fact]
    public void Defaults_Are600AMinute_WithBurstsOf600()
    {
        var options = new ServerSessionOptions().NewSessionLimit;
        Assert.Equal((600, 600), (options.PermitsPerMinute, options.Burst));
    }

    [Theory]
    [InlineData("PermitsPerMinute", "-1")]
    [InlineData("PermitsPerMinute", "1000001")]
    [InlineData("Burst", "0")]
    public void InvalidSetting_IsAStartupError_NamingIt(string key, string value)
    {
        using var app = Build(new() { [$"Session:NewSessionLimit:{key}"] = value });
        var error = Assert.Throws<OptionsValidationException>(() => app.UseServerSessions());
        Assert.Contains($"Session:NewSessionLimit:{key}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_BindFromConfiguration_AndAMisspelledOneIsAStartupError()
    {
        using (var app = Build(new() { ["Session:NewSessionLimit:PermitsPerMinute"] = "0", ["Session:NewSessionLimit:Burst"] = "20" }))
        {
            var options = app.Services.GetRequiredService<IOptions<ServerSessionOptions>>().Value.NewSessionLimit;
            Assert.Equal((0, 20), (options.PermitsPerMinute, options.Burst));
        }

        using var misspelled = Build(new() { ["Session:NewSessionLimit:Brust"] = "20" });
        var error = Assert.Throws<OptionsValidationException>(() => misspelled.UseServerSessions());
        Assert.Contains("Session:NewSessionLimit:Brust", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddServerSessions(builder.Configuration.GetSection("Session"), o => o.Secret = "a-test-secret-of-at-least-32-bytes!!");
        return builder.Build();
    }
}
