using System.Security.Cryptography;

namespace ServerSessions;

/// <summary>
/// A request's lease on one session in a store shared by several processes (<see cref="IServerSessionLeaseStore"/>): taken
/// with the load, renewed every <c>LockTimeout / 3</c> while the request runs, given up with the save or on its own.
/// Once it has lapsed or been taken over, saving under it is refused: the holder's changes must not overwrite a newer write.
/// </summary>
internal sealed class HeldLease
{
    private static readonly string ProcessToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
    private static long s_holders;
    private readonly SessionRuntime _runtime;
    private readonly IServerSessionLeaseStore _store;
    private readonly string _holder;
    private ITimer? _renewal;
    private volatile bool _lost;
    private int _ended;

    private HeldLease(SessionRuntime runtime, IServerSessionLeaseStore store, string id, string holder)
    {
        _runtime = runtime;
        _store = store;
        Id = id;
        _holder = holder;
    }

    /// <summary>The session this lease is on.</summary>
    public string Id { get; }

    /// <summary>
    /// Takes the lease on <paramref name="id"/> and loads the session in one store operation, waiting (woken by the
    /// holder's release, or when its lease would lapse) until <paramref name="waitDeadline"/>, then giving up with a
    /// <see cref="SessionBusyException"/>.
    /// </summary>
    public static async Task<(HeldLease Lease, SessionRecord? Record)> AcquireAsync(
        SessionRuntime runtime, IServerSessionLeaseStore store, string id, DateTimeOffset waitDeadline, CancellationToken cancellationToken)
    {
        var options = runtime.Options;
        var holder = NewHolder();
        while (true)
        {
            var pending = store.GetAndLeaseAsync(id, holder, options.LockTimeout, cancellationToken).AsTask();
            SessionLease lease;
            try
            {
                lease = await runtime.Bounded(new ValueTask<SessionLease>(pending));
            }
            catch (Exception ex)
            {
                // The store may have granted the lease before the wait was given up (the request was aborted, or the reply
                // came too late), or may still grant it: release it once the store's call has settled, or every request
                // of the session would wait until it lapses.
                _ = ReleaseWhenSettledAsync(runtime, store, id, holder, pending);
                if (SessionRuntime.IsStoreFault(ex, cancellationToken))
                {
                    throw new SessionStoreException("The session store failed to lease and load the session.", ex);
                }

                throw;
            }

            var now = runtime.Time.GetUtcNow();
            if (lease.Acquired)
            {
                var held = new HeldLease(runtime, store, id, holder);
                var period = options.LockTimeout / 3;
                held._renewal = runtime.Time.CreateTimer(static state => _ = ((HeldLease)state!).RenewAsync(), held, period, period);

                // The contract says stores hide expired sessions; don't trust a clock-skewed one to.
                return (held, lease.Record is { } r && r.Expires > now ? r : null);
            }

            var remaining = waitDeadline - now;
            if (remaining <= TimeSpan.Zero)
            {
                throw new SessionBusyException(
                    $"Another request of this session, on another node, held it for longer than Session:LockTimeout ({options.LockTimeout.TotalSeconds:0.#} s).");
            }

            var wait = lease.Remaining > TimeSpan.Zero && lease.Remaining < remaining ? lease.Remaining : remaining;
            try
            {
                await store.WaitForReleaseAsync(id, wait, cancellationToken);
            }
            catch (Exception ex) when (SessionRuntime.IsStoreFault(ex, cancellationToken))
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
        if (_lost)
        {
            throw Lost();
        }

        bool written;
        try
        {
            written = await _runtime.Bounded(_store.SetLeasedAsync(Id, record, _holder, release, cancellationToken));
        }
        catch (Exception ex) when (SessionRuntime.IsStoreFault(ex, cancellationToken))
        {
            throw new SessionStoreException("The session store failed to write the session.", ex);
        }

        if (!written)
        {
            _lost = true;
            throw Lost();
        }

        if (release)
        {
            End();
        }
    }

    /// <summary>Gives the lease up. A failure is logged, not thrown: the lease then lapses by itself after LockTimeout.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (End())
        {
            await ReleaseCoreAsync(cancellationToken);
        }
    }

    /// <summary>Gives the lease up in the background (a failed or aborted request).</summary>
    public void Abandon()
    {
        if (End())
        {
            _ = Task.Run(() => ReleaseCoreAsync(CancellationToken.None));
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

    private Task ReleaseCoreAsync(CancellationToken cancellationToken) => ReleaseAsync(_runtime, _store, Id, _holder, cancellationToken);

    private static async Task ReleaseWhenSettledAsync(SessionRuntime runtime, IServerSessionLeaseStore store, string id, string holder, Task pending)
    {
        await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await ReleaseAsync(runtime, store, id, holder, CancellationToken.None);
    }

    private static async Task ReleaseAsync(SessionRuntime runtime, IServerSessionLeaseStore store, string id, string holder, CancellationToken cancellationToken)
    {
        try
        {
            await runtime.Bounded(store.ReleaseLeaseAsync(id, holder, cancellationToken));
        }
        catch (Exception ex)
        {
            runtime.Logger.LeaseReleaseFailed(new SessionLogId(id), ex);
        }
    }

    private async Task RenewAsync()
    {
        try
        {
            if (!await _runtime.Bounded(_store.RenewLeaseAsync(Id, _holder, _runtime.Options.LockTimeout, CancellationToken.None))
                && Volatile.Read(ref _ended) == 0)
            {
                _lost = true;
                _runtime.Logger.LeaseLost(new SessionLogId(Id));
            }
        }
        catch (Exception ex)
        {
            // The next renewal may succeed; if the lease lapses meanwhile, the save is refused.
            _runtime.Logger.LeaseRenewalFailed(new SessionLogId(Id), ex);
        }
    }

    private static SessionBusyException Lost() => new(
        "This request's lease on the session lapsed (it ran longer than Session:LockTimeout without renewing it) and another " +
        "request may have changed the session since; the change was not saved.");
}
