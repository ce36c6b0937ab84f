using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// A request's lease on one session in a store shared by several processes (<see cref="IServerSessionLeaseStore"/>):
/// taken with the load, renewed every third of its duration while the request runs, given up with the save or on its
/// own, or when the request's hold on the session ends (Session:MaxHoldTime). Once it has lapsed, been taken over or
/// given up, writing under it is refused: the holder's changes must not overwrite a newer write.
/// </summary>
internal sealed class HeldLease
{
    private static readonly string ProcessToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
    private static long s_holders;
    private readonly GuardedStore _store;
    private readonly IServerSessionLeaseStore _leases;
    private readonly TimeSpan _duration;
    private readonly ILogger _logger;
    private readonly string _holder;
    private readonly SessionHold _hold;
    private ITimer? _renewal;
    private volatile bool _lost;
    private int _ended;

    private HeldLease(GuardedStore store, IServerSessionLeaseStore leases, string id, string holder, TimeSpan duration, SessionHold hold, ILogger logger)
    {
        _hold = hold;
        _store = store;
        _leases = leases;
        Id = id;
        _holder = holder;
        _duration = duration;
        _logger = logger;
    }

    /// <summary>The session this lease is on.</summary>
    public string Id { get; }

    /// <summary>
    /// Takes the lease on <paramref name="id"/> for <paramref name="duration"/> and loads the session in one store
    /// operation, waiting (woken by the holder's release, or when its lease would lapse) until <paramref name="waitDeadline"/>,
    /// then giving up with a <see cref="SessionBusyException"/>. The lease is given up when <paramref name="hold"/> ends.
    /// </summary>
    public static async Task<(HeldLease Lease, SessionRecord? Record)> AcquireAsync(
        GuardedStore store, string id, TimeSpan duration, DateTimeOffset waitDeadline, SessionHold hold, ILogger logger, CancellationToken cancellationToken)
    {
        var leases = store.Leases ?? throw new InvalidOperationException("The session store does not lease sessions.");
        var time = store.Time;
        var holder = NewHolder();
        while (true)
        {
            var pending = leases.GetAndLeaseAsync(id, holder, duration, cancellationToken).AsTask();
            SessionLease lease;
            try
            {
                lease = await store.Bounded(new ValueTask<SessionLease>(pending), StoreOperation.LeaseAcquire, cancellationToken);
            }
            catch (Exception ex)
            {
                // The store may have granted the lease before the wait was given up (the request was aborted, or the reply
                // came too late), or may still grant it: release it once the store's call has settled, or every request
                // of the session would wait until it lapses.
                // Not in the request's context: the release outlives the request, and its span is no child of the request's.
                using (ExecutionContext.SuppressFlow())
                {
                    _ = pending.ContinueWith(
                        _ => ReleaseAsync(store, leases, id, holder, logger, CancellationToken.None),
                        CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
                }
                if (GuardedStore.IsFault(ex, cancellationToken))
                {
                    throw new SessionStoreException("The session store failed to lease and load the session.", ex);
                }

                throw;
            }

            var now = time.GetUtcNow();
            if (lease.Acquired)
            {
                var held = new HeldLease(store, leases, id, holder, duration, hold, logger);
                var period = duration / 3;
                // Started only once assigned: a first tick due at once (the hold already over) must find the timer to end it.
                // The timer doesn't capture the request's context: renewals outlive the request (their spans are roots, and
                // the request's activity and HttpContext aren't kept alive by the timer for the lease's life).
                using (ExecutionContext.SuppressFlow())
                {
                    held._renewal = time.CreateTimer(static state => _ = ((HeldLease)state!).RenewAsync(), held, Timeout.InfiniteTimeSpan, period);
                }

                held._renewal.Change(held.UntilNextTick(period), period);

                // The contract says stores hide expired sessions; don't trust a clock-skewed one to.
                return (held, lease.Record is { } r && r.Expires > now ? r : null);
            }

            var remaining = waitDeadline - now;
            if (remaining <= TimeSpan.Zero)
            {
                throw new SessionBusyException(
                    $"Another request of this session, on another node, held it for longer than Session:LockTimeout ({duration.TotalSeconds:0.#} s).", SessionBusyCause.LeaseWait);
            }

            var wait = lease.Remaining > TimeSpan.Zero && lease.Remaining < remaining ? lease.Remaining : remaining;
            try
            {
                await leases.WaitForReleaseAsync(id, wait, cancellationToken);
            }
            catch (Exception ex) when (GuardedStore.IsFault(ex, cancellationToken))
            {
                throw new SessionStoreException("The session store failed while waiting for the session's lease.", ex);
            }
        }
    }

    // A token no other request of any process holds: this process's random prefix and a counter. It is never sent to
    // clients, so it needs to be unique, not secret.
    private static string NewHolder() => string.Create(null, stackalloc char[32], $"{ProcessToken}{Interlocked.Increment(ref s_holders):x}");

    /// <summary>Saves the session under the lease, and gives the lease up with the same store operation when <paramref name="release"/>.</summary>
    /// <exception cref="SessionBusyException">The lease lapsed or was taken over; nothing was written.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    public async Task SaveAsync(SessionRecord record, bool release, CancellationToken cancellationToken)
    {
        ThrowIfLost();
        var written = await _store.CallAsync(
            static (s, ct) => s.Leases.SetLeasedAsync(s.Id, s.Record, s.Holder, s.Release, ct),
            (Leases: _leases, Id, Record: record, Holder: _holder, Release: release), StoreOperation.Save, cancellationToken);
        Check(written);
        if (release)
        {
            End();
        }
    }

    /// <summary>Deletes the session under the lease, keeping the lease.</summary>
    /// <exception cref="SessionBusyException">The lease lapsed or was taken over; nothing was deleted.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    public async Task DestroyAsync(CancellationToken cancellationToken)
    {
        ThrowIfLost();
        var deleted = await _store.CallAsync(
            static (s, ct) => s.Leases.DestroyLeasedAsync(s.Id, s.Holder, ct),
            (Leases: _leases, Id, Holder: _holder), StoreOperation.Destroy, cancellationToken);
        Check(deleted);
    }

    /// <summary>Gives the lease up. A failure is logged, not thrown: the lease then lapses by itself.</summary>
    public Task ReleaseAsync(CancellationToken cancellationToken) =>
        End() ? ReleaseAsync(_store, _leases, Id, _holder, _logger, cancellationToken) : Task.CompletedTask;

    /// <summary>Gives the lease up in the background (a failed or aborted request).</summary>
    public void Abandon()
    {
        if (End())
        {
            _ = Task.Run(() => ReleaseAsync(_store, _leases, Id, _holder, _logger, CancellationToken.None));
        }
    }

    private bool End()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return false;
        }

        _renewal?.Dispose();
        return true;
    }

    private void ThrowIfLost()
    {
        if (_lost)
        {
            throw Lost();
        }
    }

    private void Check(bool held)
    {
        if (!held)
        {
            _lost = true;
            throw Lost();
        }
    }

    private static async Task ReleaseAsync(GuardedStore store, IServerSessionLeaseStore leases, string id, string holder, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await store.Bounded(leases.ReleaseLeaseAsync(id, holder, cancellationToken), StoreOperation.LeaseRelease, cancellationToken);
        }
        catch (Exception ex)
        {
            logger.LeaseReleaseFailed(new SessionLogId(id), ex);
        }
    }

    // A renewal every period, and one tick as the hold ends, which gives the lease up.
    private TimeSpan UntilNextTick(TimeSpan period)
    {
        var left = _hold.Remaining(_store.Time);
        return left < period ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : period;
    }

    private async Task RenewAsync()
    {
        if (_hold.Remaining(_store.Time) <= TimeSpan.Zero)
        {
            _lost = true;
            if (End())
            {
                _logger.LeaseHoldTimeExceeded(new SessionLogId(Id));
                await ReleaseAsync(_store, _leases, Id, _holder, _logger, CancellationToken.None);
            }

            return;
        }

        var period = _duration / 3;
        if (UntilNextTick(period) is var next && next < period)
        {
            try
            {
                _renewal?.Change(next, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Given up meanwhile: there is no next tick.
            }
        }

        try
        {
            if (!await _store.Bounded(_leases.RenewLeaseAsync(Id, _holder, _duration, CancellationToken.None), StoreOperation.LeaseRenew)
                && Volatile.Read(ref _ended) == 0)
            {
                _lost = true;
                _logger.LeaseLost(new SessionLogId(Id));
            }
        }
        catch (Exception ex)
        {
            // The next renewal may succeed; if the lease lapses meanwhile, the save is refused.
            _logger.LeaseRenewalFailed(new SessionLogId(Id), ex);
        }
    }

    private static SessionBusyException Lost() => new(
        "This request's lease on the session lapsed (it ran longer than Session:LockTimeout without renewing it) and another " +
        "request may have changed the session since; the change was not saved.", SessionBusyCause.LeaseLapsed);
}
