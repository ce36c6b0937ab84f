using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using ServerSessions.Redis;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;
using StackExchange.Redis;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// Serialized concurrency across processes on Redis: two "nodes" (two in-process hosts, each with its own runtime, lock
/// table and store connection) share one real redis-server. Hosts and their stores run on the real clock, as in
/// production: leases lapse by Redis's clock and are renewed by the app's timers. Timing claims are proven with gates
/// (a request held inside its action, a state Redis or the store reaches), not stopwatches, and every wait is bounded.
/// </summary>
[Trait("Clock", "Real")]
public sealed class RedisSessionStoreLeaseTests : RedisTestsBase
{
    private readonly List<SessionTestHost> _hosts = [];

    public override async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    [Fact]
    public async Task TwoNodes_TwoHundredOverlappingRequests_LoseNoUpdate()
    {
        var a = await StartNodeAsync();
        var b = await StartNodeAsync();
        var cookie = await FirstVisitAsync(a);

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? a : b).SendAsync("/count", cookie);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return int.Parse(await response.Content.ReadAsStringAsync(), CultureInfo.InvariantCulture);
        }));

        Assert.Equal(Enumerable.Range(2, 200), responses.Order());
        Assert.Equal("202", await b.GetStringAsync("/count", cookie));
        Assert.False(await Redis.KeyExistsAsync(LockKey(SetCookies.IdOf(cookie))));
    }

    [Fact]
    public async Task SecondNode_WaitsWhileTheFirstHoldsTheSession()
    {
        var hold = new HoldGate();

        var a = await StartNodeAsync(map: hold.Map);
        var b = await StartNodeAsync(map: hold.Map);
        var cookie = await FirstVisitAsync(a);

        var holder = a.SendAsync("/hold", cookie);
        await hold.Inside;
        var waiter = b.SendAsync("/hold", cookie);

        // The second node found the lease taken and waits for its release, outside the action.
        await Bounded.UntilAsync(() => b.Store.Count("wait") >= 1, "node b to wait for the lease");
        Assert.Equal(1, hold.Entered);
        Assert.False(waiter.IsCompleted);

        hold.Release();
        using var first = await holder.Within("the holder's response");
        using var second = await waiter.Within("the waiting node's response");
        Assert.Equal(("2", "3"), (await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task OnlyTheReleaseOfAContendedLeaseIsPublished()
    {
        var hold = new HoldGate();

        var a = await StartNodeAsync(map: hold.Map);
        var b = await StartNodeAsync(map: hold.Map);
        var quiet = await FirstVisitAsync(a);
        var contended = await FirstVisitAsync(a);
        var releases = await Subscriber.SubscribeAsync(RedisChannel.Literal(Prefix + "released"));

        // Taking turns without overlapping: no request ever found the lease taken, so no release is published.
        Assert.Equal("2", await a.GetStringAsync("/count", quiet));
        Assert.Equal("3", await b.GetStringAsync("/count", quiet));

        var holder = a.SendAsync("/hold", contended);
        await hold.Inside;
        var waiter = b.SendAsync("/count", contended);
        await Bounded.UntilAsync(() => b.Store.Count("wait") >= 1, "node b to wait for the lease");
        hold.Release();
        (await holder.Within("the holder's response")).Dispose();
        (await waiter.Within("the waiting node's response")).Dispose();

        // Messages arrive in order: had the quiet session's releases been published, they would come first.
        var first = await releases.ReadAsync().AsTask().Within("a release published on the channel");
        Assert.Equal(SetCookies.IdOf(contended), (string)first.Message!);
        Assert.Equal("4", await a.GetStringAsync("/count", quiet));
        Assert.False(releases.TryRead(out var extra), $"unexpected release of {extra.Message}");
        await releases.UnsubscribeAsync();
    }

    [Fact]
    public async Task CommitBeforeTheResult_ReleasesTheLease_AndALaterChangeIsAppliedOntoWhatAnotherNodeSavedMeanwhile()
    {
        var change = new LateChange();
        void Map(WebApplication app)
        {
            change.Map(app);
            app.MapGet("/keys", (ServerSession session) => string.Join(",", session.Keys.Order(StringComparer.Ordinal)))
                .WithMetadata(new ReadOnlySessionAttribute());
            app.MapGet("/other", (ServerSession session) =>
            {
                session.Set("other", true);
                return "other";
            }).WithSession();
        }

        var a = await StartNodeAsync(map: Map);
        var b = await StartNodeAsync(map: Map);
        var cookie = await FirstVisitAsync(a);
        var late = await change.StartAsync(a, cookie);

        // Node a is executing its result: its lease went with the commit before it, so node b's request goes on at once.
        Assert.Equal("other", await b.GetStringAsync("/other", cookie));
        Assert.Equal(0, b.Store.Count("wait"));

        // Node a's late change takes the lease again and is applied onto node b's save, not over it.
        change.Resume();
        using var done = await late.Within("the late change's response");
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("early,late,other,visits", await b.GetStringAsync("/keys", cookie));
        Assert.Equal(2, a.Store.Count("lease"));
        Assert.False(await Redis.KeyExistsAsync(LockKey(SetCookies.IdOf(cookie))));
    }

    [Fact]
    public async Task LaterChange_OfASessionAnotherNodeDestroyedMeanwhile_DoesNotBringItBack()
    {
        var change = new LateChange();
        void Map(WebApplication app)
        {
            change.Map(app);
            app.MapGet("/logout", async (ServerSession session) =>
            {
                await session.DestroyAsync();
                return "bye";
            }).WithSession();
        }

        var a = await StartNodeAsync(map: Map);
        var b = await StartNodeAsync(map: Map);
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);

        var late = await change.StartAsync(a, cookie);

        // The early change was saved (so the store does write), and the lease went with it.
        Assert.Contains("\"early\":true", (string?)await Redis.StringGetAsync(Prefix + id));
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));
        Assert.Equal("bye", await b.GetStringAsync("/logout", cookie));
        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
        change.Resume();
        using var done = await late.Within("the late change's response");

        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));
        Assert.Equal("1", await a.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task LaterChange_OntoARecordCorruptedMeanwhile_IsDropped_AndLeavesTheRecordAsItIs()
    {
        var change = new LateChange();
        var a = await StartNodeAsync(map: change.Map);
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);
        var late = await change.StartAsync(a, cookie);

        Assert.True(await Redis.StringSetAsync(Prefix + id, "{not json", TimeSpan.FromMinutes(1)));
        change.Resume();
        using var done = await late.Within("the late change's response");

        // The late change is not written over the corrupt record (it would hide it), and the lease taken for it is given up.
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("{not json", (string?)await Redis.StringGetAsync(Prefix + id));
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));
    }

    [Fact]
    public async Task LeaseGrantedAfterTheRequestGaveUpWaiting_IsReleased_AndTheNextRequestDoesNotWait()
    {
        // A lease that lapses only after the test's bounded wait: only a release frees the session in time.
        var late = false;
        var a = await StartNodeAsync(options => options.LockTimeout = TimeSpan.FromMinutes(2), wrap: store => new LateReplyStore(store, () => late));
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);

        // The store granted the lease, but the reply came after the request stopped waiting (as when the client aborts).
        late = true;
        using var failed = await a.SendAsync("/count", cookie).Within("the response to a request whose lease came too late");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(1, a.Store.Count("lease")); // the lease was asked for (and granted in Redis), then released
        await Bounded.UntilAsync(() => !Redis.KeyExists(LockKey(id)), "the late-granted lease to be released");

        late = false;
        Assert.Equal("2", await a.GetStringAsync("/count", cookie));
        Assert.Equal(0, a.Store.Count("wait"));
    }

    [Fact]
    public async Task KilledHolder_FreesTheSessionWhenItsLeaseExpires()
    {
        var a = await StartNodeAsync(options => options.LockTimeout = TimeSpan.FromSeconds(2));
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);

        // A holder that dies mid-request: it took the lease and never releases nor renews it.
        var dead = await Store(a).GetAndLeaseAsync(id, "killed", TimeSpan.FromSeconds(2), None);
        Assert.True(dead.Acquired);

        // No release is ever published: the request waits for the lease to lapse by Redis's clock, then goes on.
        Assert.Equal("2", await a.GetStringAsync("/count", cookie).Within("a request waiting for a dead holder's lease to lapse"));
        Assert.Equal("3", await a.GetStringAsync("/count", cookie));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // saved by the end-of-request commit, before the result is written
    public async Task HolderWhoseLeaseLapsed_SaveIsRefusedWith503_AndTheStoredSessionIsUnchanged(bool explicitSave)
    {
        var hold = new HoldGate();
        var a = await StartNodeAsync(map: app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/hold", async (ServerSession session) =>
            {
                await hold.EnterAsync();
                var visits = Count(session);
                if (explicitSave)
                {
                    await session.SaveAsync();
                }

                return visits;
            });
        });
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);

        var holder = a.SendAsync("/hold", cookie);
        await hold.Inside;

        // The lease lapses (as after a long pause) and another request takes it.
        Assert.True(await Redis.KeyDeleteAsync(LockKey(id)));
        var other = await Store(a).GetAndLeaseAsync(id, "newer", TimeSpan.FromSeconds(30), None);
        Assert.True(other.Acquired);

        hold.Release();
        using var refused = await holder.Within("the lapsed holder's response");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(1, a.Store.Count("set-leased"));

        await Store(a).ReleaseLeaseAsync(id, "newer", None);
        Assert.Equal("2", await a.GetStringAsync("/count", cookie));
    }

    [Theory]
    [InlineData("destroy")]
    [InlineData("regenerate")]
    public async Task HolderWhoseLeaseLapsed_CannotDeleteTheNewerWrite(string action)
    {
        var hold = new HoldGate();
        var a = await StartNodeAsync(map: app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/hold", async (ServerSession session) =>
            {
                await hold.EnterAsync();
                await (action == "destroy" ? session.DestroyAsync() : session.RegenerateAsync());
                return "done";
            });
        });
        var b = await StartNodeAsync();
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);

        var holder = a.SendAsync("/hold", cookie);
        await hold.Inside;

        // The lease lapses (as after a long pause) and a request on another node counts a visit under a lease of its own.
        Assert.True(await Redis.KeyDeleteAsync(LockKey(id)));
        Assert.Equal("2", await b.GetStringAsync("/count", cookie));

        hold.Release();
        using var refused = await holder.Within("the lapsed holder's response");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("3", await b.GetStringAsync("/count", cookie)); // the newer write is still there
    }

    [Fact]
    public async Task CompleteAsync_ReleasesTheLease_SoAnotherNodeGoesOnDuringTheSlowWork()
    {
        var hold = new HoldGate();
        InvalidOperationException? lateWrite = null;
        var a = await StartNodeAsync(map: app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/slow", async (ServerSession session) =>
            {
                var visits = Count(session);
                await session.CompleteAsync();
                await hold.EnterAsync(); // slow work that doesn't need the session
                lateWrite = Assert.Throws<InvalidOperationException>(() => session.Set("late", true));
                return visits;
            });
        });
        var b = await StartNodeAsync();
        var cookie = await FirstVisitAsync(a);
        var slow = a.SendAsync("/slow", cookie);
        await hold.Inside;

        Assert.Equal(1, a.Store.Count("lease")); // the slow request took one (a first visit loads nothing): there was one to release
        Assert.False(await Redis.KeyExistsAsync(LockKey(SetCookies.IdOf(cookie))));
        Assert.Equal("3", await b.GetStringAsync("/count", cookie));
        hold.Release();
        using var slowResponse = await slow.Within("the slow request's response");
        Assert.Equal("2", await slowResponse.Content.ReadAsStringAsync());
        Assert.NotNull(lateWrite);
        Assert.Equal("4", await a.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task SetLeased_WithAnExpiredRecord_DeletesTheSession_OnlyForTheLeasesHolder()
    {
        var a = await StartNodeAsync();
        var id = SetCookies.IdOf(await FirstVisitAsync(a));
        var store = Store(a);
        var expired = new SessionRecord(ReadOnlyMemory<byte>.Empty, DateTimeOffset.MinValue);
        Assert.True((await store.GetAndLeaseAsync(id, "holder", TimeSpan.FromSeconds(30), None)).Acquired);

        Assert.False(await store.SetLeasedAsync(id, expired, "lapsed holder", release: false, None));
        Assert.True(await Redis.KeyExistsAsync(Prefix + id));

        Assert.True(await store.SetLeasedAsync(id, expired, "holder", release: true, None));
        Assert.False(await Redis.KeyExistsAsync(Prefix + id));
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));
    }

    [Fact]
    public async Task DestroyLeased_DeletesTheSession_OnlyForTheLeasesHolder_AndKeepsTheLockAsItIs()
    {
        var a = await StartNodeAsync();
        var id = SetCookies.IdOf(await FirstVisitAsync(a));
        var store = Store(a);
        Assert.True((await store.GetAndLeaseAsync(id, "holder", TimeSpan.FromMinutes(1), None)).Acquired);
        Assert.False((await store.GetAndLeaseAsync(id, "waiter", TimeSpan.FromMinutes(1), None)).Acquired); // marks it contended

        Assert.False(await store.DestroyLeasedAsync(id, "lapsed holder", None));
        Assert.True(await Redis.KeyExistsAsync(Prefix + id));

        Assert.True(await store.DestroyLeasedAsync(id, "holder", None));
        Assert.False(await Redis.KeyExistsAsync(Prefix + id));

        // Still the holder's, still marked (so its release will wake the waiter), and still expiring with the lease.
        Assert.Equal("holder+", (string?)await Redis.StringGetAsync(LockKey(id)));
        Assert.InRange(await Redis.KeyTimeToLiveAsync(LockKey(id)) ?? TimeSpan.Zero, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task CorruptRecord_StartsANewSession_GivesItsLeaseUpAtOnce_AndIsLeftInRedis()
    {
        var hold = new HoldGate();
        var a = await StartNodeAsync(map: hold.Map);
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);
        Assert.True(await Redis.StringSetAsync(Prefix + id, "{not json", TimeSpan.FromMinutes(1)));

        var held = a.SendAsync("/hold", cookie);
        await hold.Inside;

        // The request went on with a new session: the corrupt one's lease is already given up, while it still runs.
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));
        hold.Release();
        using var response = await held.Within("the held request's response");
        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.NotEqual(id, SetCookies.IdOf(SetCookies.Pair(response)));
        Assert.Equal("{not json", (string?)await Redis.StringGetAsync(Prefix + id));
        Assert.Equal(1, a.Store.Count("lease"));
    }

    [Fact]
    public async Task ReadOnlyEndpoint_TakesNoLease_AndAnotherNodeWritesMeanwhile()
    {
        var hold = new HoldGate();
        var a = await StartNodeAsync(map: app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/read", async (ServerSession session) =>
            {
                await hold.EnterAsync();
                return session.Get<int>("visits");
            }).WithMetadata(new ReadOnlySessionAttribute());
        });
        var b = await StartNodeAsync();
        var cookie = await FirstVisitAsync(a);
        var reader = a.SendAsync("/read", cookie);
        await hold.Inside;

        Assert.False(await Redis.KeyExistsAsync(LockKey(SetCookies.IdOf(cookie))));
        Assert.Equal("2", await b.GetStringAsync("/count", cookie));
        hold.Release();
        using var read = await reader.Within("the read-only request's response");
        Assert.Equal("1", await read.Content.ReadAsStringAsync());
        Assert.Equal(0, a.Store.Count("lease"));
    }

    [Fact]
    public async Task WaitLongerThanLockTimeout_EndsIn503WithRetryAfter_AndNothingIsWritten()
    {
        // A lease held far longer than the waiter's LockTimeout, never released: the wait ends by the app's clock.
        var a = await StartNodeAsync(options => options.LockTimeout = TimeSpan.FromSeconds(2));
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);
        Assert.True((await Store(a).GetAndLeaseAsync(id, "stuck", TimeSpan.FromMinutes(1), None)).Acquired);

        using var busy = await a.SendAsync("/count", cookie).Within("the waiting request's answer after its LockTimeout");
        Assert.True(a.Store.Count("wait") >= 1);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.NotNull(busy.Headers.RetryAfter);
        Assert.Equal(0, a.Store.Count("set-leased"));

        await Store(a).ReleaseLeaseAsync(id, "stuck", None);
        Assert.Equal("2", await a.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task FailedRequest_ReleasesItsLease()
    {
        var a = await StartNodeAsync(map: app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/fail", string (ServerSession session) => throw new InvalidOperationException("the endpoint failed"));
        });
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);

        // The test server hands the endpoint's exception to the client.
        await Assert.ThrowsAsync<InvalidOperationException>(() => a.SendAsync("/fail", cookie));

        await Bounded.UntilAsync(() => !Redis.KeyExists(LockKey(id)), "the failed request's lease to be released");
        Assert.Equal("2", await a.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task LongRequest_RenewsItsLease()
    {
        var hold = new HoldGate();
        var a = await StartNodeAsync(options => options.LockTimeout = TimeSpan.FromSeconds(6), hold.Map);
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);
        var holder = a.SendAsync("/hold", cookie);
        await hold.Inside;
        var taken = await LeaseExpiryAsync(id); // by Redis's clock, so comparable with a later reading of it

        // Every LockTimeout / 3 by the app's clock, the lease is extended back to LockTimeout: its end moves later.
        await Bounded.UntilAsync(() => a.Store.Count("renew") >= 1, "a renewal of the lease");
        await Bounded.UntilAsync(async () => await LeaseExpiryAsync(id) > taken, "the lease's expiry in Redis to move later");

        hold.Release();
        using var done = await holder.Within("the long request's response");
        Assert.Equal("2", await done.Content.ReadAsStringAsync());
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));
    }

    [Fact]
    public async Task HolderPastMaxHoldTime_GivesItsLeaseUp_SoAnotherNodeGoesOn_AndItsLateSaveIsRefused()
    {
        // Node a holds for at most 2 s (its lease, renewed every 1/3 s, would keep it forever); node b would wait 10 s.
        var hold = new HoldGate();
        var a = await StartNodeAsync(options => (options.LockTimeout, options.MaxHoldTime) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), hold.Map);
        var b = await StartNodeAsync();
        var cookie = await FirstVisitAsync(a);
        var id = SetCookies.IdOf(cookie);
        var holder = a.SendAsync("/hold", cookie);
        await hold.Inside;
        var waiter = b.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => b.Store.Count("wait") >= 1, "node b to wait for the lease");

        // Node a's hold ends while it is still inside its action: the lease goes, and node b counts on.
        using (var counted = await waiter.Within("node b's response once node a's hold ended"))
        {
            Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
            Assert.Equal("2", await counted.Content.ReadAsStringAsync());
        }

        Assert.False(holder.IsCompleted);
        Assert.True(a.Store.Count("renew") >= 1); // it was renewed while its hold lasted
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));

        hold.Release();
        using var refused = await holder.Within("the overstaying holder's response");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(0, a.Store.Count("set-leased")); // refused before it reached Redis
        Assert.Equal("3", await b.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task SameHolder_LeasingAgain_IsGrantedWithTheSession_ForTheNewDuration_AndKeepsTheContendedMark()
    {
        var store = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = Server.ConfigurationString, KeyPrefix = Prefix },
            new SessionCookieOptions(),
            TimeProvider.System,
            NullLogger<RedisSessionStore>.Instance);
        Stores.Add(store);
        var id = Guid.NewGuid().ToString("N");
        var payload = """{"visits":1}"""u8.ToArray();
        var record = new SessionRecord(payload, DateTimeOffset.UtcNow.AddMinutes(10));
        await store.SetAsync(id, record, None);
        var releases = await Subscriber.SubscribeAsync(RedisChannel.Literal(Prefix + "released"));
        Assert.True((await store.GetAndLeaseAsync(id, "h", TimeSpan.FromSeconds(5), None)).Acquired);

        // Uncontended: taken again for the new duration, and still unmarked.
        var again = await store.GetAndLeaseAsync(id, "h", TimeSpan.FromMinutes(1), None);
        Assert.True(again.Acquired);
        Assert.Equal(payload, again.Record?.Payload.ToArray());
        Assert.Equal("h", (string?)await Redis.StringGetAsync(LockKey(id)));
        var busy = await store.GetAndLeaseAsync(id, "other", TimeSpan.FromSeconds(5), None);
        Assert.False(busy.Acquired);
        Assert.InRange(busy.Remaining, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));

        // Contended (the failed attempt marked it): taken again for the new duration, mark and all, so that the release
        // still wakes the waiter.
        var third = await store.GetAndLeaseAsync(id, "h", TimeSpan.FromMinutes(5), None);
        Assert.True(third.Acquired);
        Assert.Equal(payload, third.Record?.Payload.ToArray());
        Assert.InRange(await Redis.KeyTimeToLiveAsync(LockKey(id)) ?? TimeSpan.Zero, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));

        Assert.True(await store.SetLeasedAsync(id, record, "h", release: true, None));
        var released = await releases.ReadAsync().AsTask().Within("a release published on the channel");
        Assert.Equal(id, (string)released.Message!);
        Assert.False(await Redis.KeyExistsAsync(LockKey(id)));
        await releases.UnsubscribeAsync();
    }

    [Fact]
    public async Task Cluster_LeaseKeySharesTheSessionsSlot_AndLeasedOperationsRun()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        var store = new RedisSessionStore(
            new RedisSessionStoreOptions { Configuration = cluster.ConfigurationString },
            new SessionCookieOptions(),
            TimeProvider.System,
            NullLogger<RedisSessionStore>.Instance);
        Stores.Add(store);
        for (var i = 0; i < 20; i++)
        {
            var id = $"lease{i}abcdefghijklmnopqrstuvwxyz0123"[..32];
            Assert.Equal(
                await cluster.Nodes[0].CommandAsync("CLUSTER", "KEYSLOT", "sess:" + id),
                await cluster.Nodes[0].CommandAsync("CLUSTER", "KEYSLOT", (string)store.LockKey(id)!));

            var record = new SessionRecord("""{"visits":1}"""u8.ToArray(), DateTimeOffset.UtcNow.AddMinutes(5));
            var lease = await store.GetAndLeaseAsync(id, "h", TimeSpan.FromSeconds(10), None);
            Assert.True(lease.Acquired);
            Assert.Null(lease.Record);
            Assert.False((await store.GetAndLeaseAsync(id, "other", TimeSpan.FromSeconds(10), None)).Acquired);
            Assert.True(await store.SetLeasedAsync(id, record, "h", release: true, None));
            Assert.False(await store.SetLeasedAsync(id, record, "h", release: false, None));
            var again = await store.GetAndLeaseAsync(id, "other", TimeSpan.FromSeconds(10), None);
            Assert.True(again.Acquired);
            Assert.NotNull(again.Record);
            await store.ReleaseLeaseAsync(id, "other", None);
        }
    }

    // "/late" (beside "/count"): the action sets "early" and is committed before its result; the result then waits
    // for the test and sets "late", after that commit gave the lease up.
    private sealed class LateChange
    {
        private readonly TaskCompletionSource _inResult = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Map(WebApplication app)
        {
            app.MapGet("/count", Count);
            app.MapGet("/late", (ServerSession session) =>
            {
                session.Set("early", true);
                return new Result(session, this);
            }).WithSession();
        }

        // Sends "/late" and returns once its result is executing, before it changes the session.
        public async Task<Task<HttpResponseMessage>> StartAsync(SessionTestHost host, string cookie)
        {
            var response = host.SendAsync("/late", cookie);
            await _inResult.Task.Within("the late request to execute its result");
            return response;
        }

        public void Resume() => _resume.SetResult();

        private sealed class Result(ServerSession session, LateChange change) : IResult
        {
            public async Task ExecuteAsync(HttpContext httpContext)
            {
                change._inResult.SetResult();
                await change._resume.Task.Within("the test to resume the late change");
                session.Set("late", true);
                await httpContext.Response.WriteAsync("done");
            }
        }
    }

    // Takes the lease in Redis, then fails as a reply that came too late would, while late() says so.
    private sealed class LateReplyStore(RedisSessionStore inner, Func<bool> late) : IServerSessionLeaseStore
    {
        public async ValueTask<SessionLease> GetAndLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
        {
            var lease = await inner.GetAndLeaseAsync(id, holder, duration, cancellationToken);
            return late() ? throw new TimeoutException("The reply came too late.") : lease;
        }

        public ValueTask<bool> RenewLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken) =>
            inner.RenewLeaseAsync(id, holder, duration, cancellationToken);

        public ValueTask<bool> SetLeasedAsync(string id, SessionRecord record, string holder, bool release, CancellationToken cancellationToken) =>
            inner.SetLeasedAsync(id, record, holder, release, cancellationToken);

        public ValueTask<bool> DestroyLeasedAsync(string id, string holder, CancellationToken cancellationToken) =>
            inner.DestroyLeasedAsync(id, holder, cancellationToken);

        public ValueTask ReleaseLeaseAsync(string id, string holder, CancellationToken cancellationToken) =>
            inner.ReleaseLeaseAsync(id, holder, cancellationToken);

        public Task WaitForReleaseAsync(string id, TimeSpan maxWait, CancellationToken cancellationToken) =>
            inner.WaitForReleaseAsync(id, maxWait, cancellationToken);

        public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

        public ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken) => inner.SetAsync(id, record, cancellationToken);

        public ValueTask DestroyAsync(string id, CancellationToken cancellationToken) => inner.DestroyAsync(id, cancellationToken);

        public ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken) =>
            inner.TouchAsync(id, payload, expires, cancellationToken);
    }

    private static IServerSessionLeaseStore Store(SessionTestHost host) => (IServerSessionLeaseStore)host.Store.Inner;

    private string LockKey(string id) => "{" + Prefix + id + "}:lock";

    // When the lease on the session id ends, in Unix ms by Redis's own clock (PEXPIRETIME): only compared with itself.
    private async Task<long> LeaseExpiryAsync(string id)
    {
        var expires = (long)await Redis.ExecuteAsync("PEXPIRETIME", LockKey(id));
        Assert.True(expires > 0, $"The lease key has no expiry ({expires}): it is gone (-2) or immortal (-1).");
        return expires;
    }

    private async Task<SessionTestHost> StartNodeAsync(
        Action<ServerSessionOptions>? configure = null, Action<WebApplication>? map = null,
        Func<RedisSessionStore, IServerSessionLeaseStore>? wrap = null)
    {
        var host = await SessionTestHost.StartAsync(
            map ?? (app => app.MapGet("/count", Count)),
            configure,
            store: time =>
            {
                var store = new RedisSessionStore(
                    new RedisSessionStoreOptions { Configuration = Server.ConfigurationString, KeyPrefix = Prefix },
                    new SessionCookieOptions(),
                    time,
                    NullLogger<RedisSessionStore>.Instance);
                Stores.Add(store);
                return wrap is null ? store : wrap(store);
            },
            clock: TimeProvider.System);
        _hosts.Add(host);
        return host;
    }
}
