using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace ServerSessions.Sqlite;

/// <summary>
/// Copies the write-ahead log into the database file on a connection and thread of its own, so that no commit waits for
/// a checkpoint. SQLite's automatic checkpoint runs inside the commit that crosses its threshold, on the writer's
/// thread: every write queued behind that commit waited for the copy and, with <c>synchronous = NORMAL</c>, for the
/// file's fsync (the SQLite store's p99, measured in bench/RESULTS.md). The writer turns it off and reports the pages
/// each commit wrote instead; past SQLite's own threshold this thread runs a passive checkpoint, which never blocks the
/// writer nor waits for a reader. Durability is unchanged: a commit is as durable as it was once it is in the log.
/// </summary>
internal sealed class WalCheckpointer
{
    // SQLite's default wal_autocheckpoint: a checkpoint once the log has grown by this many pages.
    private const int PagesPerCheckpoint = 1000;

    // Holds at most one request: one asked for while another waits is the same checkpoint.
    private readonly WorkQueue<int> _requests = new(1);
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private int _pages;
    private int _checkpoints;

    public WalCheckpointer(SqliteConnection connection, ILogger logger)
    {
        _connection = connection;
        _logger = logger;

        // Background and unsafe (no captured ExecutionContext), as the writer's thread: see SessionWriter.
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite session checkpointer" };
        _thread.UnsafeStart();
    }

    /// <summary>How many passive checkpoints have run; for tests.</summary>
    public int Checkpoints => Volatile.Read(ref _checkpoints);

    /// <summary>Called by the writer's thread after each commit: asks for a checkpoint once enough pages were written.</summary>
    public void Committed(SqliteConnection writer)
    {
        raw.sqlite3_db_status(writer.Handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        _pages += written;
        if (_pages >= PagesPerCheckpoint)
        {
            _pages = 0;
            _requests.TryAdd(0);
        }
    }

    /// <summary>Ends the thread once a checkpoint under way has finished, and closes its connection.</summary>
    public void Stop()
    {
        _requests.Complete();
        _thread.Join();
        _connection.Dispose();
    }

    private void Run()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        while (_requests.TryTake(out _))
        {
            try
            {
                command.ExecuteNonQuery();
                Interlocked.Increment(ref _checkpoints);
            }
            catch (Exception ex)
            {
                // The log keeps every commit, and the next request tries again; reads and writes go on either way.
                _logger.CheckpointFailed(_connection.DataSource, ex);
            }
        }
    }
}
