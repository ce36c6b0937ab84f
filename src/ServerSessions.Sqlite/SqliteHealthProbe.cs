using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServerSessions.Sqlite;

/// <summary>
/// Whether the database is writable: its file is still at its path (a store keeps writing to a file whose folder was
/// removed, and loses it all at the next start), and a probe write commits through the writer, behind the writes queued
/// before it.
/// </summary>
internal static class SqliteHealthProbe
{
    public static async Task<HealthCheckResult> CheckAsync(string path, SessionWriter writer, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return HealthCheckResult.Unhealthy(
                $"The SQLite session database '{path}' is gone (its file or folder was removed): writes no longer reach the disk's file.");
        }

        // No cancellation token to the write itself: a probe is never in doubt, and one that is late still completes.
        var write = writer.EnqueueAsync(WriteOperation.Probe(), CancellationToken.None);
        try
        {
            await write.WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"The SQLite session database '{path}' is writable.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The SQLite session database '{path}' is not writable: {ex.Message}", ex);
        }
    }
}
