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
}
