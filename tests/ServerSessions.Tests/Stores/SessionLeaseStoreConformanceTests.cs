using Microsoft.Extensions.Time.Testing;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The <see cref="IServerSessionLeaseStore"/> contract, run against every lease store (in memory, Redis, Redis Cluster):
/// each store's test class derives from this one and says how to build the store on the suite's fake clock and, for a
/// store that times leases by a clock of its own (Redis), how to let a duration pass on that clock. A lease store passes
/// <see cref="SessionStoreConformanceTests"/> too.
/// </summary>
/// <remarks>
/// <para>
/// Leases are durations, never instants: the suite takes them for <see cref="Long"/> (which no test outlasts: a lease that
/// must stay held) or <see cref="Short"/> (one that must lapse), and lets time pass with <see cref="PassAsync"/>, which
/// moves the fake clock on and, for a store on a clock of its own, waits (bounded) until that clock has passed the
/// duration too. No test sleeps: the waits are for states (a wait ended, a clock passed), and each is bounded.
/// </para>
/// <para>
/// The fake clock starts at the real now (to the millisecond), so the sessions the suite writes, an hour from its start,
/// are an hour from now on a store's real clock as well.
/// </para>
/// </remarks>
public abstract class SessionLeaseStoreConformanceTests : StoreConformanceSuite<IServerSessionLeaseStore>
{
    /// <summary>A lease that stays held for the whole test: longer than any bounded wait.</summary>
    protected static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    /// <summary>A lease that the test lets lapse.</summary>
    protected static readonly TimeSpan Short = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Lets <paramref name="duration"/> pass on the clock by which the store times leases and waits: moves the fake clock on
    /// by it. A store that times them by a clock of its own also waits (bounded) until that clock has passed it.
    /// </summary>
    protected virtual Task PassAsync(TimeSpan duration)
    {
        Time.Advance(duration);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Lease_OfAFreeSession_IsGranted_WithTheSession()
    {
        var id = NewId();
        var expires = Start.AddHours(1).AddMilliseconds(123);
        await Store.SetAsync(id, new SessionRecord(Bytes("stored"), expires), None);

        var lease = await Store.GetAndLeaseAsync(id, "a", Long, None);

        Assert.True(lease.Acquired);
        Assert.NotNull(lease.Record);
        Assert.Equal(Bytes("stored"), lease.Record.Value.Payload.ToArray());
        Assert.InRange(lease.Record.Value.Expires, expires - ExpiryTolerance, expires + ExpiryTolerance);
    }

    [Fact]
    public async Task Lease_OfAnUnknownSession_IsGranted_WithNoRecord()
    {
        var lease = await Store.GetAndLeaseAsync(NewId(), "a", Long, None);

        Assert.True(lease.Acquired);
        Assert.Null(lease.Record);
    }

    [Fact]
    public async Task Lease_HeldByAnother_IsRefused_WithTheTimeItHasLeft_AndNoRecord()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        var refused = await Store.GetAndLeaseAsync(id, "b", TimeSpan.FromSeconds(1), None);

        Assert.False(refused.Acquired);
        Assert.Null(refused.Record);
        Assert.True(refused.Remaining > TimeSpan.Zero, $"Remaining is {refused.Remaining}");
        Assert.True(refused.Remaining <= Long, $"Remaining is {refused.Remaining}");
        Assert.True(await Store.RenewLeaseAsync(id, "a", Long, None)); // a's lease is untouched
    }

    [Fact]
    public async Task Lease_TakenAgainByItsHolder_IsGranted_WithTheSession_ForTheNewDuration()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Short, None)).Acquired);

        var again = await Store.GetAndLeaseAsync(id, "a", Long, None);

        Assert.True(again.Acquired);
        Assert.Equal(Bytes("stored"), again.Record?.Payload.ToArray());
        var refused = await Store.GetAndLeaseAsync(id, "b", Long, None);
        Assert.False(refused.Acquired);
        Assert.True(refused.Remaining > Short, $"Remaining is {refused.Remaining}: the lease was not taken for the new duration");
    }

    [Fact]
    public async Task Leases_OfDifferentSessions_AreIndependent()
    {
        var first = NewId();
        var second = NewId();
        Assert.True((await Store.GetAndLeaseAsync(first, "a", Long, None)).Acquired);

        Assert.True((await Store.GetAndLeaseAsync(second, "b", Long, None)).Acquired);
        Assert.False((await Store.GetAndLeaseAsync(first, "b", Long, None)).Acquired);
        Assert.False((await Store.GetAndLeaseAsync(second, "a", Long, None)).Acquired);
    }

    [Fact]
    public async Task ConcurrentLeases_OfOneSession_AreGrantedToOneHolder()
    {
        var id = NewId();

        var leases = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await Store.GetAndLeaseAsync(id, $"holder{i}", Long, None)))).Within("16 concurrent leases of one session");

        Assert.Single(leases, lease => lease.Acquired);
    }

    [Fact]
    public async Task Renew_ByTheHolder_ExtendsTheLease()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", TimeSpan.FromSeconds(10), None)).Acquired);

        Assert.True(await Store.RenewLeaseAsync(id, "a", Long, None));

        var refused = await Store.GetAndLeaseAsync(id, "b", Long, None);
        Assert.False(refused.Acquired);
        Assert.True(refused.Remaining > TimeSpan.FromSeconds(10), $"Remaining is {refused.Remaining}: the renewal did not extend the lease");
    }

    [Fact]
    public async Task Renew_ByAnotherHolder_Fails_AndLeavesTheLeaseAlone()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        Assert.False(await Store.RenewLeaseAsync(id, "b", Long, None));

        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);
        Assert.True(await Store.RenewLeaseAsync(id, "a", Long, None));
    }

    [Fact]
    public async Task Renew_AfterTheLeaseLapsed_Fails_AndDoesNotTakeItBack()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Short, None)).Acquired);
        await PassAsync(Short);

        Assert.False(await Store.RenewLeaseAsync(id, "a", Long, None));

        Assert.True((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);
    }

    [Fact]
    public async Task SetLeased_ByTheHolder_WritesTheSession_AndKeepsTheLease()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        Assert.True(await Store.SetLeasedAsync(id, Record("saved"), "a", release: false, None));

        Assert.Equal(Bytes("saved"), (await Store.GetAsync(id, None))?.Payload.ToArray());
        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);
        Assert.True(await Store.SetLeasedAsync(id, Record("saved again"), "a", release: false, None));
        Assert.Equal(Bytes("saved again"), (await Store.GetAsync(id, None))?.Payload.ToArray());
    }

    [Fact]
    public async Task SetLeased_WithRelease_FreesTheLease_AndTheNextHolderReadsWhatWasSaved()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("before"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);
        var expires = Start.AddHours(2).AddMilliseconds(7);

        Assert.True(await Store.SetLeasedAsync(id, new SessionRecord(Bytes("after"), expires), "a", release: true, None));

        var next = await Store.GetAndLeaseAsync(id, "b", Long, None);
        Assert.True(next.Acquired);
        Assert.NotNull(next.Record);
        Assert.Equal(Bytes("after"), next.Record.Value.Payload.ToArray());
        Assert.InRange(next.Record.Value.Expires, expires - ExpiryTolerance, expires + ExpiryTolerance);
        Assert.False(await Store.RenewLeaseAsync(id, "a", Long, None));
    }

    [Fact]
    public async Task SetLeased_WithAnExpiredRecord_DeletesTheSession_AndKeepsTheLease()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        Assert.True(await Store.SetLeasedAsync(id, new SessionRecord(ReadOnlyMemory<byte>.Empty, Start.AddSeconds(-1)), "a", release: false, None));

        Assert.Null(await Store.GetAsync(id, None));
        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);
    }

    [Fact]
    public async Task LeasedWrites_ByAnotherHolder_AreRefused_AndChangeNothing()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        Assert.False(await Store.SetLeasedAsync(id, Record("not a holder's"), "b", release: true, None));
        Assert.False(await Store.DestroyLeasedAsync(id, "b", None));

        Assert.Equal(Bytes("stored"), (await Store.GetAsync(id, None))?.Payload.ToArray());
        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);
        Assert.True(await Store.RenewLeaseAsync(id, "a", Long, None));
    }

    [Theory]
    [InlineData("save", false)]
    [InlineData("save", true)] // another holder took the lease after it lapsed, and saved
    [InlineData("delete", false)]
    [InlineData("delete", true)]
    public async Task LeasedWrite_ByALapsedHolder_IsRefused_AndChangesNothing(string write, bool takenOver)
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "lapsed", Short, None)).Acquired);
        await PassAsync(Short);
        if (takenOver)
        {
            Assert.True((await Store.GetAndLeaseAsync(id, "newer", Long, None)).Acquired);
            Assert.True(await Store.SetLeasedAsync(id, Record("newer"), "newer", release: false, None));
        }

        Assert.False(write == "save"
            ? await Store.SetLeasedAsync(id, Record("stale"), "lapsed", release: true, None)
            : await Store.DestroyLeasedAsync(id, "lapsed", None));

        Assert.Equal(Bytes(takenOver ? "newer" : "stored"), (await Store.GetAsync(id, None))?.Payload.ToArray());
        Assert.Equal(!takenOver, (await Store.GetAndLeaseAsync(id, "third", Long, None)).Acquired); // the newer lease is kept
    }

    [Fact]
    public async Task DestroyLeased_ByTheHolder_DeletesTheSession_AndKeepsTheLease()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        Assert.True(await Store.DestroyLeasedAsync(id, "a", None));

        Assert.Null(await Store.GetAsync(id, None));
        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);

        // The holder goes on under its lease (a regenerate writes the session again, here under the same ID) and releases it.
        Assert.True(await Store.SetLeasedAsync(id, Record("again"), "a", release: true, None));
        var next = await Store.GetAndLeaseAsync(id, "b", Long, None);
        Assert.True(next.Acquired);
        Assert.Equal(Bytes("again"), next.Record?.Payload.ToArray());
    }

    [Fact]
    public async Task DestroyLeased_OfAnUnknownSession_ByTheHolder_Succeeds()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        Assert.True(await Store.DestroyLeasedAsync(id, "a", None));

        Assert.Null(await Store.GetAsync(id, None));
        Assert.True(await Store.RenewLeaseAsync(id, "a", Long, None));
    }

    [Fact]
    public async Task Release_ByTheHolder_FreesTheLease_AndKeepsTheSession()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        await Store.ReleaseLeaseAsync(id, "a", None);

        var next = await Store.GetAndLeaseAsync(id, "b", Long, None);
        Assert.True(next.Acquired);
        Assert.Equal(Bytes("stored"), next.Record?.Payload.ToArray());
        Assert.False(await Store.RenewLeaseAsync(id, "a", Long, None));
    }

    [Fact]
    public async Task Release_ByAnotherHolder_DoesNothing()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        await Store.ReleaseLeaseAsync(id, "b", None);

        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);
        Assert.True(await Store.RenewLeaseAsync(id, "a", Long, None));
    }

    [Fact]
    public async Task Release_ByALapsedHolder_LeavesTheNewerLeaseAlone()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "lapsed", Short, None)).Acquired);
        await PassAsync(Short);
        Assert.True((await Store.GetAndLeaseAsync(id, "newer", Long, None)).Acquired);

        await Store.ReleaseLeaseAsync(id, "lapsed", None);

        Assert.False((await Store.GetAndLeaseAsync(id, "third", Long, None)).Acquired);
        Assert.True(await Store.RenewLeaseAsync(id, "newer", Long, None));
    }

    [Theory]
    [InlineData(false)] // ReleaseLeaseAsync
    [InlineData(true)]  // SetLeasedAsync with release
    public async Task Release_WakesAWaiter_LongBeforeItsMaxWait(bool withSave)
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);
        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);

        // Long is beyond the bounded wait below: only the release can end this wait in time.
        var waiting = Store.WaitForReleaseAsync(id, Long, None);
        Assert.False(waiting.IsCompleted, "The wait ended while the lease was held.");
        if (withSave)
        {
            Assert.True(await Store.SetLeasedAsync(id, Record("saved"), "a", release: true, None));
        }
        else
        {
            await Store.ReleaseLeaseAsync(id, "a", None);
        }

        await waiting.Within("the waiter to be woken by the release");
        var next = await Store.GetAndLeaseAsync(id, "b", Long, None);
        Assert.True(next.Acquired);
        Assert.Equal(withSave ? Bytes("saved") : null, next.Record?.Payload.ToArray());
    }

    [Fact]
    public async Task WaitForRelease_OfAFreeSession_ReturnsAtOnce()
    {
        await Store.WaitForReleaseAsync(NewId(), Long, None).Within("a wait for the release of a session nobody holds");
    }

    [Fact]
    public async Task WaitForRelease_NobodyReleases_ReturnsByMaxWait_WithoutThrowing()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);

        var waiting = Store.WaitForReleaseAsync(id, Short, None);
        await PassUntilCompletedAsync(waiting, "the wait to end at its maxWait");

        // It ended for its maxWait, not for a release: the lease is still held.
        Assert.False((await Store.GetAndLeaseAsync(id, "b", Long, None)).Acquired);
    }

    [Fact]
    public async Task WaitForRelease_Cancelled_ThrowsOperationCanceled()
    {
        var id = NewId();
        Assert.True((await Store.GetAndLeaseAsync(id, "a", Long, None)).Acquired);
        using var cancel = new CancellationTokenSource();

        var waiting = Store.WaitForReleaseAsync(id, Long, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within("the cancelled wait to end"));
    }

    [Fact]
    public async Task KilledHolder_IsFreedWhenItsLeaseDurationPasses()
    {
        var id = NewId();
        await Store.SetAsync(id, Record("stored"), None);
        Assert.True((await Store.GetAndLeaseAsync(id, "killed", Short, None)).Acquired); // never renewed nor released

        // The next request does what the core does: while refused, it waits for a release at most the time the lease has
        // left, then tries again.
        SessionLease next = default;
        await Bounded.UntilAsync(
            async () =>
            {
                next = await Store.GetAndLeaseAsync(id, "next", Long, None);
                if (!next.Acquired)
                {
                    Assert.InRange(next.Remaining, TimeSpan.Zero, Short);
                    await PassUntilCompletedAsync(Store.WaitForReleaseAsync(id, next.Remaining, None), "a wait for a release that never comes");
                }

                return next.Acquired;
            },
            "the killed holder's lease to lapse");

        Assert.Equal(Bytes("stored"), next.Record?.Payload.ToArray());
        Assert.False(await Store.SetLeasedAsync(id, Record("stale"), "killed", release: true, None));
        Assert.True(await Store.RenewLeaseAsync(id, "next", Long, None));
    }

    // Awaits a task that only the passing of time ends (a wait that reaches its maxWait), letting time pass a little at a
    // time until it has ended; bounded.
    private async Task PassUntilCompletedAsync(Task task, string what)
    {
        await Bounded.UntilAsync(
            async () =>
            {
                if (!task.IsCompleted)
                {
                    await PassAsync(Short / 5);
                }

                return task.IsCompleted;
            },
            what);
        await task;
    }

    private SessionRecord Record(string payload) => new(Bytes(payload), Start.AddHours(1));
}
