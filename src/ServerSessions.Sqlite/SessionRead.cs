namespace ServerSessions.Sqlite;

/// <summary>An uncached read of one session; what it finds is added to the cache.</summary>
internal sealed class SessionRead : ReadOperation
{
    private readonly TaskCompletionSource<SessionRecord?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SessionCache? _cache;

    /// <param name="id">The session to read.</param>
    /// <param name="now">Unix milliseconds: only a session that expires after it is found.</param>
    /// <param name="cache">The cache to add what is found to, with the commit count before the read was asked for (see <see cref="SessionCache.AddRead"/>).</param>
    public SessionRead(string id, long now, SessionCache? cache)
    {
        Id = id;
        Now = now;
        _cache = cache;
        CommitsBefore = cache?.Commits ?? 0;
    }

    public string Id { get; }

    public long Now { get; }

    public long CommitsBefore { get; }

    public Task<SessionRecord?> Completion => _completion.Task;

    public override void Run(SessionReader reader)
    {
        var record = reader.Read(Id, Now);
        if (record is { } found)
        {
            _cache?.AddRead(Id, found, CommitsBefore);
        }

        _completion.TrySetResult(record);
    }

    protected override void SetException(Exception exception) => _completion.TrySetException(exception);

    protected override void SetCanceled(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
}
