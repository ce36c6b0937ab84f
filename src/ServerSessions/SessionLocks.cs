using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// In-process locks that serialize the requests of one session (with <see cref="SessionConcurrency.Serialized"/>, on every
/// store; a store shared by several processes adds its lease behind it). Fair: a released lock is handed to the longest
/// waiter, never taken by a newcomer ahead of one. Bounded every way: at most Session:MaxWaiters requests wait for one session (one
/// more is refused at once), each for at most Session:LockTimeout, behind a holder that keeps the lock for at most
/// Session:MaxHoldTime (then the next waiter takes it over). Sessions nobody holds cost nothing.
/// </summary>
/// <remarks>
/// A lock lives as long as the request that holds it, at most Session:MaxHoldTime; a process that dies takes its locks with it, so there is
/// nothing to expire. Stores shared by several processes lease sessions in the store itself.
/// </remarks>
internal sealed class SessionLocks(ServerSessionOptions options, TimeProvider time, ILogger logger)
{
    private readonly Dictionary<string, Holding> _held = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _turns;

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
                return _held.Values.Sum(holding => holding.Contention?.Waiting ?? 0);
            }
        }
    }

    /// <summary>
    /// Takes the session's lock, waiting at most Session:LockTimeout behind earlier holders; takes it over at once from a
    /// holder past Session:MaxHoldTime that nobody waits for yet.
    /// </summary>
    /// <exception cref="SessionBusyException">The wait ran out, or Session:MaxWaiters requests wait already.</exception>
    public ValueTask<SessionHold> AcquireAsync(string id, CancellationToken cancellationToken)
    {
        TaskCompletionSource<SessionHold>? waiter = null;
        Contention contention;
        SessionHold? overstayed = null;
        var firstRefusal = false;
        SessionHold hold;
        lock (_lock)
        {
            ref var holding = ref CollectionsMarshal.GetValueRefOrAddDefault(_held, id, out var exists);
            if (!exists)
            {
                holding.Hold = NewHold(id);
                return ValueTask.FromResult(holding.Hold);
            }

            contention = holding.Contention ??= new Contention(this, id);
            hold = holding.Hold;
            if (contention.Waiting == 0 && hold.Remaining(time) <= TimeSpan.Zero)
            {
                overstayed = hold;
                holding.Hold = hold = NewHold(id);
            }
            else if (contention.Waiting >= options.MaxWaiters)
            {
                firstRefusal = !contention.Refused;
                contention.Refused = true;
            }
            else
            {
                waiter = new TaskCompletionSource<SessionHold>(TaskCreationOptions.RunContinuationsAsynchronously);
                contention.Queue.Enqueue(waiter);
                if (++contention.Waiting == 1)
                {
                    WatchHold(contention, hold.Remaining(time));
                }
            }
        }

        if (overstayed is { } ended)
        {
            logger.HoldTimeExceeded(new SessionLogId(ended.Id), options.MaxHoldTime.TotalSeconds);
            return ValueTask.FromResult(hold);
        }

        if (waiter is null)
        {
            if (firstRefusal)
            {
                logger.TooManyWaiters(new SessionLogId(id), options.MaxWaiters);
            }

            return ValueTask.FromException<SessionHold>(new SessionBusyException(
                $"{options.MaxWaiters} requests of this session were waiting for it already (Session:MaxWaiters).", SessionBusyCause.TooManyWaiters));
        }

        return new ValueTask<SessionHold>(WaitAsync(contention, waiter, cancellationToken));
    }

    /// <summary>Releases the session's lock, handing it to the next waiter if there is one; nothing if it was taken over.</summary>
    public void Release(SessionHold hold)
    {
        lock (_lock)
        {
            ref var holding = ref CollectionsMarshal.GetValueRefOrNullRef(_held, hold.Id);
            if (Unsafe.IsNullRef(ref holding) || holding.Hold.Token != hold.Token)
            {
                return;
            }

            if (!HandOver(ref holding))
            {
                holding.Contention?.Dispose();
                _held.Remove(hold.Id);
            }
        }
    }

    private SessionHold NewHold(string id) => new(id, ++_turns, time.GetTimestamp(), options.MaxHoldTime);

    // Under _lock: hands the lock to the longest live waiter, if any, and watches the new holder's hold for the others.
    private bool HandOver(ref Holding holding)
    {
        if (holding.Contention is not { } contention)
        {
            return false;
        }

        while (contention.Queue.TryDequeue(out var next))
        {
            var hold = NewHold(holding.Hold.Id);
            if (next.TrySetResult(hold))
            {
                holding.Hold = hold;
                if (--contention.Waiting > 0)
                {
                    WatchHold(contention, options.MaxHoldTime);
                }

                return true;
            }
        }

        return false;
    }

    // The hold timer of a contended session fired: the holder overstayed, so the next waiter goes on.
    private void OnHoldLimit(Contention contention)
    {
        SessionHold ended;
        lock (_lock)
        {
            ref var holding = ref CollectionsMarshal.GetValueRefOrNullRef(_held, contention.Id);
            if (Unsafe.IsNullRef(ref holding) || holding.Contention != contention || contention.Waiting == 0)
            {
                return; // freed since, or nobody to hand it to (a newcomer takes it over at once)
            }

            if (holding.Hold.Remaining(time) is var remaining && remaining > TimeSpan.Zero)
            {
                WatchHold(contention, remaining); // a later holder's
                return;
            }

            ended = holding.Hold;
            HandOver(ref holding);
        }

        logger.HoldTimeExceeded(new SessionLogId(ended.Id), options.MaxHoldTime.TotalSeconds);
    }

    private async Task<SessionHold> WaitAsync(Contention contention, TaskCompletionSource<SessionHold> waiter, CancellationToken cancellationToken)
    {
        try
        {
            return await waiter.Task.WaitAsync(options.LockTimeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Gave up: unless the lock was handed over in the meantime, leave the queue (HandOver skips cancelled waiters).
            lock (_lock)
            {
                if (!waiter.TrySetCanceled())
                {
                    return waiter.Task.Result;
                }

                contention.Waiting--;
            }

            if (ex is TimeoutException)
            {
                throw new SessionBusyException(
                    $"Another request of this session held it for longer than Session:LockTimeout ({options.LockTimeout.TotalSeconds:0.#} s).", ex);
            }

            throw;
        }
    }

    private struct Holding
    {
        public SessionHold Hold;
        public Contention? Contention; // null until a second request comes, so an uncontended lock allocates nothing
    }

    // Under _lock: fires OnHoldLimit when the holder's hold ends, unless it has ended by then.
    private void WatchHold(Contention contention, TimeSpan remaining)
    {
        var due = remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        if (contention.HoldTimer is { } timer)
        {
            timer.Change(due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            contention.HoldTimer = time.CreateTimer(
                static state => ((Contention)state!).Owner.OnHoldLimit((Contention)state), contention, due, Timeout.InfiniteTimeSpan);
        }
    }

    // A held session's waiters, for as long as it stays held: one burst.
    private sealed class Contention(SessionLocks owner, string id) : IDisposable
    {
        public SessionLocks Owner => owner;

        public string Id => id;

        public Queue<TaskCompletionSource<SessionHold>> Queue { get; } = new();

        /// <summary>Waiters in the queue that have not given up.</summary>
        public int Waiting { get; set; }

        /// <summary>Whether a request was refused (Session:MaxWaiters) in this burst: that is logged once.</summary>
        public bool Refused { get; set; }

        /// <summary>Fires when the holder's hold ends, so that the next waiter goes on; created with the first waiter.</summary>
        public ITimer? HoldTimer { get; set; }

        public void Dispose() => HoldTimer?.Dispose();
    }
}
