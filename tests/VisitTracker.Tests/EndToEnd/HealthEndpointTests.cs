using System.Diagnostics;
using System.Net;
using ServerSessions.Testing;
using Xunit.Abstractions;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// <c>/healthz</c> (liveness, no store call) and <c>/readyz</c> (the session store) on the app's own port, with a real
/// SQLite file and a real redis-server stopped and restarted on its port.
/// </summary>
[Trait("Clock", "Real")]
public sealed class HealthEndpointTests(ITestOutputHelper output)
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(2);

    private static readonly Dictionary<string, string> ShortTimeouts = new()
    {
        ["Session__StoreTimeout"] = "00:00:02",
        ["Session__Redis__OperationTimeout"] = "00:00:01",
    };

    [Fact]
    public async Task HealthAndReady_AnswerTheStatusWordOnly_WithoutASessionOrCookie_AndWithoutAntiforgery()
    {
        await using var app = await VisitTrackerProcess.StartAsync();
        using var visitor = new Visitor(app);

        foreach (var path in new[] { "/healthz", "/readyz" })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
            {
                using var response = await visitor.SendAsync(method, path);

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
                Assert.False(response.Headers.Contains("Set-Cookie"), $"{method} {path} set a cookie");
            }
        }

        Assert.Null(visitor.Cookie);
    }

    [Fact]
    public async Task Readyz_Is503WithinTheStoreTimeoutPlus5s_OfRedisGoingDown_And200Within30s_OfItsReturn_WhileHealthzStays200()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, ShortTimeouts);
        using var visitor = new Visitor(app);
        await PollAsync(visitor, "/readyz", HttpStatusCode.OK, Bounded.Limit);

        await redis.StopAsync();
        var down = await PollAsync(visitor, "/readyz", HttpStatusCode.ServiceUnavailable, StoreTimeout + TimeSpan.FromSeconds(5));
        using (var ready = await visitor.SendAsync(HttpMethod.Get, "/readyz"))
        {
            Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
        }

        using (var live = await visitor.SendAsync(HttpMethod.Get, "/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        await redis.RestartAsync();
        var up = await PollAsync(visitor, "/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(30));

        output.WriteLine($"/readyz 503 after {down.TotalMilliseconds:0} ms of Redis down; 200 after {up.TotalMilliseconds:0} ms of Redis back.");
        Assert.Contains("Redis is not reachable", app.Output, StringComparison.Ordinal); // the reason is in the log, not the body
        Assert.Null(visitor.Cookie);
    }

    [Fact]
    public async Task Healthz_WhileRedisHangs_AnswersAtOnce_WhileReadyzWaitsForTheStoreTimeout()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, ShortTimeouts);
        using var visitor = new Visitor(app);
        await PollAsync(visitor, "/readyz", HttpStatusCode.OK, Bounded.Limit);

        // Redis keeps its connections open and answers nothing: only a call to it would wait.
        Assert.Equal("+OK", await redis.CommandAsync("CLIENT", "PAUSE", "8000", "ALL"));
        // Ordered, not timed against a fixed bound (the machine may be busy): /readyz waits for Redis until the store
        // timeout, and /healthz, sent after it, answers while it still waits. A /healthz that asked the store would
        // wait as long, and answer after /readyz.
        var ready = Stopwatch.StartNew();
        var readiness = visitor.SendAsync(HttpMethod.Get, "/readyz");
        var live = Stopwatch.StartNew();
        using (var response = await visitor.SendAsync(HttpMethod.Get, "/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        live.Stop();
        Assert.False(readiness.IsCompleted, $"/readyz answered before /healthz ({live.Elapsed}) while Redis hung: /healthz waited for the store, or /readyz did not ask it");
        using (var response = await readiness.Within("/readyz while Redis hangs"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        output.WriteLine($"/healthz {live.ElapsedMilliseconds} ms, /readyz {ready.ElapsedMilliseconds} ms while Redis hung.");
    }

    /// <summary>Polls <paramref name="path"/> every 100 ms until it answers <paramref name="status"/>; how long that took.</summary>
    private static async Task<TimeSpan> PollAsync(Visitor visitor, string path, HttpStatusCode status, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using (var response = await visitor.SendAsync(HttpMethod.Get, path))
            {
                if (response.StatusCode == status)
                {
                    return waited.Elapsed;
                }
            }

            Assert.True(waited.Elapsed < limit, $"{path} did not answer {(int)status} within {limit.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
