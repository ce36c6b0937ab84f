using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Sqlite;

/// <summary>
/// The one connection that writes. Callers queue operations; a background loop takes whatever is queued (up to
/// <see cref="MaxBatch"/>) and applies it in one transaction, then completes every caller of that batch ("group
/// commit"). Writers never contend for SQLite's lock, and one fsync (with <c>synchronous = FULL</c>) covers many writes.
/// </summary>
internal sealed class SessionWriter : IDisposable
{
    private const int MaxBatch = 256;
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>();
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SessionCache? _cache;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _touch;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _sweep;
    private readonly Task _loop;

    public SessionWriter(SqliteConnection connection, SessionCache? cache, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _cache = cache;
        _time = time;
        _logger = logger;
        _upsert = Prepare(SessionTable.Upsert, "$id", "$payload", "$expires");
        _touch = Prepare(SessionTable.Touch, "$id", "$expires", "$now");
        _delete = Prepare(SessionTable.Delete, "$id");
        _sweep = Prepare(SessionTable.Sweep, "$now", "$limit");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How many operations wait for the writer.</summary>
    public int Pending => _queue.Reader.Count;

    /// <summary>Queues a write; the task completes with the rows it changed once its batch has committed.</summary>
    /// <exception cref="ObjectDisposedException">The writer no longer accepts writes: the store is closing.</exception>
    public Task<int> EnqueueAsync(WriteOperation operation, CancellationToken cancellationToken)
    {
        operation.CancelWith(cancellationToken);
        if (!_queue.Writer.TryWrite(operation))
        {
            var closed = new ObjectDisposedException(nameof(SqliteSessionStore), "The SQLite session store is closed; it accepts no more writes.");
            operation.Fail(closed);
        }

        return operation.Completion;
    }

    /// <summary>Stops accepting writes and returns once every write queued before has been applied.</summary>
    public Task DrainAsync()
    {
        _queue.Writer.TryComplete();
        return _loop;
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

    private async Task RunAsync()
    {
        var batch = new List<WriteOperation>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var operation))
            {
                if (operation.TryClaim())
                {
                    batch.Add(operation);
                }
            }

            if (batch.Count > 0)
            {
                Commit(batch);
                batch.Clear();
            }
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
            WriteKind.Touch => Bind(_touch, operation.Id, operation.Value, now),
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
