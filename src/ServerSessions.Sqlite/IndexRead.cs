namespace ServerSessions.Sqlite;

/// <summary>A read of one user's session index: the entries that expire after <see cref="Now"/>.</summary>
internal sealed class IndexRead(string user, long now) : ReadOperation
{
    private readonly TaskCompletionSource<IReadOnlyList<IndexedSession>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string User { get; } = user;

    /// <summary>Unix milliseconds.</summary>
    public long Now { get; } = now;

    public Task<IReadOnlyList<IndexedSession>> Completion => _completion.Task;

    public override void Run(SessionReader reader) => _completion.TrySetResult(reader.ReadIndex(User, Now));

    protected override void SetException(Exception exception) => _completion.TrySetException(exception);

    protected override void SetCanceled(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
