namespace ServerSessions.Sqlite;

/// <summary>
/// One write waiting for the writer: a set, touch, destroy or sweep batch, and the caller's completion. A caller's
/// cancellation wins only until the writer claims the operation for a batch; after that the write commits and the
/// caller hears so, so "canceled" always means "not written".
/// </summary>
internal sealed class WriteOperation
{
    private const int Pending = 0;
    private const int Claimed = 1;
    private const int Canceled = 2;

    private readonly TaskCompletionSource<int> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private int _state;

    private WriteOperation(WriteKind kind, string? id, byte[]? payload, long value)
    {
        Kind = kind;
        Id = id;
        Payload = payload;
        Value = value;
    }

    public WriteKind Kind { get; }

    public string? Id { get; }

    /// <summary>The payload to write (set), or the one the session must still hold (touch).</summary>
    public byte[]? Payload { get; }

    /// <summary>The expiry in Unix milliseconds (set, touch), or the most rows to delete (sweep).</summary>
    public long Value { get; }

    /// <summary>Completes with the number of rows the write changed once its batch has committed.</summary>
    public Task<int> Completion => _completion.Task;

    public static WriteOperation Set(string id, byte[] payload, long expires) => new(WriteKind.Set, id, payload, expires);

    public static WriteOperation Touch(string id, byte[] payload, long expires) => new(WriteKind.Touch, id, payload, expires);

    public static WriteOperation Destroy(string id) => new(WriteKind.Destroy, id, null, 0);

    public static WriteOperation Sweep(int limit) => new(WriteKind.Sweep, null, null, limit);

    public void CancelWith(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((WriteOperation)state!).TryCancel(token), this);
        }
    }

    /// <summary>Takes the operation into a batch, unless its caller canceled it first.</summary>
    public bool TryClaim()
    {
        if (Interlocked.CompareExchange(ref _state, Claimed, Pending) != Pending)
        {
            return false;
        }

        _cancellation.Unregister();
        return true;
    }

    public void TryCancel(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Canceled, Pending) == Pending)
        {
            _completion.TrySetCanceled(cancellationToken);
        }
    }

    public void Complete(int rows) => _completion.TrySetResult(rows);

    public void Fail(Exception exception)
    {
        _cancellation.Unregister();
        _completion.TrySetException(exception);
    }
}

