namespace ServerSessions;

/// <summary>
/// The session is busy: another request of the same session held it for longer than
/// <see cref="ServerSessionOptions.LockTimeout"/>, <see cref="ServerSessionOptions.MaxWaiters"/> requests were waiting for it
/// already, or this request held it for longer than <see cref="ServerSessionOptions.MaxHoldTime"/> and may no longer
/// write it. The middleware answers <c>503 Service Unavailable</c> with <c>Retry-After</c>; nothing was written.
/// </summary>
public sealed class SessionBusyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionBusyException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public SessionBusyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public SessionBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal SessionBusyException(string message, SessionBusyCause cause)
        : base(message)
    {
        Cause = cause;
    }

    internal SessionBusyCause Cause { get; }
}
