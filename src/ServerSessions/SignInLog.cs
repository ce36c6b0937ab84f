using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>The session authentication scheme's log entries (2080–2089). Sessions appear only as <see cref="SessionLogId"/>, users never.</summary>
internal static partial class SignInLog
{
    [LoggerMessage(2080, LogLevel.Information, "Signed in: session regenerated as {Session}.")]
    public static partial void SignedIn(this ILogger logger, SessionLogId session);

    [LoggerMessage(2081, LogLevel.Information, "Signed out: session {Session} destroyed.")]
    public static partial void SignedOut(this ILogger logger, SessionLogId session);

    [LoggerMessage(2082, LogLevel.Information, "The user of session {Session} was rejected by OnValidateUser; the request is anonymous.")]
    public static partial void UserRejected(this ILogger logger, SessionLogId session);

    [LoggerMessage(2083, LogLevel.Warning, "The user's session index could not be updated for session {Session}; it is tried again on the session's next request.")]
    public static partial void IndexNotUpdated(this ILogger logger, Exception exception, SessionLogId session);

    [LoggerMessage(2084, LogLevel.Information, "Session {Session} revoked.")]
    public static partial void SessionRevoked(this ILogger logger, SessionLogId session);
}
