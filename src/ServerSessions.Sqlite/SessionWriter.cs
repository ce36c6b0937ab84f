using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace ServerSessions.Sqlite;

/// <summary>
/// The one connection that writes. Callers queue operations; the writer's thread takes whatever is queued (up to
/// <see cref="MaxBatch"/>), takes the database's write lock, claims the writes whose callers still wait and applies them in
/// one transaction, then completes every caller of that batch ("group commit"). Writers never contend for SQLite's lock,
/// and one fsync (with <c>synchronous = FULL</c>) covers many writes. The queue is bounded: a full one refuses writes.
/// </summary>
/// <remarks>
/// A thread of its own, not a task on the pool: SQLite's calls block anyway (Microsoft.Data.Sqlite's async methods run
/// synchronously), and a thread can be joined, so <see cref="Drain"/> stops the writer for a synchronous close without
/// blocking on a task, while <see cref="DrainAsync"/> awaits the same end for an asynchronous one.
/// </remarks>
internal sealed class SessionWriter : IDisposable
{
    private const int MaxBatch = 256;

    // How long the writer looks for more writes before it blocks (WorkQueue.WaitForItems): under load the next write
    // comes within it, and the writer takes it up without the two context switches of falling asleep and being woken
    // (1.6 per request without it, 0.9 with it, measured in bench/RESULTS.md); idle, it costs 50 µs of yielding.
    private static readonly TimeSpan IdleSpin = TimeSpan.FromMicroseconds(50);

    // As long as SQLite's busy timeout was: a write whose caller set no bound of its own (a sweep) fails after it.
    private static readonly TimeSpan MaxLockWait = TimeSpan.FromSeconds(5);
    private readonly WorkQueue<WriteOperation> _queue;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SessionCache? _cache;
    private readonly SessionMetrics? _metrics;
    private readonly WalCheckpointer? _checkpointer;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _touch;
    private readonly SqliteCommand _delete;
    private readonly SweepStretch _sweep;
    private readonly SqliteCommand _index;
    private readonly SqliteCommand _unindex;
    private readonly SqliteCommand _sweepIndex;
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _fault;

    public SessionWriter(SqliteConnection connection, int capacity, SessionCache? cache, TimeProvider time, ILogger logger, SessionMetrics? metrics = null, WalCheckpointer? checkpointer = null)
    {
        _metrics = metrics;
        _checkpointer = checkpointer;
        _queue = new WorkQueue<WriteOperation>(capacity);
        _connection = connection;
        _cache = cache;
        _time = time;
        _logger = logger;
        _upsert = Prepare(SessionTable.Upsert, "$id", "$payload", "$expires");
        _touch = Prepare(SessionTable.Touch, "$id", "$expires", "$now", "$payload");
        _delete = Prepare(SessionTable.Delete, "$id");
        _sweep = new SweepStretch(connection);
        _index = Prepare(SessionIndexTable.Upsert, "$user", "$id", "$last_seen", "$expires", "$user_agent", "$client_address");
        _unindex = Prepare(SessionIndexTable.Delete, "$user", "$id");
        _sweepIndex = Prepare(SessionIndexTable.Sweep, "$now", "$limit");

        // Background, as a pool thread was: a store never disposed does not keep the process alive. Unsafe (no captured
        // ExecutionContext): the thread outlives whatever request or scope created the store, and must not carry its
        // AsyncLocals or activity.
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite session writer" };
        _thread.UnsafeStart();
    }

    /// <summary>How many operations wait for the writer.</summary>
    public int Pending => _queue.Count;

    /// <summary>
    /// Queues a write; the task completes with the rows it changed once its batch has committed. It fails at once, never
    /// queued, with <see cref="ObjectDisposedException"/> once the store is closing and with
    /// <see cref="InvalidOperationException"/> while the queue is full.
    /// </summary>
    public Task<int> EnqueueAsync(WriteOperation operation, CancellationToken cancellationToken)
    {
        operation.CancelWith(cancellationToken, _logger);
        switch (_queue.TryAdd(operation))
        {
            case WorkQueue<WriteOperation>.Admission.Full:
                operation.Fail(new InvalidOperationException(
                    "The SQLite session store's write queue is full (Session:Sqlite:WriteQueueLimit): the disk or the database lock is not keeping up; the write was refused, not queued."));
                break;
            case WorkQueue<WriteOperation>.Admission.Completed:
                operation.Fail(new ObjectDisposedException(nameof(SqliteSessionStore), "The SQLite session store is closed; it accepts no more writes."));
                break;
        }

        return operation.Completion;
    }

    /// <summary>Stops accepting writes and returns once every write queued before has been applied.</summary>
    public void Drain()
    {
        _queue.Complete();
        _thread.Join();
        _fault?.Throw();
    }

    /// <summary>Stops accepting writes; the task completes once every write queued before has been applied.</summary>
    public Task DrainAsync()
    {
        _queue.Complete();
        return _stopped.Task;
    }

    /// <summary>Moves the write-ahead log into the database and empties it; false when readers kept it from finishing.</summary>
    public bool Checkpoint()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = SessionTable.Checkpoint;
        using var reader = command.ExecuteReader();

        // One row: busy (0 or 1), frames in the log, frames checkpointed.
        return reader.Read() && reader.GetInt32(0) == 0;
    }

    public void Dispose()
    {
        _upsert.Dispose();
        _touch.Dispose();
        _delete.Dispose();
        _sweep.Dispose();
        _index.Dispose();
        _unindex.Dispose();
        _sweepIndex.Dispose();
        _connection.Dispose();
    }

    private void Run()
    {
        try
        {
            var taken = new List<WriteOperation>(MaxBatch);
            var batch = new List<WriteOperation>(MaxBatch);
            while (_queue.WaitForItems(IdleSpin))
            {
                // Taken, not claimed: while the writer waits for the write lock, a caller that gives up still cancels.
                _queue.TakeBatch(taken, MaxBatch);
                if (Lock(taken))
                {
                    foreach (var operation in taken)
                    {
                        if (operation.TryClaim())
                        {
                            batch.Add(operation);
                        }
                    }

                    Commit(batch);
                    batch.Clear();
                }

                taken.Clear();
            }

            _stopped.SetResult();
        }
        catch (Exception ex)
        {
            // Not rethrown, which on its own thread would end the process: Commit hands every SQLite fault to its
            // batch's callers, so this is a bug, and closing the store throws it.
            _fault = ExceptionDispatchInfo.Capture(ex);
            _stopped.SetException(ex);
        }
    }

    /// <summary>
    /// Begins a transaction that holds the database's write lock. While another connection holds it, waits as long as a
    /// taken write's caller still waits, up to <see cref="MaxLockWait"/>; false when it gave up (the writes still waiting
    /// then fail) or when nobody waits any more.
    /// </summary>
    private bool Lock(List<WriteOperation> taken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            // Not a SqliteCommand: Microsoft.Data.Sqlite retries a busy statement itself for up to its command timeout.
            var rc = raw.sqlite3_exec(_connection.Handle, "BEGIN IMMEDIATE");
            if (rc == raw.SQLITE_OK)
            {
                return true;
            }

            var waited = Stopwatch.GetElapsedTime(started);
            if (rc is not (raw.SQLITE_BUSY or raw.SQLITE_LOCKED) || waited >= MaxLockWait)
            {
                var failed = FailWaiting(taken, Error(rc));
                if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
                {
                    _logger.LockWaitFailed(_connection.DataSource, (long)waited.TotalMilliseconds, failed);
                }

                return false;
            }

            if (!taken.Exists(static operation => operation.IsPending))
            {
                return false; // every caller gave up, so every write was canceled: none is applied
            }
        }
    }

    private int FailWaiting(List<WriteOperation> taken, Exception error)
    {
        var failed = 0;
        foreach (var operation in taken)
        {
            if (operation.TryClaim())
            {
                operation.Fail(error);
                failed++;
            }
        }

        if (failed > 0 && error is not SqliteException { SqliteErrorCode: raw.SQLITE_BUSY or raw.SQLITE_LOCKED })
        {
            _logger.WriteBatchFailed(failed, error);
        }

        return failed;
    }

    private Exception Error(int rc)
    {
        try
        {
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
            return new SqliteException($"SQLite error {rc}.", rc);
        }
        catch (SqliteException ex)
        {
            return ex;
        }
    }

    /// <summary>Applies <paramref name="batch"/> in the transaction <see cref="Lock"/> began, and commits it (or rolls back).</summary>
    private void Commit(List<WriteOperation> batch)
    {
        if (batch.Count == 0)
        {
            Rollback(); // every caller gave up while the writer waited for the lock
            return;
        }

        var rows = new int[batch.Count];
        var started = _metrics is { CommitDuration.Enabled: true } ? Stopwatch.GetTimestamp() : 0;
        try
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            for (var i = 0; i < batch.Count; i++)
            {
                rows[i] = Apply(batch[i], now);
            }

            Check(raw.sqlite3_exec(_connection.Handle, "COMMIT"));
            _checkpointer?.Committed(_connection);
            if (started != 0)
            {
                _metrics!.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }

            _metrics?.WriteBatchSize.Record(batch.Count);
        }
        catch (Exception ex)
        {
            // Every fault is handed to the batch's callers; the writer must live on for the next batch.
            Rollback();
            _logger.WriteBatchFailed(batch.Count, ex);
            foreach (var operation in batch)
            {
                if (operation.Fail(ex))
                {
                    _logger.InDoubtWriteSettled(operation.Kind, new SessionLogId(operation.Id!), "rolled back, not applied");
                }
            }

            return;
        }

        // Before the callers hear of the commit, so that a read after a completed write finds it.
        _cache?.Apply(batch, rows);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Complete(rows[i]))
            {
                _logger.InDoubtWriteSettled(batch[i].Kind, new SessionLogId(batch[i].Id!), "applied");
            }
        }
    }

    private int Apply(WriteOperation operation, long now)
    {
        switch (operation.Kind)
        {
            case WriteKind.Probe:
                return WriteProbe.Apply(_connection);
            case WriteKind.Sweep:
                return _sweep.Apply(operation, now);
        }

        var command = operation.Kind switch
        {
            WriteKind.Set => Bind(_upsert, operation.Id, operation.Payload, operation.Value),
            WriteKind.Touch => Bind(_touch, operation.Id, operation.Value, now, operation.Payload),
            WriteKind.Destroy => Bind(_delete, operation.Id),
            WriteKind.Index => Bind(
                _index,
                SessionIndexTable.UserKey(operation.User!),
                operation.Id,
                operation.Entry.LastSeen.ToUnixTimeMilliseconds(),
                operation.Entry.Expires.ToUnixTimeMilliseconds(),
                (object?)operation.Entry.UserAgent ?? DBNull.Value,
                (object?)operation.Entry.ClientAddress ?? DBNull.Value),
            WriteKind.Unindex => Bind(_unindex, SessionIndexTable.UserKey(operation.User!), operation.Id),
            WriteKind.SweepIndex => Bind(_sweepIndex, now, operation.Value),
            _ => throw new InvalidOperationException($"Unknown write {operation.Kind}."),
        };
        return command.ExecuteNonQuery();
    }

    private void Rollback()
    {
        if (raw.sqlite3_get_autocommit(_connection.Handle) != 0)
        {
            return; // SQLite rolled back already (it does on some errors), or nothing began
        }

        try
        {
            Check(raw.sqlite3_exec(_connection.Handle, "ROLLBACK"));
        }
        catch (Exception ex)
        {
            // The batch's own fault is what its callers see; a failed rollback only adds to the log.
            _logger.RollbackFailed(ex);
        }
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _connection.Handle);
        }
    }

    private static SqliteCommand Bind(SqliteCommand command, params ReadOnlySpan<object?> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        return command;
    }

    private SqliteCommand Prepare(string sql, params ReadOnlySpan<string> parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }
}
