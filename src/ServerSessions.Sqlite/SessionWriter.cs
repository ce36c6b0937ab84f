using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Sqlite;

/// <summary>
/// The one connection that writes. Callers queue operations; the writer's thread takes whatever is queued (up to
/// <see cref="MaxBatch"/>) and applies it in one transaction, then completes every caller of that batch ("group
/// commit"). Writers never contend for SQLite's lock, and one fsync (with <c>synchronous = FULL</c>) covers many writes.
/// </summary>
/// <remarks>
/// A thread of its own, not a task on the pool: SQLite's calls block anyway (Microsoft.Data.Sqlite's async methods run
/// synchronously), and a thread can be joined, so <see cref="Drain"/> stops the writer for a synchronous close without
/// blocking on a task, while <see cref="DrainAsync"/> awaits the same end for an asynchronous one.
/// </remarks>
internal sealed class SessionWriter : IDisposable
{
    private const int MaxBatch = 256;
    private readonly WriteQueue _queue = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SessionCache? _cache;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _touch;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _sweep;
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _fault;

    public SessionWriter(SqliteConnection connection, SessionCache? cache, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _cache = cache;
        _time = time;
        _logger = logger;
        _upsert = Prepare(SessionTable.Upsert, "$id", "$payload", "$expires");
        _touch = Prepare(SessionTable.Touch, "$id", "$expires", "$now", "$payload");
        _delete = Prepare(SessionTable.Delete, "$id");
        _sweep = Prepare(SessionTable.Sweep, "$now", "$limit");

        // Background, as a pool thread was: a store never disposed does not keep the process alive. Unsafe (no captured
        // ExecutionContext): the thread outlives whatever request or scope created the store, and must not carry its
        // AsyncLocals or activity.
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite session writer" };
        _thread.UnsafeStart();
    }

    /// <summary>How many operations wait for the writer.</summary>
    public int Pending => _queue.Count;

    /// <summary>Queues a write; the task completes with the rows it changed once its batch has committed.</summary>
    /// <exception cref="ObjectDisposedException">The writer no longer accepts writes: the store is closing.</exception>
    public Task<int> EnqueueAsync(WriteOperation operation, CancellationToken cancellationToken)
    {
        operation.CancelWith(cancellationToken);
        if (!_queue.TryAdd(operation))
        {
            var closed = new ObjectDisposedException(nameof(SqliteSessionStore), "The SQLite session store is closed; it accepts no more writes.");
            operation.Fail(closed);
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
        _connection.Dispose();
    }

    private void Run()
    {
        try
        {
            var taken = new List<WriteOperation>(MaxBatch);
            var batch = new List<WriteOperation>(MaxBatch);
            while (_queue.TakeBatch(taken, MaxBatch))
            {
                foreach (var operation in taken)
                {
                    if (operation.TryClaim())
                    {
                        batch.Add(operation);
                    }
                }

                taken.Clear();
                if (batch.Count > 0)
                {
                    Commit(batch);
                    batch.Clear();
                }
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

    private void Commit(List<WriteOperation> batch)
    {
        var rows = new int[batch.Count];
        SqliteTransaction? transaction = null;
        try
        {
            transaction = _connection.BeginTransaction();
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            for (var i = 0; i < batch.Count; i++)
            {
                rows[i] = Apply(batch[i], transaction, now);
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            // Every fault is handed to the batch's callers; the writer must live on for the next batch.
            Rollback(transaction);
            _logger.WriteBatchFailed(batch.Count, ex);
            foreach (var operation in batch)
            {
                operation.Fail(ex);
            }

            return;
        }
        finally
        {
            transaction?.Dispose();
        }

        // Before the callers hear of the commit, so that a read after a completed write finds it.
        _cache?.Apply(batch, rows);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Complete(rows[i]);
        }
    }

    private int Apply(WriteOperation operation, SqliteTransaction transaction, long now)
    {
        var command = operation.Kind switch
        {
            WriteKind.Set => Bind(_upsert, operation.Id, operation.Payload, operation.Value),
            WriteKind.Touch => Bind(_touch, operation.Id, operation.Value, now, operation.Payload),
            WriteKind.Destroy => Bind(_delete, operation.Id),
            WriteKind.Sweep => Bind(_sweep, now, operation.Value),
            _ => throw new InvalidOperationException($"Unknown write {operation.Kind}."),
        };
        command.Transaction = transaction;
        return command.ExecuteNonQuery();
    }

    private void Rollback(SqliteTransaction? transaction)
    {
        try
        {
            transaction?.Rollback();
        }
        catch (Exception ex)
        {
            // The batch's own fault is what its callers see; a failed rollback only adds to the log.
            _logger.RollbackFailed(ex);
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
