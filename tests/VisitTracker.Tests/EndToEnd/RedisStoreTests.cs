using System.Diagnostics;
using System.Net;
using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>VisitTracker with <c>Session__Store=Redis</c>: what it requires, and what it does while Redis is down or hung.</summary>
[Trait("Clock", "Real")]
public sealed class RedisStoreTests
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";

    // Short store bounds, so a hung Redis costs a request about 2 seconds.
    private static readonly Dictionary<string, string> ShortTimeouts = new()
    {
        ["Session__StoreTimeout"] = "00:00:02",
        ["Session__Redis__OperationTimeout"] = "00:00:01",
    };

    [Fact]
    public async Task WithoutSecret_RefusesToStart_NamingSessionSecret()
    {
        await using var redis = await RedisServer.StartAsync();

        var start = VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Session__Store"] = "Redis",
            ["Session__Redis__Configuration"] = redis.ConfigurationString,
        });

        var exited = await Assert.ThrowsAsync<AppExitedException>(() => start);
        Assert.NotEqual(0, exited.ExitCode);
        Assert.Contains("Session:Secret", exited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisStopped_Answers503_KeepsTheSession_AndRecoversOnItsOwn()
    {
        await using var redis = await RedisServer.StartAsync(persistence: true);
        await using var app = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, ShortTimeouts);
        using var visitor = new Visitor(app);
        for (var visit = 1; visit <= 3; visit++)
        {
            Assert.Equal(visit, await visitor.VisitAsync());
        }

        var cookie = visitor.Cookie;

        await redis.StopAsync();

        await AssertUnavailableAsync(visitor, app);
        using (var css = await visitor.SendAsync(HttpMethod.Get, "/css/styles.css"))
        {
            Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        }

        await redis.RestartAsync();

        Assert.Equal(4, await VisitWhenBackAsync(visitor, app));
        Assert.Equal(cookie, visitor.Cookie);
        Assert.Equal(5, await visitor.VisitAsync());
    }

    [Fact]
    public async Task RedisHung_Answers503_InBoundedTime_ThenCountsOn()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, ShortTimeouts);
        using var visitor = new Visitor(app);
        Assert.Equal(1, await visitor.VisitAsync());

        // Redis keeps its connections open and answers nothing for 6 seconds: no connection error to fail fast on.
        Assert.Equal("+OK", await redis.CommandAsync("CLIENT", "PAUSE", "6000", "ALL"));

        await AssertUnavailableAsync(visitor, app);
        Assert.Equal(2, await VisitWhenBackAsync(visitor, app));
    }

    [Fact]
    public async Task RedisDownAtStartup_AppStartsAnyway_Answers503_UntilRedisComesUp()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();

        await using var app = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, ShortTimeouts);
        using var visitor = new Visitor(app);

        await AssertUnavailableAsync(visitor, app);
        await redis.RestartAsync();
        Assert.Equal(1, await VisitWhenBackAsync(visitor, app));
        Assert.Equal(2, await visitor.VisitAsync());
    }

    /// <summary>
    /// <c>GET /</c> answers, within a bound far above the store timeouts (the point is that it ends, not how fast),
    /// 503 with Retry-After, a generic page, and no new cookie.
    /// </summary>
    private static async Task AssertUnavailableAsync(Visitor visitor, VisitTrackerProcess app)
    {
        var cookie = visitor.Cookie;
        var clock = Stopwatch.StartNew();
        using var response = await visitor.SendAsync(HttpMethod.Get, "/");
        clock.Stop();

        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}\n{page}\n{app.Output}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The 503 took {clock.Elapsed}.");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal(cookie, visitor.Cookie);
        foreach (var leak in new[] { "Exception", "   at ", "StackExchange", "Redis", "127.0.0.1" })
        {
            Assert.DoesNotContain(leak, page, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// Visits until the app answers 200 again (by itself: nothing restarts it), and returns that count. Until then each
    /// answer must be a 503, which changes nothing stored.
    /// </summary>
    private static async Task<int> VisitWhenBackAsync(Visitor visitor, VisitTrackerProcess app)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using var response = await visitor.SendAsync(HttpMethod.Get, "/");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return Visitor.CountIn(await response.Content.ReadAsStringAsync());
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), $"Still 503 a minute after Redis came back.\n{app.Output}");
            await Task.Delay(250);
        }
    }
}
