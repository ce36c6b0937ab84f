using Microsoft.Extensions.Logging;

namespace ServerSessions.Sqlite;

/// <summary>The SQLite store's log entries, with stable event IDs (2100+). Only counts, paths, durations and
/// sessions as <see cref="SessionLogId"/>; never a session ID.</summary>
internal static partial class Log
{
    [LoggerMessage(2100, LogLevel.Information, "SQLite session store opened {Path} (synchronous {Synchronous}).")]
    public static partial void Opened(this ILogger logger, string path, SqliteSynchronous synchronous);

    [LoggerMessage(2101, LogLevel.Information, "SQLite session store closed {Path}, after applying the {Pending} write(s) still queued.")]
    public static partial void Closed(this ILogger logger, string path, int pending);

    [LoggerMessage(2102, LogLevel.Error, "A batch of {Count} session write(s) failed and was rolled back; its callers get the error.")]
    public static partial void WriteBatchFailed(this ILogger logger, int count, Exception exception);

    [LoggerMessage(2103, LogLevel.Warning, "Rolling back a failed batch of session writes failed too.")]
    public static partial void RollbackFailed(this ILogger logger, Exception exception);

    [LoggerMessage(2104, LogLevel.Debug, "Swept {Count} expired session(s) and session index entries in {Batches} batch(es) ({ElapsedMilliseconds} ms).")]
    public static partial void Swept(this ILogger logger, int count, int batches, long elapsedMilliseconds);

    [LoggerMessage(2105, LogLevel.Error, "Sweeping expired sessions failed; the next sweep is in {Interval}.")]
    public static partial void SweepFailed(this ILogger logger, TimeSpan interval, Exception exception);

    [LoggerMessage(2106, LogLevel.Warning,
        "Checkpointing {Path} on close did not finish; the write-ahead log keeps every committed write and is applied on the next open.")]
    public static partial void CheckpointIncomplete(this ILogger logger, string path, Exception? exception);

    [LoggerMessage(2107, LogLevel.Warning,
        "A {Kind} of session {Session} is in doubt: its caller gave up on it (StoreTimeout passed, or its request ended) after its batch had reached SQLite, which may still commit it.")]
    public static partial void WriteInDoubt(this ILogger logger, WriteKind kind, SessionLogId session);

    [LoggerMessage(2108, LogLevel.Warning, "The {Kind} of session {Session} that was in doubt was {Outcome}.")]
    public static partial void InDoubtWriteSettled(this ILogger logger, WriteKind kind, SessionLogId session, string outcome);

    [LoggerMessage(2109, LogLevel.Warning,
        "Another connection held the write lock of {Path} for {ElapsedMilliseconds} ms; {Count} session write(s) still waiting failed.")]
    public static partial void LockWaitFailed(this ILogger logger, string path, long elapsedMilliseconds, int count);

    [LoggerMessage(2110, LogLevel.Warning,
        "Checkpointing the write-ahead log of {Path} failed; it keeps every committed write, and the next checkpoint tries again.")]
    public static partial void CheckpointFailed(this ILogger logger, string path, Exception exception);
}
