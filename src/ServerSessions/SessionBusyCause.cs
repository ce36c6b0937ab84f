namespace ServerSessions;

/// <summary>Why a <see cref="SessionBusyException"/> was thrown: the middleware logs each cause its own way.</summary>
internal enum SessionBusyCause
{
    /// <summary>The request waited longer than Session:LockTimeout, or its store lease lapsed.</summary>
    Waited,

    /// <summary>Session:MaxWaiters requests were waiting already: refused at once, logged once per burst.</summary>
    TooManyWaiters,

    /// <summary>The request held the session longer than Session:MaxHoldTime: its write was refused.</summary>
    HeldTooLong,
}
