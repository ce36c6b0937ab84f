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
    public async Task IdsThatAreNotWellFormed_AreKeptApartFromEachOtherAndFromWellFormedOnes()
    {
        using var store = new MemorySessionStore(timeProvider: _time);
        var wellFormed = SessionIds.New();
        string[] ids = [wellFormed, wellFormed.ToUpperInvariant(), wellFormed[..31], wellFormed + "=", "", " ", "\uD800", "\uD801", "a\0b", "a"];

        for (var i = 0; i < ids.Length; i++)
        {
            await store.SetAsync(ids[i], new SessionRecord(BitConverter.GetBytes(i), _time.GetUtcNow().AddHours(1)), default);
        }

        Assert.Equal(ids.Length, store.Count);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i, BitConverter.ToInt32((await store.GetAsync(ids[i], default))!.Value.Payload.Span));
        }

        await store.DestroyAsync("\uD800", default);
        Assert.Null(await store.GetAsync("\uD800", default));
        Assert.NotNull(await store.GetAsync("\uD801", default));
    }

    [Fact]
    public async Task RandomOperations_MatchASimpleLeastRecentlyUsedModel()
    {
        // The store's table (hash chains, LRU links, reused slots, growth) against a list and a dictionary, on a small bound.
        const int capacity = 64;
        // Swept only when the test says so, so that the model sweeps at the same moments.
        var options = new MemorySessionStoreOptions { MaxSessions = capacity, SweepInterval = TimeSpan.FromDays(30) };
        using var store = new MemorySessionStore(options, _time);
        var model = new LinkedList<(string Id, byte[] Payload, DateTimeOffset Expires)>(); // most recently used first
        var random = new Random(5);
        var ids = Enumerable.Range(0, 150).Select(i => i % 3 == 0 ? $"other-{i}" : SessionIds.New()).ToArray();
        long evictions = 0;

        LinkedListNode<(string Id, byte[] Payload, DateTimeOffset Expires)>? Live(string id)
        {
            var node = model.First;
            while (node is not null && node.Value.Id != id)
            {
                node = node.Next;
            }

            if (node is not null && node.Value.Expires <= _time.GetUtcNow())
            {
                model.Remove(node);
                return null;
            }

            return node;
        }

        for (var step = 0; step < 20_000; step++)
        {
            var id = ids[random.Next(ids.Length)];
            switch (random.Next(10))
            {
                case 0 or 1 or 2:
                    var payload = new byte[random.Next(0, 40)];
                    random.NextBytes(payload);
                    var expires = _time.GetUtcNow().AddSeconds(random.Next(1, 600));
                    await store.SetAsync(id, new SessionRecord(payload, expires), default);
                    var existing = model.First;
                    while (existing is not null && existing.Value.Id != id)
                    {
                        existing = existing.Next;
                    }

                    if (existing is not null)
                    {
                        model.Remove(existing);
                    }

                    model.AddFirst((id, payload, expires));
                    if (model.Count > capacity)
                    {
                        model.RemoveLast();
                        evictions++;
                    }

                    break;
                case 3 or 4 or 5:
                    var record = await store.GetAsync(id, default);
                    var node = Live(id);
                    Assert.Equal(node is null, record is null);
                    if (node is not null)
                    {
                        Assert.Equal(node.Value.Payload, record!.Value.Payload.ToArray());
                        Assert.Equal(node.Value.Expires, record.Value.Expires);
                        model.Remove(node);
                        model.AddFirst(node);
                    }

                    break;
                case 6:
                    await store.DestroyAsync(id, default);
                    if (Live(id) is { } destroyed)
                    {
                        model.Remove(destroyed);
                    }

                    break;
                case 7:
                    var later = _time.GetUtcNow().AddSeconds(random.Next(1, 600));
                    var live = Live(id);
                    Assert.Equal(live is not null, await store.TouchAsync(id, live?.Value.Payload ?? Array.Empty<byte>(), later, default));
                    if (live is { } touched)
                    {
                        model.Remove(touched);
                        model.AddFirst((id, touched.Value.Payload, later));
                    }

                    break;
                case 8:
                    _time.Advance(TimeSpan.FromSeconds(random.Next(0, 20)));
                    break;
                default:
                    store.SweepExpired();
                    for (var entry = model.First; entry is not null;)
                    {
                        var next = entry.Next;
                        if (entry.Value.Expires <= _time.GetUtcNow())
                        {
                            model.Remove(entry);
                        }

                        entry = next;
                    }

                    Assert.Equal(model.Count, store.Count);
                    break;
            }
        }

        Assert.Equal(evictions, store.Evictions);
    }

    [Fact]
    public async Task ManySessions_AreAllFound_AfterTheTableGrows_AndAfterHalfAreDestroyed()
    {
        using var store = new MemorySessionStore(timeProvider: _time);
        var ids = Enumerable.Range(0, 20_000).Select(_ => SessionIds.New()).ToArray();
        foreach (var id in ids)
        {
            await store.SetAsync(id, new SessionRecord(System.Text.Encoding.UTF8.GetBytes(id), _time.GetUtcNow().AddHours(1)), default);
        }

        foreach (var id in ids.Where((_, i) => i % 2 == 0))
        {
            await store.DestroyAsync(id, default);
        }

        Assert.Equal(ids.Length / 2, store.Count);
        for (var i = 0; i < ids.Length; i++)
        {
            var record = await store.GetAsync(ids[i], default);
            Assert.Equal(i % 2 == 0 ? null : ids[i], record is null ? null : System.Text.Encoding.UTF8.GetString(record.Value.Payload.Span));
        }
    }

    [Fact]
    public void InvalidOptions_AreRejectedWithTheSettingName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 0 }, _time));
        Assert.Contains("MaxSessions", error.Message, StringComparison.Ordinal);
    }
}
