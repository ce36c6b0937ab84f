namespace ServerSessions;

/// <summary>
/// The request would store a new session, and its client address has started more than
/// <see cref="ServerSessionOptions.NewSessionLimit"/> allows. Nothing was stored; the middleware answers
/// <c>429 Too Many Requests</c> with <c>Retry-After</c>.
/// </summary>
public sealed class NewSessionLimitedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NewSessionLimitedException()
        : this(TimeSpan.FromSeconds(1))
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public NewSessionLimitedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public NewSessionLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refusal that the limiter expects to lift after <paramref name="retryAfter"/>.</summary>
    /// <param name="retryAfter">How long until the client address may start a new session again.</param>
    public NewSessionLimitedException(TimeSpan retryAfter)
        : base("This client address started more new sessions than Session:NewSessionLimit allows; nothing was stored.") =>
        RetryAfter = retryAfter;

    /// <summary>How long until the client address may start a new session again, as the limiter estimates it.</summary>
    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(1);
}
