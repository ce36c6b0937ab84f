using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Sqlite;

/// <summary>
/// Deletes expired rows (sessions, then the session index's entries) every <see cref="SqliteSessionStoreOptions.SweepInterval"/>,
/// in batches queued to the writer like any other write, so a large backlog never holds the write lock for long. Reads
/// already ignore expired rows; sweeping only reclaims their space. The sessions are walked in key order, a stretch of
/// the table per batch (<see cref="SweepStretch"/>): they have no index on their expiry, which every save would move.
/// </summary>
internal sealed class ExpiredSessionSweeper
{
    private readonly SessionWriter _writer;
    private readonly TimeSpan _interval;
    private readonly int _batchSize;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public ExpiredSessionSweeper(SessionWriter writer, TimeSpan interval, int batchSize, TimeProvider time, ILogger logger)
    {
        _writer = writer;
        _interval = interval;
        _batchSize = batchSize;
        _logger = logger;
        _loop = RunAsync(new PeriodicTimer(interval, time), _stopping.Token);
    }

    /// <summary>Deletes every expired row, one batch at a time; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        int total = 0, batches = 0, deleted;
        // An empty ID, which the middleware never makes, is before the first stretch and never swept; reads still
        // treat it as gone once it expires.
        string? after = string.Empty;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            (deleted, after) = await SweepStretchAsync(after);
            total += deleted;
            batches++;
        }
        while (after is not null);

        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            deleted = await SweepIndexBatchAsync();
            total += deleted;
            batches++;
        }
        while (deleted == _batchSize);

        if (total > 0)
        {
            _logger.Swept(total, batches, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return total;
    }

    /// <summary>
    /// Reads the stretch of the table after the key <paramref name="after"/> and deletes its expired rows; returns how many,
    /// and the key the next stretch starts after (none once this one reached the table's end).
    /// </summary>
    public async Task<(int Deleted, string? Next)> SweepStretchAsync(string after)
    {
        var stretch = WriteOperation.Sweep(after, _batchSize);
        var deleted = await _writer.EnqueueAsync(stretch, CancellationToken.None);
        return (deleted, stretch.SweepNext);
    }

    /// <summary>Deletes at most one batch of expired index entries; returns how many.</summary>
    public Task<int> SweepIndexBatchAsync() => _writer.EnqueueAsync(WriteOperation.SweepIndex(_batchSize), CancellationToken.None);

    /// <summary>
    /// Stops the timer without waiting, for a synchronous close: a sweep under way ends at its next batch, which the
    /// drained writer refuses. The token source is left undisposed because the loop may still read it; it holds nothing
    /// to release.
    /// </summary>
    public void Stop() => _stopping.Cancel();

    /// <summary>Stops the timer and waits for a sweep under way to end (it ends early once the writer stops).</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        using (timer)
        {
            try
            {
                while (await timer.WaitForNextTickAsync(stopping))
                {
                    try
                    {
                        await SweepAsync(stopping);
                    }
                    catch (Exception ex) when (!stopping.IsCancellationRequested)
                    {
                        // A failed sweep is retried on the next tick; the faults that matter reach requests' own writes.
                        _logger.SweepFailed(_interval, ex);
                    }
                }
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                // Stopping ends the wait for a tick (canceled) or a sweep under way (the writer is closed).
            }
        }
    }
}
