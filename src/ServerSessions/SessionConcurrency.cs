namespace ServerSessions;

/// <summary>What happens when requests of one session overlap.</summary>
public enum SessionConcurrency
{
    /// <summary>
    /// Requests of one session that use it run their session work one at a time, first come first served: each
    /// sees the previous one's changes, so no update is lost. The default.
    /// </summary>
    Serialized,

    /// <summary>
    /// express-session's and ASP.NET Core's behaviour: overlapping requests each load, change and save the whole
    /// session, and the last save wins, silently dropping the others' changes. For raw throughput where that is acceptable.
    /// </summary>
    LastWriteWins,
}
