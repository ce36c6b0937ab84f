namespace ServerSessions.Sqlite;

/// <summary>
/// One uncached read waiting for a reader's thread, and its caller's completion. A caller that gives up (its token is
/// canceled) before a reader takes it up cancels it, so a reader never spends a query on an answer nobody waits for.
/// </summary>
internal sealed class ReadOperation
{
    private const int Pending = 0;
    private const int Claimed = 1;
    private const int Canceled = 2;

    private readonly TaskCompletionSource<SessionRecord?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private int _state;

    /// <param name="id">The session to read.</param>
    /// <param name="now">Unix milliseconds: only a session that expires after it is found.</param>
    /// <param name="commitsBefore">The cache's commit count before the read was asked for (see <see cref="SessionCache.AddRead"/>).</param>
    public ReadOperation(string id, long now, long commitsBefore)
    {
        Id = id;
        Now = now;
        CommitsBefore = commitsBefore;
    }

    public string Id { get; }

    public long Now { get; }

    public long CommitsBefore { get; }

    public Task<SessionRecord?> Completion => _completion.Task;

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

    public void Complete(SessionRecord? record) => _completion.TrySetResult(record);

    public void Fail(Exception exception)
    {
        _cancellation.Unregister();
        _completion.TrySetException(exception);
    }

    private void TryCancel(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Canceled, Pending) == Pending)
        {
            _completion.TrySetCanceled(cancellationToken);
        }
    }
}
