using System.Runtime.CompilerServices;

namespace ServerSessions;

/// <summary>
/// A request's turn on its session, with <see cref="SessionConcurrency.Serialized"/>: the in-process lock, so requests of
/// the session on this node queue fairly, and on a store shared by several processes the store's lease, so only the
/// head of each node's queue contends with other nodes. The lease is given up with the commit, so other nodes wait no
/// longer than needed; a change made after that (TempData after the result) takes the lease again and is applied onto
/// what is stored by then (a rebase), so a request of another node that ran in between keeps its own changes. The turn
/// lasts at most Session:MaxHoldTime: past it the lock and the lease go to the next request, and this one may write the
/// session no more.
/// </summary>
internal sealed class SessionTurn(SessionRuntime runtime)
{
    private SessionHold? _hold;
    private HeldLease? _lease;
    private string? _releasedLeaseId;        // the session whose lease this request gave up with its commit
    private HashSet<string>? _lateChanges;   // keys changed since then (SessionPayload.MaxAgeKey for MaxAge)

    /// <summary>Takes the turn on <paramref name="id"/> and loads the session, waiting at most Session:LockTimeout.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SessionRecord?> TakeAndLoadAsync(string id, CancellationToken cancellationToken)
    {
        var options = runtime.Options;
        var waitDeadline = runtime.Time.GetUtcNow() + options.LockTimeout;
        var wait = TurnWaitProbe.Start(runtime.Metrics, runtime.Time);
        var leased = runtime.GuardedStore.Leases is not null;
        SessionRecord? record = null;
        try
        {
            // A load retried after the store's failure already holds the lock and maybe the lease: it must not wait for itself.
            if (_hold?.Id != id)
            {
                _hold = await runtime.Locks.AcquireAsync(id, cancellationToken);
            }
            else
            {
                ThrowIfHeldTooLong();
            }

            if (leased)
            {
                if (_lease is { } failedLoad)
                {
                    _lease = null;
                    await failedLoad.ReleaseAsync(cancellationToken);
                }

                // The lease comes with the session's record, in one store call: the wait includes that load.
                (_lease, record) = await HeldLease.AcquireAsync(
                    runtime.GuardedStore, id, options.LockTimeout, waitDeadline, _hold.Value, runtime.Logger, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            wait.End(TurnWaitProbe.OutcomeOf(ex, cancellationToken));
            throw;
        }

        wait.End(TurnWaitProbe.Acquired);
        return leased ? record : await runtime.GuardedStore.GetAsync(id, cancellationToken);
    }

    /// <summary>
    /// Whether this request held its session for longer than Session:MaxHoldTime: the next request may have gone on, so
    /// this one may write the session no more. Only the hold's own time decides: the lock is taken over only once it has
    /// run out, so no shared lock need be asked.
    /// </summary>
    public bool HeldTooLong => _hold is { } hold && hold.Remaining(runtime.Time) <= TimeSpan.Zero;

    /// <summary>Refuses a write of a request that held its session for longer than Session:MaxHoldTime.</summary>
    /// <exception cref="SessionBusyException">It did: nothing is written.</exception>
    public void ThrowIfHeldTooLong()
    {
        if (HeldTooLong)
        {
            throw new SessionBusyException(
                $"This request held the session for longer than Session:MaxHoldTime ({runtime.Options.MaxHoldTime.TotalSeconds:0.#} s), so " +
                "another request may have changed it since; this request's change was not saved.", SessionBusyCause.HeldTooLong);
        }
    }

    /// <summary>The lease this request holds on <paramref name="id"/>, if any: writes to that session go under it.</summary>
    public HeldLease? LeaseOn(string id) => _lease is { } lease && lease.Id == id ? lease : null;

    /// <summary>
    /// Stores the creation time of a session express-session wrote (it keeps none): the <paramref name="stored"/> session
    /// with <paramref name="now"/> as its creation, under the turn (the lease, or the lock), with its expiry kept as
    /// <paramref name="expires"/> (this is no touch). Once per session, so its absolute timeout counts from here rather
    /// than from every later load. Only a turn's holder may: a request without one (read-only, LastWriteWins) would write
    /// its unchanged copy over a save made meanwhile. Returns the payload now stored.
    /// </summary>
    public async Task<byte[]> StoreCreationTimeAsync(string id, SessionPayload stored, DateTimeOffset now, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ThrowIfHeldTooLong();
        var payload = SessionPayload.Serialize(stored.Values, now.ToUnixTimeMilliseconds(), stored.MaxAgeMs);
        await SaveAsync(id, new SessionRecord(payload, expires), releaseLease: false, cancellationToken);
        runtime.Logger.CreationTimeStored(new SessionLogId(id));
        return payload;
    }

    /// <summary>Whether a write of <paramref name="id"/> must first be rebased: this request gave up its lease with the commit.</summary>
    public bool MustRebase(string id) => _releasedLeaseId == id;

    /// <summary>Remembers a change made after the lease was given up, to apply it onto the stored session at the next save.</summary>
    public void NoteChange(string key)
    {
        if (_releasedLeaseId is not null)
        {
            (_lateChanges ??= new(StringComparer.Ordinal)).Add(key);
        }
    }

    /// <summary>
    /// Saves <paramref name="id"/> in this turn: under the lease when the request holds one (a holder whose lease lapsed
    /// must not overwrite what a newer holder wrote), giving it up with the save when asked; else under the lock alone.
    /// </summary>
    public async Task SaveAsync(string id, SessionRecord record, bool releaseLease, CancellationToken cancellationToken)
    {
        if (LeaseOn(id) is not { } lease)
        {
            await runtime.GuardedStore.SetAsync(id, record, cancellationToken);
            return;
        }

        await lease.SaveAsync(record, releaseLease, cancellationToken);
        if (releaseLease)
        {
            Released(lease);
        }
    }

    /// <summary>Deletes <paramref name="id"/> in this turn: under the lease too when the request holds one, like a save.</summary>
    public async Task DestroyAsync(string id, CancellationToken cancellationToken)
    {
        if (LeaseOn(id) is { } lease)
        {
            await lease.DestroyAsync(cancellationToken);
        }
        else
        {
            await runtime.GuardedStore.DestroyAsync(id, cancellationToken);
        }
    }

    /// <summary>Notes that a save under the lease gave it up too.</summary>
    private void Released(HeldLease lease)
    {
        _lease = null;
        _releasedLeaseId = lease.Id;
    }

    /// <summary>Gives the lease up once the session is committed, if the save did not already.</summary>
    public Task ReleaseLeaseAsync(CancellationToken cancellationToken)
    {
        if (_lease is not { } lease)
        {
            return Task.CompletedTask;
        }

        Released(lease);
        return lease.ReleaseAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the lease on <paramref name="id"/> again and returns what is stored now with this request's late changes
    /// applied (<paramref name="values"/>, <paramref name="maxAgeMs"/>), or <see langword="null"/>, releasing the lease, if
    /// the session is gone by then (destroyed, or expired): a late change must not bring it back.
    /// </summary>
    public async Task<SessionPayload?> RebaseAsync(string id, Dictionary<string, byte[]> values, long? maxAgeMs, CancellationToken cancellationToken)
    {
        ThrowIfHeldTooLong();
        var (lease, record) = await HeldLease.AcquireAsync(
            runtime.GuardedStore, id, runtime.Options.LockTimeout, runtime.Time.GetUtcNow() + runtime.Options.LockTimeout, _hold!.Value, runtime.Logger, cancellationToken);
        _lease = lease;
        _releasedLeaseId = null;
        var changes = _lateChanges;
        _lateChanges = null;
        if (record is null)
        {
            runtime.Logger.LateChangeDropped(new SessionLogId(id));
            _lease = null;
            await lease.ReleaseAsync(cancellationToken);
            return null;
        }

        if (CorruptSessions.ParseOrReport(runtime, id, record.Value) is not { } stored)
        {
            // Written corrupt since the commit: the late change is dropped rather than written over it.
            _lease = null;
            await lease.ReleaseAsync(cancellationToken);
            return null;
        }

        var maxAgeChanged = false;
        foreach (var key in changes ?? [])
        {
            if (key == SessionPayload.MaxAgeKey)
            {
                maxAgeChanged = true;
            }
            else if (values.TryGetValue(key, out var value))
            {
                stored.Values[key] = value;
            }
            else
            {
                stored.Values.Remove(key);
            }
        }

        return maxAgeChanged ? new SessionPayload(stored.Values, stored.CreatedUnixMs, maxAgeMs) : stored;
    }

    /// <summary>
    /// Gives the turn up at once, the lease and then the lock: the stored session is corrupt, and the request goes on
    /// with a new session under a new ID, so it has nothing to guard and other requests need not wait for it.
    /// </summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        if (_lease is { } lease)
        {
            _lease = null;
            await lease.ReleaseAsync(cancellationToken);
        }

        if (_hold is { } hold)
        {
            runtime.Locks.Release(hold);
            _hold = null;
        }
    }

    /// <summary>Ends the turn: the next request of the session may go on. A lease still held is given up in the background.</summary>
    public void End()
    {
        _lease?.Abandon();
        _lease = null;
        if (_hold is { } hold)
        {
            runtime.Locks.Release(hold);
            _hold = null;
        }
    }
}
