using Microsoft.Extensions.Time.Testing;

namespace ServerSessions.Tests;

/// <summary>
/// What only the memory store does: its bounds and its sweep. Which sessions it evicts is in
/// <see cref="MemorySessionStoreEvictionTests"/>; the contract itself is in Stores/.
/// </summary>
public sealed class MemorySessionStoreTests
{
    private static readonly byte[] Payload = "{}"u8.ToArray();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private SessionRecord Record(TimeSpan lifetime) => new(Payload, _time.GetUtcNow() + lifetime);

    [Fact]
    public async Task Full_EvictsASessionNotUsedSinceItWasStored_BeforeAMoreLeastRecentlyUsedOneThatWas_AndCountsIt()
    {
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 2 }, _time);
        await store.SetAsync("a", Record(TimeSpan.FromHours(1)), default);
        await store.GetAsync("a", default); // a came back
        await store.SetAsync("b", Record(TimeSpan.FromHours(1)), default); // b is more recently used, but only once
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
    public async Task RandomOperations_MatchASimpleSegmentedLeastRecentlyUsedModel()
    {
        // The store's table (hash chains, both recency lists, byte counts, reused slots, growth) against two lists, on
        // small bounds: payloads are either small or up to 64 KiB, so that both the session cap and the byte budget
        // evict, and the protected segment's byte share demotes.
        const int capacity = 64;
        const long maxBytes = 1 << 20;
        // Swept only when the test says so, so that the model sweeps at the same moments.
        var options = new MemorySessionStoreOptions { MaxSessions = capacity, MaxBytes = maxBytes, SweepInterval = TimeSpan.FromDays(1) };
        using var store = new MemorySessionStore(options, _time);
        var model = new SegmentedLruModel(capacity, maxBytes);
        var random = new Random(5);
        var ids = Enumerable.Range(0, 150).Select(i => i % 3 == 0 ? $"other-{i}" : SessionIds.New()).ToArray();

        for (var step = 0; step < 20_000; step++)
        {
            var id = ids[random.Next(ids.Length)];
            var now = _time.GetUtcNow();
            switch (random.Next(10))
            {
                case 0 or 1 or 2:
                    var payload = new byte[random.Next(2) == 0 ? random.Next(0, 40) : random.Next(0, 64 * 1024)];
                    random.NextBytes(payload);
                    var expires = now.AddSeconds(random.Next(1, 600));
                    await store.SetAsync(id, new SessionRecord(payload, expires), default);
                    model.Set(id, payload, expires, now);
                    break;
                case 3 or 4 or 5:
                    var record = await store.GetAsync(id, default);
                    var entry = model.Get(id, now);
                    Assert.Equal(entry is null, record is null);
                    if (entry is not null)
                    {
                        Assert.Equal(entry.Payload, record!.Value.Payload.ToArray());
                        Assert.Equal(entry.Expires, record.Value.Expires);
                    }

                    break;
                case 6:
                    await store.DestroyAsync(id, default);
                    model.Destroy(id);
                    break;
                case 7:
                    var later = now.AddSeconds(random.Next(1, 600));
                    var live = model.Get(id, now);
                    Assert.Equal(live is not null, await store.TouchAsync(id, live?.Payload ?? [], later, default));
                    if (live is { } touched)
                    {
                        touched.Expires = later;
                    }

                    break;
                case 8:
                    _time.Advance(TimeSpan.FromSeconds(random.Next(0, 20)));
                    break;
                default:
                    store.SweepExpired();
                    model.Sweep(now);
                    Assert.Equal(model.Count, store.Count);
                    break;
            }
        }

        Assert.Equal(model.Evictions, store.Evictions);
        Assert.True(model.EvictionsForBytes > 0 && model.Demotions > 0, "the run should have evicted for bytes and demoted");
    }

    /// <summary>The segmented LRU the memory store implements, written the obvious way.</summary>
    private sealed class SegmentedLruModel(int capacity, long maxBytes)
    {
        private readonly LinkedList<Entry> _probation = new(); // most recently used first
        private readonly LinkedList<Entry> _protected = new();

        public long Evictions { get; private set; }

        public long EvictionsForBytes { get; private set; }

        public long Demotions { get; private set; }

        public int Count => _probation.Count + _protected.Count;

        public void Set(string id, byte[] payload, DateTimeOffset expires, DateTimeOffset now)
        {
            var node = Find(id);
            if (node is null)
            {
                node = _probation.AddFirst(new Entry(id) { Payload = payload, Expires = expires });
            }
            else
            {
                node.Value.Payload = payload;
                node.Value.Expires = expires;
                Use(node);
            }

            while (Count > capacity || Bytes(_probation) + Bytes(_protected) > maxBytes)
            {
                var victim = _probation.Last;
                if (victim is null || victim.Value.Id == id)
                {
                    victim = _protected.Last;
                }

                if (victim is null || victim.Value.Id == id)
                {
                    break;
                }

                EvictionsForBytes += Count > capacity ? 0 : 1;
                victim.List!.Remove(victim);
                Evictions++;
            }
        }

        /// <summary>The live session, counted as a use; an expired one is removed, as the store does.</summary>
        public Entry? Get(string id, DateTimeOffset now)
        {
            var node = Find(id);
            if (node is not null && node.Value.Expires <= now)
            {
                node.List!.Remove(node);
                return null;
            }

            if (node is not null)
            {
                Use(node);
            }

            return node?.Value;
        }

        public void Destroy(string id)
        {
            var node = Find(id);
            node?.List!.Remove(node);
        }

        public void Sweep(DateTimeOffset now)
        {
            foreach (var list in new[] { _probation, _protected })
            {
                foreach (var node in list.Where(e => e.Expires <= now).ToList())
                {
                    list.Remove(node);
                }
            }
        }

        private static long Bytes(LinkedList<Entry> list) => list.Sum(e => e.Bytes);

        private void Use(LinkedListNode<Entry> node)
        {
            node.List!.Remove(node);
            _protected.AddFirst(node);
            while (_protected.Count > 1
                && (_protected.Count > (int)(capacity * 0.8) || Bytes(_protected) > (long)(maxBytes * 0.8)))
            {
                var demoted = _protected.Last!;
                _protected.RemoveLast();
                _probation.AddFirst(demoted);
                Demotions++;
            }
        }

        private LinkedListNode<Entry>? Find(string id)
        {
            foreach (var list in new[] { _probation, _protected })
            {
                for (var node = list.First; node is not null; node = node.Next)
                {
                    if (node.Value.Id == id)
                    {
                        return node;
                    }
                }
            }

            return null;
        }

        public sealed class Entry(string id)
        {
            public string Id { get; } = id;

            public required byte[] Payload { get; set; }

            public DateTimeOffset Expires { get; set; }

            // What the store counts: the payload, a not well-formed ID's length and UTF-16 bytes kept ahead of it, and
            // its overhead per session.
            public long Bytes => Payload.Length + MemorySessionTable.EntryOverhead
                + (SessionKey.TryParse(Id, out _) ? 0 : sizeof(int) + (2 * Id.Length));
        }
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
        Assert.Contains("Session:Memory:MaxSessions", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new MemorySessionStore(new MemorySessionStoreOptions { MaxBytes = 1_000_000 }, _time));
        Assert.Contains("Session:Memory:MaxBytes", error.Message, StringComparison.Ordinal);
    }
}
