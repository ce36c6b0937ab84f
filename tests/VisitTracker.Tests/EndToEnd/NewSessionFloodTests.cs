using System.Net;
using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// A flood of cookie-less requests, each of which stores a new session, against the real app on the Memory store:
/// the store fills and evicts, but only sessions that never came back.
/// </summary>
public sealed class NewSessionFloodTests
{
    private const int MaxSessions = 500;

    [Fact]
    public async Task FloodOfCookieLessRequests_ThreeTimesTheMemoryStore_LeavesAReturningVisitorCountingOn()
    {
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Session__Store"] = "Memory",
            ["Session__Memory__MaxSessions"] = $"{MaxSessions}",
            // The flood comes from one address; this test is about the store, not the per-address limit.
            ["Session__NewSessionLimit__PermitsPerMinute"] = "0",
        });
        using var visitor = new Visitor(app);
        Assert.Equal(1, await visitor.VisitAsync());
        Assert.Equal(2, await visitor.VisitAsync());

        using var flood = app.CreateClient();
        var statuses = new HttpStatusCode[3 * MaxSessions];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, statuses.Length),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, cancellationToken) =>
            {
                using var response = await flood.GetAsync(new Uri("/", UriKind.Relative), cancellationToken);
                statuses[i] = response.StatusCode;
            }).Within("the flood of cookie-less requests");

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Contains("The memory session store is full", app.Output, StringComparison.Ordinal); // it did evict
        Assert.Equal(3, await visitor.VisitAsync());
    }

    [Fact]
    public async Task FloodOfCookieLessRequests_OnSqlite_IsRefusedWith429PastTheBurst_StoringNothing_WhileAReturningVisitorCountsOn()
    {
        const int burst = 20;
        await using var app = await VisitTrackerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            // The default store (SQLite, no eviction at all): this test is about the per-address limit, not the Memory store.
            ["Session__NewSessionLimit__PermitsPerMinute"] = "1",
            ["Session__NewSessionLimit__Burst"] = $"{burst}",
        });
        using var visitor = new Visitor(app);
        Assert.Equal(1, await visitor.VisitAsync()); // takes one permit of the burst

        using var flood = app.CreateClient();
        var refused = 0;
        for (var i = 0; i < 2 * burst; i++)
        {
            using var response = await flood.GetAsync(new Uri("/", UriKind.Relative)).Within("a cookie-less request");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused++;
                Assert.False(response.Headers.Contains("Set-Cookie"));
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "a 429 says when to retry");
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        // At one permit a minute at most one refills during the run: the burst's rest passed, the others were refused.
        Assert.InRange(refused, burst, burst + 1);
        Assert.Equal(2, await visitor.VisitAsync()); // a request with a valid session is never limited
        Assert.Equal(3, await visitor.VisitAsync());
    }
}
