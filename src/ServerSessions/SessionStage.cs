namespace ServerSessions;

/// <summary>Where a request's session is in its life. Each stage is entered once, but for a change after the commit.</summary>
internal enum SessionStage
{
    /// <summary>Not read from the store yet (loading is lazy).</summary>
    Unloaded,

    /// <summary>Loaded or started: the request reads and changes it.</summary>
    Loaded,

    /// <summary>Saved or touched as express's rules say, the cookie set, the store's lease given up.</summary>
    Committed,

    /// <summary>Changed after the commit (TempData written after the result): committed again, onto what is stored by then.</summary>
    ChangedAfterCommit,

    /// <summary>The request is done with it: nothing more is written, and the next request of the session may go on.</summary>
    Released,
}
