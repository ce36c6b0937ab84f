using ServerSessions.Testing;

namespace VisitTracker.Tests.EndToEnd;

/// <summary>Two VisitTracker instances on one Redis with one secret are one app to a visitor.</summary>
public sealed class TwoInstancesTests
{
    [Fact]
    public async Task OneCookie_AlternatingBetweenInstances_CountsWithoutGap()
    {
        const string Secret = "a secret both instances share";
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
        const string Secret = "a secret both instances share";
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
}
