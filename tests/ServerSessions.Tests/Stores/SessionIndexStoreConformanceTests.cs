using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The <see cref="IServerSessionIndexStore"/> contract, run against every index store (Memory, SQLite cached and uncached,
/// Redis, Redis Cluster): each store's test class derives from this one and says how to build the store, how to let its
/// clock pass an instant, how to make it delete what has expired, and how many entries it keeps. A third-party index
/// store passes it too.
/// </summary>
/// <remarks>
/// Entries keep instants, which every store must give back to the millisecond. The fake clock starts at the real now, so
/// a store on the real clock (Redis) sees the suite's lifetimes as lifetimes from now; the expiry cases use at most
/// three seconds, so they run in real time there, waiting (bounded) for states, never sleeping.
/// </remarks>
public abstract class SessionIndexStoreConformanceTests : StoreConformanceSuite<IServerSessionIndexStore>
{
    /// <summary>A lifetime the test lets lapse.</summary>
    protected static readonly TimeSpan Short = TimeSpan.FromSeconds(3); // on Redis, real time: room for a busy machine before the first list

    /// <summary>Names that differ only in what a careless key layout would merge: prefixes, separators, braces, case.</summary>
    private static readonly string[] OddUsers =
    [
        "alice", "alic", "alice:", "alice ", " alice", "Alice", "{alice}", "alice}", "{", "}", ":", " ", "", "a:b", "a{b}c",
        "ålïce", "日本語のユーザー", "emoji 🙂", new string('x', 1024), "sess:alice", "alice\u0000", "a\nb",

        // A lone surrogate, which UTF-8 cannot hold (an encoder makes it U+FFFD), beside U+FFFD itself.
        "lone\uD800", "lone\uFFFD",
    ];

    /// <summary>
    /// Brings the store's clock to <paramref name="instant"/>: moves the fake clock there. A store on a clock of its own
    /// also waits (bounded) until that clock has passed it.
    /// </summary>
    protected virtual Task PassAsync(DateTimeOffset instant)
    {
        if (instant > Time.GetUtcNow())
        {
            Time.SetUtcNow(instant);
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs what deletes expired entries in the store (its sweep); nothing for a store whose keys expire by themselves.</summary>
    protected abstract Task CleanUpAsync();

    /// <summary>How many entries the store keeps for <paramref name="user"/>, expired ones not yet deleted included.</summary>
    protected abstract Task<long> StoredEntriesAsync(string user);

    [Fact]
    public async Task IndexedEntry_IsListed_WithEveryFieldToTheMillisecond()
    {
        var user = NewUser();
        var id = NewId();
        var entry = new SessionIndexEntry(
            Start.AddMilliseconds(-1234), Start.AddHours(1).AddMilliseconds(123), "Mozilla/5.0 (X11; Linux x86_64) \"quoted\" | ünïcødé", "2001:db8::7");

        await Store.IndexAsync(user, id, entry, None);

        var listed = Assert.Single(await Store.ListAsync(user, None));
        Assert.Equal(new IndexedSession(id, entry), listed);
    }

    [Fact]
    public async Task EntryWithoutUserAgentOrAddress_IsListed_WithNulls_AndEmptyStringsStayEmpty()
    {
        var user = NewUser();
        var (none, empty) = (NewId(), NewId());
        var withNulls = new SessionIndexEntry(Start, Start.AddHours(1), null, null);
        var withEmpty = new SessionIndexEntry(Start, Start.AddHours(1), "", "");

        await Store.IndexAsync(user, none, withNulls, None);
        await Store.IndexAsync(user, empty, withEmpty, None);

        var listed = (await Store.ListAsync(user, None)).ToDictionary(session => session.Id, session => session.Entry);
        Assert.Equal(withNulls, listed[none]);
        Assert.Equal(withEmpty, listed[empty]);
    }

    [Fact]
    public async Task LongUserAgent_AndControlCharacters_RoundTrip()
    {
        var user = NewUser();
        var id = NewId();
        var entry = new SessionIndexEntry(Start, Start.AddHours(1), new string('é', 255) + "\n", "203.0.113.7\t{}");

        await Store.IndexAsync(user, id, entry, None);

        Assert.Equal(entry, Assert.Single(await Store.ListAsync(user, None)).Entry);
    }

    [Fact]
    public async Task IndexingASessionAgain_ReplacesItsEntry()
    {
        var user = NewUser();
        var id = NewId();
        await Store.IndexAsync(user, id, new SessionIndexEntry(Start, Start.AddHours(1), "first", "192.0.2.1"), None);
        var second = new SessionIndexEntry(Start.AddMinutes(1), Start.AddHours(2).AddMilliseconds(5), "second", "192.0.2.2");

        await Store.IndexAsync(user, id, second, None);

        Assert.Equal(new IndexedSession(id, second), Assert.Single(await Store.ListAsync(user, None)));
    }

    [Fact]
    public async Task IndexingAnEntryThatExpiresSooner_ReplacesItToo()
    {
        var user = NewUser();
        var id = NewId();
        await Store.IndexAsync(user, id, Entry(Start.AddHours(2)), None);
        var sooner = Entry(Start.AddHours(1));

        await Store.IndexAsync(user, id, sooner, None);

        Assert.Equal(sooner, Assert.Single(await Store.ListAsync(user, None)).Entry);
    }

    [Fact]
    public async Task Users_NeverSeeEachOthersEntries_WhateverTheirNames()
    {
        // Scoped to the test (stores on a shared server keep other tests' users), so each name is a suffix of the scope.
        var scope = NewUser();
        var ids = OddUsers.ToDictionary(name => name, _ => NewId());
        foreach (var (name, id) in ids)
        {
            await Store.IndexAsync(scope + name, id, Entry(Start.AddHours(1)), None);
        }

        foreach (var (name, id) in ids)
        {
            var listed = await Store.ListAsync(scope + name, None);
            Assert.True(listed.Count == 1 && listed[0].Id == id, $"User '{name}' lists {listed.Count} entries, not just its own.");
        }
    }

    [Fact]
    public async Task OneSession_IndexedForTwoUsers_IsListedForEach_AndRemovedForOneOnly()
    {
        var (first, second) = (NewUser(), NewUser());
        var id = NewId();
        await Store.IndexAsync(first, id, Entry(Start.AddHours(1)), None);
        await Store.IndexAsync(second, id, Entry(Start.AddHours(2)), None);

        await Store.RemoveAsync(first, id, None);

        Assert.Empty(await Store.ListAsync(first, None));
        Assert.Equal(Entry(Start.AddHours(2)), Assert.Single(await Store.ListAsync(second, None)).Entry);
    }

    [Fact]
    public async Task Remove_TakesOutThatEntryOnly()
    {
        var user = NewUser();
        var (kept, removed) = (NewId(), NewId());
        await Store.IndexAsync(user, kept, Entry(Start.AddHours(1)), None);
        await Store.IndexAsync(user, removed, Entry(Start.AddHours(1)), None);

        await Store.RemoveAsync(user, removed, None);

        Assert.Equal(kept, Assert.Single(await Store.ListAsync(user, None)).Id);
    }

    [Fact]
    public async Task Remove_OfAnUnknownSession_OrOfAnUnknownUser_IsNoError()
    {
        var user = NewUser();
        var id = NewId();
        await Store.IndexAsync(user, id, Entry(Start.AddHours(1)), None);

        await Store.RemoveAsync(user, NewId(), None);
        await Store.RemoveAsync(NewUser(), NewId(), None);

        Assert.Equal(id, Assert.Single(await Store.ListAsync(user, None)).Id);
    }

    [Fact]
    public async Task Remove_ForAnotherUser_LeavesTheEntry()
    {
        var user = NewUser();
        var id = NewId();
        await Store.IndexAsync(user, id, Entry(Start.AddHours(1)), None);

        await Store.RemoveAsync(user + "x", id, None);
        await Store.RemoveAsync(user[..^1], id, None);

        Assert.Equal(id, Assert.Single(await Store.ListAsync(user, None)).Id);
    }

    [Fact]
    public async Task RemovingTheLastEntry_LeavesNothingStored()
    {
        var user = NewUser();
        var id = NewId();
        await Store.IndexAsync(user, id, Entry(Start.AddHours(1)), None);

        await Store.RemoveAsync(user, id, None);

        Assert.Empty(await Store.ListAsync(user, None));
        Assert.Equal(0, await StoredEntriesAsync(user));
    }

    [Fact]
    public async Task List_OfAnUnknownUser_IsEmpty()
    {
        Assert.Empty(await Store.ListAsync(NewUser(), None));
    }

    [Fact]
    public async Task EntryPastItsExpiry_IsNeverListed()
    {
        var user = NewUser();
        var (lapsing, lasting) = (NewId(), NewId());
        await Store.IndexAsync(user, lapsing, Entry(Start + Short), None);
        await Store.IndexAsync(user, lasting, Entry(Start.AddHours(1)), None);
        Assert.Equal(2, (await Store.ListAsync(user, None)).Count);

        await PassAsync(Start + Short);

        Assert.Equal(lasting, Assert.Single(await Store.ListAsync(user, None)).Id);
    }

    [Fact]
    public async Task ExpiredEntries_AreDeleted_NotJustHidden()
    {
        var user = NewUser();
        await Store.IndexAsync(user, NewId(), Entry(Start + Short), None);
        await Store.IndexAsync(user, NewId(), Entry(Start + Short), None);
        await Store.IndexAsync(user, NewId(), Entry(Start.AddHours(1)), None);
        await PassAsync(Start + Short);

        // The next write of the user's index, or the store's sweep, deletes the two that lapsed.
        await Store.IndexAsync(user, NewId(), Entry(Start.AddHours(1)), None);
        await CleanUpAsync();

        Assert.Equal(2, await StoredEntriesAsync(user));
    }

    [Fact]
    public async Task AUserWhoseEntriesAllExpired_HasNothingStored()
    {
        var user = NewUser();
        await Store.IndexAsync(user, NewId(), Entry(Start + Short), None);
        await Store.IndexAsync(user, NewId(), Entry(Start + Short - TimeSpan.FromMilliseconds(500)), None);
        await PassAsync(Start + Short);

        await CleanUpAsync();

        await Bounded.UntilAsync(async () => await StoredEntriesAsync(user) == 0, "the expired entries to be deleted");
        Assert.Empty(await Store.ListAsync(user, None));
    }

    [Fact]
    public async Task ManySessions_OfOneUser_AreAllListed()
    {
        var user = NewUser();
        var ids = Enumerable.Range(0, 200).Select(_ => NewId()).ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            await Store.IndexAsync(user, id, Entry(Start.AddHours(1).AddMilliseconds(i)), None);
        }

        var listed = await Store.ListAsync(user, None);

        Assert.Equal(ids.Order(), listed.Select(session => session.Id).Order());
        Assert.All(listed, session => Assert.Equal(Start.AddHours(1).AddMilliseconds(ids.IndexOf(session.Id)), session.Entry.Expires));
    }

    [Fact]
    public async Task ConcurrentIndexAndRemove_OfOneUser_EndConsistent()
    {
        var user = NewUser();
        var ids = Enumerable.Range(0, 64).Select(_ => NewId()).ToList();

        // Each session is indexed twice at once (the same entry) and, for every other one, then removed.
        await Task.WhenAll(ids.SelectMany((id, i) => new[]
        {
            Task.Run(async () => await Store.IndexAsync(user, id, Entry(Start.AddHours(1)), None)),
            Task.Run(async () =>
            {
                await Store.IndexAsync(user, id, Entry(Start.AddHours(1)), None);
                if (i % 2 == 0)
                {
                    await Store.RemoveAsync(user, id, None);
                }
            }),
        })).Within("64 sessions indexed and half removed, concurrently");

        // A removal may have come before the other task's index of the same session: remove those once more.
        foreach (var id in ids.Where((_, i) => i % 2 == 0))
        {
            await Store.RemoveAsync(user, id, None);
        }

        var listed = await Store.ListAsync(user, None);
        Assert.Equal(ids.Where((_, i) => i % 2 == 1).Order(), listed.Select(session => session.Id).Order());
        Assert.Equal(32, await StoredEntriesAsync(user));
    }

    [Fact]
    public async Task TheIndex_IsIndependentOfTheSessions()
    {
        var user = NewUser();
        var (withSession, withoutSession) = (NewId(), NewId());
        await Store.SetAsync(withSession, new SessionRecord(Bytes("{}"), Start.AddHours(1)), None);
        await Store.IndexAsync(user, withSession, Entry(Start.AddHours(1)), None);
        await Store.IndexAsync(user, withoutSession, Entry(Start.AddHours(1)), None);

        await Store.DestroyAsync(withSession, None);

        // The index is a set of candidates: whoever lists it checks the sessions, and removes the entries of those gone.
        Assert.Equal(new[] { withSession, withoutSession }.Order(), (await Store.ListAsync(user, None)).Select(session => session.Id).Order());
        Assert.Null(await Store.GetAsync(withoutSession, None));
    }

    protected static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    protected SessionIndexEntry Entry(DateTimeOffset expires) => new(Start, expires, "agent", "192.0.2.1");
}
