using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// Session cookies that did not lead to a stored session (a bad signature, a malformed value, an unknown or expired ID),
/// made visible: each is counted, and logged at Information with the client address, within a <see cref="LogBudget"/>
/// so that guessing IDs shows in the log without flooding it. Neither the cookie's value nor a raw ID is logged.
/// </summary>
internal sealed class RejectedCookies(ILogger logger, TimeProvider time, SessionMetrics metrics)
{
    public const string BadSignature = "bad signature";
    private readonly LogBudget _log = new(time);
    private long _count;

    /// <summary>How many session cookies were rejected since the app started.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>
    /// A cookie that could not be verified or decoded; <paramref name="reason"/> says why, never what it held (counted as
    /// <c>bad_signature</c> when it was signed, else <c>malformed</c>).
    /// </summary>
    public void Rejected(HttpContext context, string reason)
    {
        if (CountAndMayLog(reason == BadSignature ? "bad_signature" : "malformed"))
        {
            logger.CookieRejected(context.Connection.RemoteIpAddress, reason);
        }
    }

    /// <summary>A verified cookie whose session the store does not hold (unknown, or expired).</summary>
    public void NotFound(HttpContext context, SessionLogId session)
    {
        if (CountAndMayLog("unknown_or_expired"))
        {
            logger.SessionNotFound(session, context.Connection.RemoteIpAddress);
        }
    }

    // Counts the rejection; true when it may be logged (after the line for those left out before it, if any).
    private bool CountAndMayLog(string rejection)
    {
        metrics.CookiesRejected.Add(1, new KeyValuePair<string, object?>(SessionMetrics.CookieRejectionTag, rejection));
        var total = Interlocked.Increment(ref _count);
        if (!_log.TryTake(out var skipped))
        {
            return false;
        }

        if (skipped > 0)
        {
            logger.RejectedCookiesNotLogged(skipped, LogBudget.LinesPerSecond, total);
        }

        return true;
    }
}
