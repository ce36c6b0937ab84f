namespace ServerSessions;

/// <summary>
/// The session store failed (unreachable, timed out, out of space). The middleware answers
/// <c>503 Service Unavailable</c> with <c>Retry-After</c> and never replaces the stored session with an empty one.
/// </summary>
public sealed class SessionStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionStoreException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public SessionStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the store's own exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store's exception.</param>
    public SessionStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
