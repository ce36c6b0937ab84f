using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>Two VisitTracker instances on one Redis with one secret are one app to a visitor.</summary>
[Trait("Clock", "Real")]
public sealed class TwoInstancesTests
{
    [Fact]
    public async Task InstancesWithClocksHoursApart_ShareOneCookie_AndRedisKeepsTheSessionForTheIdleTimeout()
    {
        const string Secret = "a secret both instances share, 32+ bytes";
        await using var redis = await RedisServer.StartAsync();
        await using var ahead = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, FakeClock.Environment(TimeSpan.FromHours(2)));
        await using var behind = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, FakeClock.Environment(TimeSpan.FromHours(-2)));
        using var visitor = new Visitor(ahead);
        var idleTimeout = TimeSpan.FromDays(1); // VisitTracker's default

        for (var visit = 1; visit <= 4; visit++)
        {
            var node = visit % 2 == 1 ? ahead : behind;
            var offset = TimeSpan.FromHours(node == ahead ? 2 : -2);
            using (var response = await visitor.SendAsync(HttpMethod.Get, "/", node))
            {
                Assert.Equal(visit, node.CountIn(await response.Content.ReadAsStringAsync()));

                // The node's clock really is off: its Date header against Redis's clock, the real one (this process's may
                // be moved too, in test.sh's runs with the clock moved).
                var skew = response.Headers.Date!.Value - await RedisNowAsync(redis);
                Assert.True((skew - offset).Duration() < TimeSpan.FromMinutes(1), $"The node's clock is {skew} from Redis's, not {offset}.");
            }

            // Redis's own count of the time the key has left: each node sent the time until its expiry, by its own clock.
            var key = "sess:" + ExpressCookie.Parse(visitor.Cookie!).Id;
            var ttl = TimeSpan.FromMilliseconds(long.Parse((await redis.CommandAsync("PTTL", key))[1..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(
                (ttl - idleTimeout).Duration() <= TimeSpan.FromSeconds(60),
                $"After visit {visit} ({(node == ahead ? "2 h ahead" : "2 h behind")}), Redis keeps the session for {ttl}, not about {idleTimeout}.\n{node.Output}");
        }
    }
    // Redis's clock (TIME's Unix seconds), which test.sh never moves.
    private static async Task<DateTimeOffset> RedisNowAsync(RedisServer redis) => DateTimeOffset.FromUnixTimeSeconds(
        long.Parse(await redis.CommandAsync("EVAL", "return redis.call('TIME')[1]", "0"), System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task OneCookie_AlternatingBetweenInstances_CountsWithoutGap()
    {
        const string Secret = "a secret both instances share, 32+ bytes";
        await using var redis = await RedisServer.StartAsync();
        await using var first = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret);
        await using var second = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret);
        using var visitor = new Visitor(first);

        var counts = new List<int>();
        for (var visit = 0; visit < 10; visit++)
        {
            counts.Add(await visitor.VisitAsync(visit % 2 == 0 ? first : second));
        }

        Assert.True(counts.SequenceEqual(Enumerable.Range(1, 10)),
            $"Counts {string.Join(", ", counts)}.\nFirst:\n{first.Output}\nSecond:\n{second.Output}");
    }

    [Fact]
    public async Task OverlappingRequestsOfOneCookie_OnBothInstances_CountEachVisitExactlyOnce()
    {
        const string Secret = "a secret both instances share, 32+ bytes";
        await using var redis = await RedisServer.StartAsync();
        await using var first = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret);
        await using var second = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret);
        using var visitor = new Visitor(first);
        Assert.Equal(1, await visitor.VisitAsync());

        // The instances lease the session in Redis: however the 100 requests interleave, each sees the previous one's count.
        var counts = await Task.WhenAll(Enumerable.Range(0, 100).Select(visit => visitor.VisitAsync(visit % 2 == 0 ? first : second)));

        Assert.True(counts.Order().SequenceEqual(Enumerable.Range(2, 100)),
            $"Counts {string.Join(", ", counts.Order())}.\nFirst:\n{first.Output}\nSecond:\n{second.Output}");
        Assert.Equal(102, await visitor.VisitAsync(second));
    }

    [Fact]
    public async Task InstanceKilledHoldingALease_FreesTheSessionWhenTheLeaseLapses()
    {
        const string Secret = "a secret both instances share, 32+ bytes";
        await using var redis = await RedisServer.StartAsync();
        var shortLease = new Dictionary<string, string> { ["Session__LockTimeout"] = "00:00:05" };
        await using var survivor = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, shortLease);

        // The doomed instance's Redis user may not run scripts: it takes the lease with plain commands, then neither its
        // save nor its release (scripts) gets through, and it is killed holding the lease, as a crash mid-request leaves it.
        await redis.CommandAsync("ACL", "SETUSER", "doomed", "on", ">doomed-password", "~*", "&*", "+@all", "-@scripting");
        await using var doomed = await VisitTrackerProcess.StartOnRedisAsync(redis, Secret, new Dictionary<string, string>(shortLease)
        {
            ["Session__Redis__Configuration"] = redis.ConfigurationString + ",user=doomed,password=doomed-password",
        });
        using var visitor = new Visitor(survivor);
        Assert.Equal(1, await visitor.VisitAsync());

        using (var failed = await visitor.SendAsync(HttpMethod.Get, "/", doomed))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        var lockKey = "{sess:" + ExpressCookie.Parse(visitor.Cookie!).Id + "}:lock";
        Assert.Equal(":1", await redis.CommandAsync("EXISTS", lockKey));
        await doomed.KillAsync();

        // Nobody releases that lease: the survivor waits for it to lapse (at most LockTimeout), then counts on from what
        // was saved last.
        Assert.Equal(2, await visitor.VisitAsync());
        Assert.Equal(":0", await redis.CommandAsync("EXISTS", lockKey));
    }
}
