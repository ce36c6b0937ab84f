namespace ServerSessions;

/// <summary>What happens when requests of one session overlap.</summary>
public enum SessionConcurrency
{
    /// <summary>
    /// Requests of one session that use it run their session work one at a time, first come first served: each
    /// sees the previous one's changes, so no update is lost. The default. Within a process they queue on an in-process
    /// lock; a store shared by several processes that implements <see cref="IServerSessionLeaseStore"/> (Redis) also leases
    /// the session to one request at a time across processes, and refuses the save of a request whose lease lapsed.
    /// </summary>
    Serialized,

    /// <summary>
    /// express-session's and ASP.NET Core's behaviour: overlapping requests each load, change and save the whole
    /// session, and the last save wins, silently dropping the others' changes. For raw throughput where that is acceptable.
    /// </summary>
    LastWriteWins,
}
