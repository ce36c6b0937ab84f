namespace ServerSessions;

/// <summary>
/// A request's hold on its session's in-process lock: which session, which turn (<paramref name="Token"/>, so a holder
/// that was taken over releases nothing of its successor's), and when it began (a <see cref="TimeProvider"/> timestamp),
/// for <see cref="ServerSessionOptions.MaxHoldTime"/>.
/// </summary>
internal readonly record struct SessionHold(string Id, long Token, long Since, TimeSpan Limit)
{
    /// <summary>How long the hold may last still; zero or less once it has ended.</summary>
    public TimeSpan Remaining(TimeProvider time) => Limit - time.GetElapsedTime(Since);
}
