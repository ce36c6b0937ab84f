namespace ServerSessions;

/// <summary>What the request did to the session as a whole.</summary>
internal enum SessionRemoval
{
    /// <summary>Nothing: the session goes on.</summary>
    None,

    /// <summary><c>DestroyAsync</c>: the stored session was deleted, the cookie is cleared, and the request goes on with a new, empty session.</summary>
    Destroyed,

    /// <summary><c>Unset</c>: the session is detached from the request; nothing of it is saved.</summary>
    Unset,
}
