using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests;

/// <summary>
/// How the memory store keeps its session index bounded (<see cref="MemorySessionIndex"/>): at most as many entries as
/// sessions, and 1,000 per user. The contract itself is in Stores/SessionIndexStoreConformanceTests.
/// </summary>
public sealed class MemorySessionIndexTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private SessionIndexEntry Entry(int secondsAgo = 0) =>
        new(_time.GetUtcNow().AddSeconds(-secondsAgo), _time.GetUtcNow().AddHours(1), "agent", "192.0.2.1");

    [Fact]
    public async Task AFullIndex_DropsTheEntriesOfSessionsGone_AndKeepsThoseOfLiveOnes()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 10 }, _time);
        for (var i = 0; i < 5; i++)
        {
            await store.SetAsync($"live{i}", new SessionRecord("{}"u8.ToArray(), _time.GetUtcNow().AddHours(1)), default);
            await store.IndexAsync($"user{i}", $"live{i}", Entry(), default);
        }

        // A flood of entries whose sessions the store does not hold (destroyed, evicted, never there).
        for (var i = 0; i < 1000; i++)
        {
            await store.IndexAsync($"flood{i}", $"gone{i}", Entry(), default);
        }

        Assert.InRange(store.IndexCount, 1, 10);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"live{i}", Assert.Single(await store.ListAsync($"user{i}", default)).Id);
        }

        Assert.Equal("gone999", Assert.Single(await store.ListAsync("flood999", default)).Id);
    }

    [Fact]
    public async Task AFullIndexOfLiveSessions_DropsTheLeastRecentlySeenEntry()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 3 }, _time);
        for (var i = 0; i < 3; i++)
        {
            await store.SetAsync($"s{i}", new SessionRecord("{}"u8.ToArray(), _time.GetUtcNow().AddHours(1)), default);
        }

        await store.IndexAsync("alice", "s0", Entry(secondsAgo: 10), default);
        await store.IndexAsync("alice", "s1", Entry(secondsAgo: 30), default);
        await store.IndexAsync("bob", "s0", Entry(secondsAgo: 20), default);

        await store.IndexAsync("bob", "s2", Entry(), default);

        Assert.Equal(3, store.IndexCount);
        Assert.Equal(["s0"], (await store.ListAsync("alice", default)).Select(session => session.Id));
        Assert.Equal(["s0", "s2"], (await store.ListAsync("bob", default)).Select(session => session.Id).Order());
    }

    [Fact]
    public async Task AUsersFullIndex_DropsEntriesOfSessionsGone_ButNeverALiveOne()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions(), _time);
        for (var i = 0; i < MemorySessionIndex.MaxPerUser; i++)
        {
            if (i != 7)
            {
                await store.SetAsync($"s{i}", new SessionRecord("{}"u8.ToArray(), _time.GetUtcNow().AddHours(1)), default);
            }

            await store.IndexAsync("alice", $"s{i}", Entry(secondsAgo: i == 8 ? 100_000 : 0), default);
        }

        await store.SetAsync("newest", new SessionRecord("{}"u8.ToArray(), _time.GetUtcNow().AddHours(1)), default);
        await store.IndexAsync("alice", "newest", Entry(), default);

        var listed = (await store.ListAsync("alice", default)).Select(session => session.Id).ToList();
        Assert.Equal(MemorySessionIndex.MaxPerUser, listed.Count);
        Assert.Contains("newest", listed);
        Assert.DoesNotContain("s7", listed); // its session is gone
        Assert.Contains("s8", listed);       // seen least recently, but live

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.IndexAsync("alice", "one-too-many", Entry(), default));
        Assert.Contains("sign out everywhere", refused.Message, StringComparison.Ordinal);
        Assert.Contains("s8", (await store.ListAsync("alice", default)).Select(session => session.Id));
    }

    [Fact]
    public async Task TheSweep_DeletesExpiredEntries()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { SweepInterval = TimeSpan.FromMinutes(1) }, _time);
        await store.IndexAsync("alice", "lapsing", Entry() with { Expires = _time.GetUtcNow().AddSeconds(30) }, default);
        await store.IndexAsync("alice", "lasting", Entry(), default);

        _time.Advance(TimeSpan.FromMinutes(1)); // the sweep's timer fires

        Assert.Equal(1, store.IndexCount);
    }
}
