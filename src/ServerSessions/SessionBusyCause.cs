namespace ServerSessions;

/// <summary>Why a <see cref="SessionBusyException"/> was thrown: the middleware logs, and telemetry counts, each cause its own way.</summary>
internal enum SessionBusyCause
{
    /// <summary>The request waited longer than Session:LockTimeout for another request of this process.</summary>
    LockWait,

    /// <summary>Session:MaxWaiters requests were waiting already: refused at once, logged once per burst.</summary>
    TooManyWaiters,

    /// <summary>The request held the session longer than Session:MaxHoldTime: its write was refused.</summary>
    HeldTooLong,

    /// <summary>The request waited longer than Session:LockTimeout for the store's lease, held by another node.</summary>
    LeaseWait,

    /// <summary>The request's store lease lapsed or was taken over: its write was refused.</summary>
    LeaseLapsed,
}
