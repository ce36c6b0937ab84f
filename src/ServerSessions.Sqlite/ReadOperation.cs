namespace ServerSessions.Sqlite;

/// <summary>
/// One uncached read waiting for a reader's thread (a session, <see cref="SessionRead"/>, or a user's index,
/// <see cref="IndexRead"/>), and its caller's completion. A caller that gives up (its token is canceled) before a reader
/// takes it up cancels it, so a reader never spends a query on an answer nobody waits for.
/// </summary>
internal abstract class ReadOperation
{
    private const int Pending = 0;
    private const int Claimed = 1;
    private const int Canceled = 2;

    private CancellationTokenRegistration _cancellation;
    private int _state;

    public void CancelWith(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((ReadOperation)state!).TryCancel(token), this);
        }
    }

    /// <summary>Takes the read up, unless its caller gave up first.</summary>
    public bool TryClaim()
    {
        if (Interlocked.CompareExchange(ref _state, Claimed, Pending) != Pending)
        {
            return false;
        }

        _cancellation.Unregister();
        return true;
    }

    /// <summary>Runs the claimed read on <paramref name="reader"/> and completes it with what it found.</summary>
    public abstract void Run(SessionReader reader);

    public void Fail(Exception exception)
    {
        _cancellation.Unregister();
        SetException(exception);
    }

    protected abstract void SetException(Exception exception);

    protected abstract void SetCanceled(CancellationToken cancellationToken);

    private void TryCancel(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Canceled, Pending) == Pending)
        {
            SetCanceled(cancellationToken);
        }
    }
}
