using ServerSessions;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>
/// The whole <see cref="IServerSessionLeaseStore"/> contract in memory, on a <see cref="TimeProvider"/>: the smallest store
/// that keeps it. It passes both conformance suites, so a store author can read it beside them, and in-process tests use
/// it to run the core's lease path without Redis (hosts sharing one instance are nodes sharing one store).
/// </summary>
/// <remarks>
/// One lock guards everything, so each method is one atomic operation. Sessions and leases are kept apart: a lease may
/// be taken on an ID with no session (a first visit, a destroyed session). Both lapse by the clock: a session at its
/// expiry, a lease once its duration has passed since it was taken or renewed; what has lapsed is dropped when met. A
/// release completes the session's release signal, which every <see cref="WaitForReleaseAsync"/> of it awaits.
/// </remarks>
internal sealed class InMemoryLeaseStore(TimeProvider time) : IServerSessionLeaseStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SessionRecord> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _releases = new(StringComparer.Ordinal);

    public ValueTask<SessionLease> GetAndLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (HeldAt(id, now) is { } other && other.Holder != holder)
            {
                return ValueTask.FromResult(new SessionLease(false, null, other.Ends - now));
            }

            _leases[id] = new Lease(holder, now + duration);
            return ValueTask.FromResult(new SessionLease(true, Read(id, now), TimeSpan.Zero));
        }
    }

    public ValueTask<bool> RenewLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!IsHeldBy(id, holder, now))
            {
                return ValueTask.FromResult(false);
            }

            _leases[id] = new Lease(holder, now + duration);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> SetLeasedAsync(string id, SessionRecord record, string holder, bool release, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!IsHeldBy(id, holder, now))
            {
                return ValueTask.FromResult(false);
            }

            Write(id, record, now);
            if (release)
            {
                Release(id);
            }

            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> DestroyLeasedAsync(string id, string holder, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!IsHeldBy(id, holder, time.GetUtcNow()))
            {
                return ValueTask.FromResult(false);
            }

            _sessions.Remove(id); // the lease stays with its holder
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ReleaseLeaseAsync(string id, string holder, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (IsHeldBy(id, holder, time.GetUtcNow()))
            {
                Release(id);
            }
        }

        return ValueTask.CompletedTask;
    }

    public Task WaitForReleaseAsync(string id, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        Task released;
        lock (_lock)
        {
            if (HeldAt(id, time.GetUtcNow()) is null || maxWait <= TimeSpan.Zero)
            {
                return Task.CompletedTask;
            }

            if (!_releases.TryGetValue(id, out var signal))
            {
                // Completed outside the waiters' continuations: a release never runs them under the lock.
                _releases[id] = signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            released = signal.Task;
        }

        // The timer starts here, before the caller gets the task: a test moving a fake clock on afterwards ends the wait.
        return WaitAsync(released.WaitAsync(maxWait, time, cancellationToken));
    }

    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(Read(id, time.GetUtcNow()));
        }
    }

    public ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            Write(id, record, time.GetUtcNow());
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DestroyAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _sessions.Remove(id);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            // An unknown or expired session stays gone, one saved with another payload since keeps its expiry; an
            // expiry already past deletes it.
            var now = time.GetUtcNow();
            if (Read(id, now) is not { } record || !record.Payload.Span.SequenceEqual(payload.Span))
            {
                return ValueTask.FromResult(false);
            }

            if (now < expires)
            {
                _sessions[id] = record with { Expires = expires };
            }
            else
            {
                _sessions.Remove(id);
            }
        }

        return ValueTask.FromResult(true);
    }

    // The wait ends with a release, at maxWait (not an error: the lease may have lapsed unreleased), or by cancellation.
    private static async Task WaitAsync(Task wait)
    {
        try
        {
            await wait;
        }
        catch (TimeoutException)
        {
        }
    }

    // Who holds the lease on id at now, if anyone; a lapsed lease is dropped.
    private Lease? HeldAt(string id, DateTimeOffset now)
    {
        if (!_leases.TryGetValue(id, out var lease))
        {
            return null;
        }

        if (now < lease.Ends)
        {
            return lease;
        }

        _leases.Remove(id);
        return null;
    }

    private bool IsHeldBy(string id, string holder, DateTimeOffset now) => HeldAt(id, now)?.Holder == holder;

    private void Release(string id)
    {
        _leases.Remove(id);
        if (_releases.Remove(id, out var signal))
        {
            signal.SetResult();
        }
    }

    private SessionRecord? Read(string id, DateTimeOffset now)
    {
        if (!_sessions.TryGetValue(id, out var record))
        {
            return null;
        }

        if (now < record.Expires)
        {
            return record;
        }

        _sessions.Remove(id);
        return null;
    }

    // Keeps a copy of the payload (the caller may reuse its buffer); a record that has already expired deletes the session.
    private void Write(string id, SessionRecord record, DateTimeOffset now)
    {
        if (now < record.Expires)
        {
            _sessions[id] = new SessionRecord(record.Payload.ToArray(), record.Expires);
        }
        else
        {
            _sessions.Remove(id);
        }
    }

    private readonly record struct Lease(string Holder, DateTimeOffset Ends);
}
