namespace ServerSessions;

/// <summary>
/// One kind of store call, as telemetry and errors name it: the <c>server_sessions.store.operation</c> tag, the span's
/// name, and the verb of the <see cref="SessionStoreException"/>'s message ("failed to load the session").
/// </summary>
internal sealed class StoreOperation
{
    public static readonly StoreOperation Load = new("load", "load");
    public static readonly StoreOperation Save = new("save", "save");
    public static readonly StoreOperation Touch = new("touch", "touch");
    public static readonly StoreOperation Destroy = new("destroy", "delete");
    public static readonly StoreOperation LeaseAcquire = new("lease.acquire", "lease and load");
    public static readonly StoreOperation LeaseRenew = new("lease.renew", "renew the lease of");
    public static readonly StoreOperation LeaseRelease = new("lease.release", "release the lease of");
    public static readonly StoreOperation IndexWrite = new("index.write", "index");
    public static readonly StoreOperation IndexList = new("index.list", "list the sessions of");
    public static readonly StoreOperation IndexRemove = new("index.remove", "unindex");

    private StoreOperation(string name, string what)
    {
        Tag = new(SessionMetrics.OperationTag, name);
        SpanName = "session " + name;
        What = what;
    }

    /// <summary>The <c>server_sessions.store.operation</c> tag.</summary>
    public KeyValuePair<string, object?> Tag { get; }

    public string SpanName { get; }

    /// <summary>What the store failed to do to the session, for the exception's message.</summary>
    public string What { get; }
}
