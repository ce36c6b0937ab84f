using System.Net;
using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>The middleware's log entries, with stable event IDs. Sessions appear only as <see cref="SessionLogId"/>.</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Debug, "Session {Session} started.")]
    public static partial void SessionStarted(this ILogger logger, SessionLogId session);

    [LoggerMessage(2001, LogLevel.Debug, "Session {Session} loaded.")]
    public static partial void SessionLoaded(this ILogger logger, SessionLogId session);

    [LoggerMessage(2002, LogLevel.Debug, "Session {Session} stored ({Bytes} bytes).")]
    public static partial void SessionStored(this ILogger logger, SessionLogId session, int bytes);

    [LoggerMessage(2003, LogLevel.Information, "A session cookie from {ClientAddress} was rejected ({Reason}); a new session starts.")]
    public static partial void CookieRejected(this ILogger logger, IPAddress? clientAddress, string reason);

    [LoggerMessage(2004, LogLevel.Information, "Session {Session}, sent from {ClientAddress}, is not in the store (unknown or expired); a new session starts.")]
    public static partial void SessionNotFound(this ILogger logger, SessionLogId session, IPAddress? clientAddress);

    [LoggerMessage(2005, LogLevel.Information, "Session {Session} passed its absolute timeout and was replaced.")]
    public static partial void SessionPastAbsoluteTimeout(this ILogger logger, SessionLogId session);

    [LoggerMessage(2006, LogLevel.Debug, "Session {Session} destroyed.")]
    public static partial void SessionDestroyed(this ILogger logger, SessionLogId session);

    [LoggerMessage(2007, LogLevel.Debug, "Session {Session} regenerated as {NewSession}.")]
    public static partial void SessionRegenerated(this ILogger logger, SessionLogId session, SessionLogId newSession);

    [LoggerMessage(2010, LogLevel.Warning,
        "The session cookie is Secure but this request came over plain HTTP, so no session cookie was sent. Behind a " +
        "TLS-terminating proxy, trust its X-Forwarded-Proto (UseForwardedHeaders); otherwise set Session:Cookie:Secure to 'auto' or 'false'. " +
        "This warning is logged once.")]
    public static partial void SecureCookieOverHttp(this ILogger logger);

    [LoggerMessage(2011, LogLevel.Warning,
        "No session secret is configured (Session:Secret or Session:Secrets); using a generated one kept in {Path}. " +
        "Set Session:Secret to share sessions between instances or to rotate it.")]
    public static partial void GeneratedSecret(this ILogger logger, string path);

    [LoggerMessage(2012, LogLevel.Warning,
        "No session secret is configured and no file to keep one in; a new secret is generated for this process, so " +
        "cookies from before a restart start new sessions. Set Session:Secret.")]
    public static partial void EphemeralSecret(this ILogger logger);

    [LoggerMessage(2070, LogLevel.Warning,
        "Session:AllowShortSecretForMigration is on: the signing secret may be shorter than 32 bytes, as an express app that " +
        "shares these cookies signs with it. A short secret can be guessed and cookies forged; once the migration is done, put " +
        "a secret of 32 bytes or more first in Session:Secrets (the old one after it verifies existing cookies) and remove the setting.")]
    public static partial void ShortSecretAllowedForMigration(this ILogger logger);

    [LoggerMessage(2071, LogLevel.Warning,
        "Session:Secrets:{Index} is shorter than 32 bytes. It only verifies cookies signed before a rotation; remove it once those " +
        "have expired (after the idle timeout).")]
    public static partial void ShortVerifyingSecret(this ILogger logger, int index);

    [LoggerMessage(2072, LogLevel.Warning,
        "The session secret file {Path} can be read or written by other users (mode {Mode}); whoever reads it can forge session " +
        "cookies. Make it owner-only (chmod 600).")]
    public static partial void SecretFileOpenToOthers(this ILogger logger, string path, string mode);

    [LoggerMessage(2020, LogLevel.Error, "The session store failed; answering 503.")]
    public static partial void StoreFailed(this ILogger logger, Exception exception);

    [LoggerMessage(2022, LogLevel.Warning, "A request waited too long for an earlier request of the same session; answering 503.")]
    public static partial void SessionBusy(this ILogger logger, Exception exception);

    [LoggerMessage(2023, LogLevel.Warning, "The lease of session {Session} in the store lapsed while a request held it; its changes will not be saved.")]
    public static partial void LeaseLost(this ILogger logger, SessionLogId session);

    [LoggerMessage(2024, LogLevel.Warning, "The lease of session {Session} in the store could not be renewed; retrying.")]
    public static partial void LeaseRenewalFailed(this ILogger logger, SessionLogId session, Exception exception);

    [LoggerMessage(2025, LogLevel.Warning, "The lease of session {Session} in the store could not be released; it lapses after Session:LockTimeout.")]
    public static partial void LeaseReleaseFailed(this ILogger logger, SessionLogId session, Exception exception);

    [LoggerMessage(2026, LogLevel.Warning, "Session {Session} was destroyed or expired by another request after this request's commit; a change made after the commit was not saved.")]
    public static partial void LateChangeDropped(this ILogger logger, SessionLogId session);

    [LoggerMessage(2021, LogLevel.Error, "The session could not be committed as the response started; the response was aborted.")]
    public static partial void CommitFailedAtResponseStart(this ILogger logger, Exception exception);

    [LoggerMessage(2060, LogLevel.Warning,
        "Session {Session} in the {Store} store is corrupt ({Reason}); a new session starts with a new ID, and the stored " +
        "record is left as it is until it expires.")]
    public static partial void StoredSessionCorrupt(this ILogger logger, SessionLogId session, string store, string reason);

    [LoggerMessage(2061, LogLevel.Debug, "Session {Session} had no creation time (written by express-session); stored one, so its absolute timeout counts from now.")]
    public static partial void CreationTimeStored(this ILogger logger, SessionLogId session);

    [LoggerMessage(2062, LogLevel.Debug, "Session {Session} was not touched: the store's copy changed (or went) since this request read it, and its expiry is the newer writer's.")]
    public static partial void TouchSkipped(this ILogger logger, SessionLogId session);

    [LoggerMessage(2050, LogLevel.Warning,
        "Session {Session} has {MaxWaiters} requests waiting for it (Session:MaxWaiters); more are answered 503 at once until " +
        "nobody waits for it. Logged once per burst.")]
    public static partial void TooManyWaiters(this ILogger logger, SessionLogId session, int maxWaiters);

    [LoggerMessage(2051, LogLevel.Debug, "A request was answered 503 at once: Session:MaxWaiters requests of its session were waiting already.")]
    public static partial void RefusedTooManyWaiters(this ILogger logger);

    [LoggerMessage(2052, LogLevel.Warning,
        "A request held session {Session} for longer than Session:MaxHoldTime ({Seconds} s): the next request of the session goes on, " +
        "and the holder's later changes will not be saved.")]
    public static partial void HoldTimeExceeded(this ILogger logger, SessionLogId session, double seconds);

    [LoggerMessage(2053, LogLevel.Warning,
        "A request held session {Session} for longer than Session:MaxHoldTime: its lease in the store is given up, and its later changes will not be saved.")]
    public static partial void LeaseHoldTimeExceeded(this ILogger logger, SessionLogId session);

    [LoggerMessage(2054, LogLevel.Warning, "A request held its session for longer than Session:MaxHoldTime; its write was refused, answering 503.")]
    public static partial void HeldTooLong(this ILogger logger, Exception exception);

    [LoggerMessage(2040, LogLevel.Information,
        "{Skipped} more rejected session cookies were not logged (at most {PerSecond} a second are); {Total} rejected since the app started.")]
    public static partial void RejectedCookiesNotLogged(this ILogger logger, long skipped, int perSecond, long total);

    [LoggerMessage(2041, LogLevel.Information,
        "A new session for {ClientAddress} was refused: the address started more than Session:NewSessionLimit allows; answering 429, retry after {RetryAfterSeconds} s.")]
    public static partial void NewSessionRefused(this ILogger logger, IPAddress? clientAddress, int retryAfterSeconds);

    [LoggerMessage(2042, LogLevel.Information,
        "A new session for {ClientAddress} was refused: the address started more than Session:NewSessionLimit allows. The response had started, so it was served without a session: nothing stored, no cookie.")]
    public static partial void NewSessionRefusedAtResponseStart(this ILogger logger, IPAddress? clientAddress);

    [LoggerMessage(2043, LogLevel.Information,
        "{Skipped} more refused new sessions were not logged (at most {PerSecond} a second are); {Total} refused since the app started.")]
    public static partial void NewSessionsRefusedNotLogged(this ILogger logger, long skipped, int perSecond, long total);

    [LoggerMessage(2030, LogLevel.Warning, "The memory session store is full (Session:Memory:MaxSessions {MaxSessions}, Session:Memory:MaxBytes {MaxBytes}); evicted sessions, those stored once and not used since first. Evictions so far: {Evictions}.")]
    public static partial void MemoryStoreEvicted(this ILogger logger, int maxSessions, long maxBytes, long evictions);
}
