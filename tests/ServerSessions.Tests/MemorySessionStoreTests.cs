using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests;

/// <summary>What only the memory store does: its bound and its sweep. The contract itself is in Stores/.</summary>
public sealed class MemorySessionStoreTests
{
    private static readonly byte[] Payload = "{}"u8.ToArray();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private SessionRecord Record(TimeSpan lifetime) => new(Payload, _time.GetUtcNow() + lifetime);

    [Fact]
    public async Task Full_EvictsTheLeastRecentlyUsed_AndCountsIt()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 2 }, _time);
        await store.SetAsync("a", Record(TimeSpan.FromHours(1)), default);
        await store.SetAsync("b", Record(TimeSpan.FromHours(1)), default);
        await store.GetAsync("a", default); // a is now more recently used than b
        await store.SetAsync("c", Record(TimeSpan.FromHours(1)), default);

        Assert.NotNull(await store.GetAsync("a", default));
        Assert.Null(await store.GetAsync("b", default));
        Assert.NotNull(await store.GetAsync("c", default));
        Assert.Equal(1, store.Evictions);
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public async Task Sweep_RemovesExpiredSessions_AndKeepsLiveOnes()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { SweepInterval = TimeSpan.FromMinutes(1) }, _time);
        for (var i = 0; i < 3000; i++)
        {
            await store.SetAsync($"short{i}", Record(TimeSpan.FromSeconds(30)), default);
        }

        await store.SetAsync("long", Record(TimeSpan.FromHours(1)), default);
        _time.Advance(TimeSpan.FromMinutes(1)); // fires the sweep timer

        Assert.Equal(1, store.Count);
        Assert.NotNull(await store.GetAsync("long", default));
    }

    [Fact]
    public void InvalidOptions_AreRejectedWithTheSettingName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 0 }, _time));
        Assert.Contains("MaxSessions", error.Message, StringComparison.Ordinal);
    }
}
