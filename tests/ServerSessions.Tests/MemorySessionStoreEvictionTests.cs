using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests;

/// <summary>
/// Which sessions a full memory store gives up: those stored once and not used since, before those that came back
/// (a segmented LRU), and as many as its byte budget needs beside its session cap.
/// </summary>
public sealed class MemorySessionStoreEvictionTests
{
    private static readonly byte[] Payload = "{\"visits\":1}"u8.ToArray();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private SessionRecord Record(byte[]? payload = null) => new(payload ?? Payload, _time.GetUtcNow().AddHours(1));

    private static string[] NewIds(int count) => [.. Enumerable.Range(0, count).Select(_ => SessionIds.New())];

    private async Task StoreNewAsync(MemorySessionStore store, int count)
    {
        foreach (var id in NewIds(count))
        {
            await store.SetAsync(id, Record(), default);
        }
    }

    [Fact]
    public async Task FloodOfNewSessionsBiggerThanTheStore_LeavesEveryReturningSessionInPlace()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 100 }, _time);
        var returning = NewIds(60);
        for (var i = 0; i < returning.Length; i++)
        {
            await store.SetAsync(returning[i], Record(), default);
            // Their second use, each way a request uses a stored session: a read, a save, a touch.
            switch (i % 3)
            {
                case 0:
                    await store.GetAsync(returning[i], default);
                    break;
                case 1:
                    await store.SetAsync(returning[i], Record(), default);
                    break;
                default:
                    Assert.True(await store.TouchAsync(returning[i], Payload, _time.GetUtcNow().AddHours(1), default));
                    break;
            }
        }

        await StoreNewAsync(store, 1_000); // ten times the store's size, each stored once

        foreach (var id in returning)
        {
            Assert.NotNull(await store.GetAsync(id, default));
        }

        Assert.Equal(100, store.Count);
        Assert.Equal(960, store.Evictions);
    }

    [Fact]
    public async Task ByteBudget_EvictsByBytes_WellUnderTheSessionCap()
    {
        var options = new MemorySessionStoreOptions { MaxSessions = 1_000, MaxBytes = 1 << 20 };
        using var store = new MemorySessionStore(options, _time);
        var ids = NewIds(40);
        foreach (var id in ids)
        {
            await store.SetAsync(id, Record(new byte[64 * 1024]), default);
        }

        // 1 MiB holds 15 sessions of 64 KiB and their overhead; the 25 stored first are gone.
        Assert.Equal(15, store.Count);
        Assert.Equal(25, store.Evictions);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i >= 25, await store.GetAsync(ids[i], default) is not null);
        }
    }

    [Fact]
    public async Task ByteBudget_CountsASavedSessionsNewSize()
    {
        var options = new MemorySessionStoreOptions { MaxSessions = 1_000, MaxBytes = 1 << 20 };
        using var store = new MemorySessionStore(options, _time);
        var small = NewIds(100);
        foreach (var id in small)
        {
            await store.SetAsync(id, Record(), default);
        }

        var growing = SessionIds.New();
        await store.SetAsync(growing, Record(), default);
        await store.SetAsync(growing, Record(new byte[1_040_000]), default); // the same session, saved bigger

        // 101 × (12 + 96) bytes became 100 × 108 + 1,040,096: 2,320 over 1 MiB, so the 22 oldest small ones go.
        Assert.NotNull(await store.GetAsync(growing, default));
        Assert.Equal(22, store.Evictions);
        Assert.Null(await store.GetAsync(small[21], default));
        Assert.NotNull(await store.GetAsync(small[22], default));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public async Task ReturningSession_IsDemotedAndEvicted_OnlyWhenProtectedIsFullOfMoreRecentOnes(int newAfterDemotion, bool kept)
    {
        // 10 sessions: at most 8 protected (80 %), so at least 2 on probation.
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 10 }, _time);
        var returning = SessionIds.New();
        await store.SetAsync(returning, Record(), default);
        await store.GetAsync(returning, default);

        await StoreNewAsync(store, 100);
        Assert.Equal(91, store.Evictions);
        Assert.NotNull(await store.GetAsync(returning, default)); // it came back, so the flood evicted only itself

        // Eight sessions that come back after it fill protected; the eighth one's promotion demotes the least recently
        // used protected session, ours, to the front of probation, beside the one new session left there.
        foreach (var id in NewIds(8))
        {
            await store.SetAsync(id, Record(), default);
            await store.GetAsync(id, default);
        }

        // The first new session then evicts the other one on probation, the second ours.
        await StoreNewAsync(store, newAfterDemotion);
        Assert.Equal(kept, await store.GetAsync(returning, default) is not null);
    }
}
