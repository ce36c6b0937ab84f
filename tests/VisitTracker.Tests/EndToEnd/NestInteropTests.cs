using System.Net;
using System.Text.RegularExpressions;
using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>
/// VisitTracker and the seed's NestJS app (express-session, connect-redis) on one Redis with one secret share their
/// sessions: the same cookie, the same <c>sess:&lt;id&gt;</c> record, whichever app the visitor reaches.
/// </summary>
[Trait("Clock", "Real")]
public sealed partial class NestInteropTests
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";

    [Theory]
    [InlineData("VisitTracker")]
    [InlineData("NestJS")]
    public async Task OneCookie_AlternatingBetweenTheApps_CountsOn(string startOn)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var visitTracker = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret);
        await using var nest = await NestAppProcess.StartAsync(redis, Secret);
        AppProcess[] apps = startOn == "VisitTracker" ? [visitTracker, nest] : [nest, visitTracker];
        using var visitor = new Visitor(apps[0]);

        var counts = new List<int>();
        for (var visit = 0; visit < 6; visit++)
        {
            counts.Add(await visitor.VisitAsync(apps[visit % 2]));
        }

        Assert.True(counts.SequenceEqual([1, 2, 3, 4, 5, 6]),
            $"Counts {string.Join(", ", counts)}, starting on {startOn}.\nVisitTracker:\n{visitTracker.Output}\nNestJS:\n{nest.Output}");
        // One record, under connect-redis's key.
        var (id, _) = ExpressCookie.Parse(visitor.Cookie!);
        Assert.Contains("\"visits\":6", await redis.CommandAsync("GET", $"sess:{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionCreatedByNest_IsAcceptedByVisitTracker()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var visitTracker = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret);
        await using var nest = await NestAppProcess.StartAsync(redis, Secret);
        using var client = nest.CreateClient();

        using var created = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(1, nest.CountIn(await created.Content.ReadAsStringAsync()));
        var setCookie = Assert.Single(created.Headers.GetValues("Set-Cookie"));
        Assert.Matches(NestSetCookie(), setCookie);
        var cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        var (id, _) = ExpressCookie.Parse(cookie);
        Assert.Equal(ExpressCookie.Sign(id, Secret), cookie);

        var response = await RawHttp.GetAsync(visitTracker.BaseAddress, $"Cookie: {cookie}");

        Assert.True(response.Status == 200, $"{response.Status}\n{visitTracker.Output}");
        Assert.Equal(2, Visitor.CountIn(response.Body));
        // The same session, with express-session's rules: a browser-session cookie is set once, by its first response.
        Assert.Empty(response.HeaderValues("Set-Cookie"));
    }

    [GeneratedRegex(@"^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]{40,}; Path=/; HttpOnly; SameSite=Lax$")]
    private static partial Regex NestSetCookie();
}
