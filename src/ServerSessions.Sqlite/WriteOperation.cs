using Microsoft.Extensions.Logging;

namespace ServerSessions.Sqlite;

/// <summary>
/// One write waiting for the writer: a set, touch, destroy, index entry written or removed, or sweep batch, and the
/// caller's completion. A caller that
/// gives up (its token is canceled: its request ended, or the middleware's <c>StoreTimeout</c> passed) before the writer
/// claims the write for a batch cancels it, so "canceled" always means "not written". A caller that gives up later, once
/// the write is in a batch that has reached SQLite, leaves it in doubt: that is logged, and so is what became of it.
/// </summary>
internal sealed class WriteOperation
{
    private const int Pending = 0;
    private const int Claimed = 1;
    private const int Canceled = 2;
    private const int InDoubt = 3;
    private const int Settled = 4;

    private readonly TaskCompletionSource<int> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private ILogger? _logger;
    private int _state;

    private WriteOperation(WriteKind kind, string? id, byte[]? payload, long value, string? user = null, SessionIndexEntry entry = default)
    {
        Kind = kind;
        Id = id;
        Payload = payload;
        Value = value;
        User = user;
        Entry = entry;
    }

    public WriteKind Kind { get; }

    public string? Id { get; }

    /// <summary>The payload to write (set), or the one the session must still hold (touch).</summary>
    public byte[]? Payload { get; }

    /// <summary>The expiry in Unix milliseconds (set, touch), or the most rows to read (sweep) or delete (index sweep).</summary>
    public long Value { get; }

    /// <summary>The user whose index entry is written or removed (index, unindex).</summary>
    public string? User { get; }

    /// <summary>The index entry to write (index).</summary>
    public SessionIndexEntry Entry { get; }

    /// <summary>The key after which the sweep's stretch of the table starts (sweep).</summary>
    public string? SweepAfter { get; private init; }

    /// <summary>Where the sweep's next stretch starts, set by the writer; none once the stretch reached the table's end (sweep).</summary>
    public string? SweepNext { get; set; }

    /// <summary>Completes with the number of rows the write changed once its batch has committed.</summary>
    public Task<int> Completion => _completion.Task;

    /// <summary>Whether the write still waits to be claimed: its caller has not given up on it.</summary>
    public bool IsPending => Volatile.Read(ref _state) == Pending;

    public static WriteOperation Set(string id, byte[] payload, long expires) => new(WriteKind.Set, id, payload, expires);

    public static WriteOperation Touch(string id, byte[] payload, long expires) => new(WriteKind.Touch, id, payload, expires);

    public static WriteOperation Destroy(string id) => new(WriteKind.Destroy, id, null, 0);

    public static WriteOperation Sweep(string after, int limit) => new(WriteKind.Sweep, null, null, limit) { SweepAfter = after };

    public static WriteOperation Index(string user, string id, SessionIndexEntry entry) => new(WriteKind.Index, id, null, 0, user, entry);

    public static WriteOperation Unindex(string user, string id) => new(WriteKind.Unindex, id, null, 0, user);

    public static WriteOperation SweepIndex(int limit) => new(WriteKind.SweepIndex, null, null, limit);

    public static WriteOperation Probe() => new(WriteKind.Probe, null, null, 0);

    /// <summary>Lets <paramref name="cancellationToken"/> cancel the write, or put it in doubt (logged to <paramref name="logger"/>).</summary>
    public void CancelWith(CancellationToken cancellationToken, ILogger logger)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _logger = logger;
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((WriteOperation)state!).OnCallerGaveUp(token), this);
        }
    }

    /// <summary>Takes the operation into a batch that has the database's write lock, unless its caller gave up first.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Pending) == Pending;

    /// <summary>Reports the committed write; true when its caller had given up on it meanwhile (it was in doubt).</summary>
    public bool Complete(int rows)
    {
        // The result before the state: a caller that finds the task incomplete after giving up knows the write is in doubt.
        _completion.TrySetResult(rows);
        return Settle();
    }

    /// <summary>Reports the write's failure; true when its caller had given up on it meanwhile (it was in doubt).</summary>
    public bool Fail(Exception exception)
    {
        _completion.TrySetException(exception);
        return Settle();
    }

    private bool Settle()
    {
        _cancellation.Unregister();
        return Interlocked.Exchange(ref _state, Settled) == InDoubt;
    }

    private void OnCallerGaveUp(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Canceled, Pending) == Pending)
        {
            _completion.TrySetCanceled(cancellationToken);
            return;
        }

        // In a batch already: SQLite may commit it yet. Runs before the caller hears of its timeout (see GuardedStore).
        if (!_completion.Task.IsCompleted && Interlocked.CompareExchange(ref _state, InDoubt, Claimed) == Claimed)
        {
            _logger!.WriteInDoubt(Kind, new SessionLogId(Id!));
        }
    }
}
