namespace ServerSessions;

/// <summary>
/// The session's data cannot be used: the stored payload is corrupt, a value is not of the type asked for, or the
/// session grew past <see cref="ServerSessionOptions.MaxSessionSize"/>. The request fails; the stored session is
/// left exactly as it was.
/// </summary>
public sealed class SessionDataException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SessionDataException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong, and where.</param>
    public SessionDataException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong, and where.</param>
    /// <param name="innerException">The cause.</param>
    public SessionDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
