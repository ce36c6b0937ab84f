namespace ServerSessions;

/// <summary>
/// Another request of the same session held it for longer than <see cref="ServerSessionOptions.LockTimeout"/>. The
/// middleware answers <c>503 Service Unavailable</c> with <c>Retry-After</c>; nothing was written.
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
}
