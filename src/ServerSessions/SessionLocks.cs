namespace ServerSessions;

/// <summary>
/// In-process locks that serialize the requests of one session, for stores owned by one process (memory, SQLite).
/// Fair: a released lock is handed to the longest waiter, never taken by a newcomer. Waiting is bounded; a waiter that
/// gives up leaves the queue. Sessions nobody holds cost nothing.
/// </summary>
/// <remarks>
/// A lock lives as long as the request that holds it; a process that dies takes its locks with it, so there is
/// nothing to expire. Stores shared by several processes lease sessions in the store itself.
/// </remarks>
internal sealed class SessionLocks
{
    // A held session's waiters; null until the first one comes, so an uncontended lock allocates nothing.
    private readonly Dictionary<string, Queue<TaskCompletionSource>?> _held = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>How many sessions are held right now.</summary>
    public int HeldCount
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>How many requests wait for a session right now (tests observe queueing with it).</summary>
    public int WaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _held.Values.Sum(queue => queue?.Count(waiter => !waiter.Task.IsCompleted) ?? 0);
            }
        }
    }

    /// <summary>Takes the session's lock, waiting at most <paramref name="timeout"/> behind earlier holders.</summary>
    /// <exception cref="SessionBusyException">The wait ran out.</exception>
    public ValueTask AcquireAsync(string id, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (!_held.TryGetValue(id, out var queue))
            {
                _held.Add(id, null);
                return ValueTask.CompletedTask;
            }

            if (queue is null)
            {
                _held[id] = queue = new Queue<TaskCompletionSource>();
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.Enqueue(waiter);
        }

        return new ValueTask(WaitAsync(waiter, timeout, time, cancellationToken));
    }

    /// <summary>Releases the session's lock, handing it to the next waiter if there is one.</summary>
    public void Release(string id)
    {
        lock (_lock)
        {
            if (!_held.TryGetValue(id, out var queue))
            {
                return;
            }

            while (queue is not null && queue.TryDequeue(out var next))
            {
                if (next.TrySetResult())
                {
                    return; // ownership passes to the waiter; the entry stays
                }
            }

            _held.Remove(id);
        }
    }

    private static async Task WaitAsync(TaskCompletionSource waiter, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Task.WaitAsync(timeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Gave up: unless the lock was handed over in the meantime, leave the queue (Release skips cancelled waiters).
            if (waiter.TrySetCanceled())
            {
                if (ex is TimeoutException)
                {
                    throw new SessionBusyException(
                        $"Another request of this session held it for longer than Session:LockTimeout ({timeout.TotalSeconds:0.#} s).", ex);
                }

                throw;
            }
        }
    }
}
