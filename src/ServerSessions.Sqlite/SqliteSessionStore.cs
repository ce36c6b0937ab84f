using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace ServerSessions.Sqlite;

/// <summary>
/// Keeps sessions in a SQLite database file, one row per session, so they survive restarts. The embedded, durable
/// default for a single instance: one process owns the file (a second store on it fails at construction); use the
/// Redis store to share sessions across processes.
/// </summary>
/// <remarks>
/// Writes are queued to one writer that commits them in batches; a write's task completes once its batch has
/// committed to the write-ahead log. Reads are answered from an in-memory cache of the sessions used lately
/// (<see cref="SqliteSessionStoreOptions.CacheSize"/>), which the writer keeps coherent because no other process writes
/// the file, or else queued to reader threads of the store's own; they never see expired rows, which a background sweep
/// deletes. Both queues are bounded; a full one fails the call at once. A write whose token is canceled before the
/// writer claims it is never applied. Faults (disk full, a corrupt file, I/O errors) are thrown from the methods.
/// Disposing it, with <see cref="DisposeAsync"/> or <see cref="Dispose"/>, commits every pending write before closing.
/// The index of each signed-in user's sessions (<see cref="IServerSessionIndexStore"/>) is a table in the same file,
/// written and read the same way (through the writer, always from the readers: it is not cached) and swept with the
/// sessions.
/// </remarks>
public sealed class SqliteSessionStore : IServerSessionIndexStore, IHealthCheckedSessionStore, IAsyncDisposable, IDisposable
{
    private readonly DatabaseLockFile _lockFile;
    private readonly SessionWriter _writer;
    private readonly WalCheckpointer _checkpointer;
    private readonly SessionReaderPool _readers;
    private readonly SessionCache? _cache;
    private readonly ExpiredSessionSweeper _sweeper;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _disposeLock = new();
    private Task? _disposal;

    /// <summary>Opens (or creates) the database and takes ownership of it.</summary>
    /// <param name="options">The file, durability and sweep settings.</param>
    /// <param name="timeProvider">The clock that decides expiry.</param>
    /// <param name="logger">Where the store reports opening, closing, sweeps and failed writes.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">Another store, in this process or another, has the database open.</exception>
    public SqliteSessionStore(SqliteSessionStoreOptions options, TimeProvider timeProvider, ILogger<SqliteSessionStore> logger)
        : this(options, timeProvider, logger, null)
    {
    }

    // AddSqliteStore's store: its write batches and commits are measured on the app's meter. One created by hand is not measured.
    internal SqliteSessionStore(SqliteSessionStoreOptions options, TimeProvider timeProvider, ILogger<SqliteSessionStore> logger, SessionMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        var failures = SqliteSessionStoreOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _time = timeProvider;
        _logger = logger;
        Path = options.FullPath;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _lockFile = DatabaseLockFile.Acquire(Path);
        Microsoft.Data.Sqlite.SqliteConnection? writerConnection = null;
        WalCheckpointer? checkpointer = null;
        SessionWriter? writer = null;
        SessionReaderPool? readers = null;
        try
        {
            var database = new SessionDatabase(Path, options.Synchronous, options.MaxDatabaseSize, options.ConnectionOpened);
            writerConnection = database.OpenWriter();
            _cache = options.CacheSize > 0 ? new SessionCache(options.CacheSize) : null;
            _checkpointer = checkpointer = new WalCheckpointer(database.OpenCheckpointer(), logger);
            _writer = writer = new SessionWriter(writerConnection, options.WriteQueueLimit, _cache, timeProvider, logger, metrics, checkpointer);
            _readers = readers = new SessionReaderPool(database, _cache, options.ReadQueueLimit);
            _sweeper = new ExpiredSessionSweeper(_writer, options.SweepInterval, options.SweepBatchSize, timeProvider, logger);
        }
        catch
        {
            writer?.Drain(); // its thread would otherwise wait for writes forever
            checkpointer?.Stop(); // and the checkpointer's for requests
            readers?.Dispose(); // and theirs for reads
            writerConnection?.Dispose();
            _lockFile.Dispose();
            throw;
        }

        _logger.Opened(Path, options.Synchronous);
    }

    /// <summary>The database file's absolute path.</summary>
    internal string Path { get; }

    internal ExpiredSessionSweeper Sweeper => _sweeper;

    internal SessionCache? Cache => _cache;

    internal WalCheckpointer Checkpointer => _checkpointer;

    /// <summary>How many writes wait in the queue, not yet taken by the writer.</summary>
    internal int QueuedWrites => _writer.Pending;

    /// <inheritdoc />
    Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> IHealthCheckedSessionStore.CheckHealthAsync(CancellationToken cancellationToken) =>
        SqliteHealthProbe.CheckAsync(Path, _writer, cancellationToken);

    /// <inheritdoc />
    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<SessionRecord?>(cancellationToken);
        }

        if (Volatile.Read(ref _disposal) is not null)
        {
            // Closing gave the file up to its next owner: a cached answer could be stale from then on.
            return ValueTask.FromException<SessionRecord?>(new ObjectDisposedException(nameof(SqliteSessionStore), "The SQLite session store is closed."));
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_cache is not null && _cache.TryGet(id, now, out var cached))
        {
            return ValueTask.FromResult(cached);
        }

        // On a reader's thread, never the caller's: a stalled disk must not hold the request's (a pool) thread.
        return new ValueTask<SessionRecord?>(_readers.ReadAsync(id, now, cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Completes once the write has committed. Canceling it before the writer claims it, with the database's write lock,
    /// leaves the store as it was; canceling it later leaves it in doubt, which is logged with what became of it.
    /// </remarks>
    public ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Write(WriteOperation.Set(id, AsArray(record.Payload), record.Expires.ToUnixTimeMilliseconds()), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DestroyAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return Write(WriteOperation.Destroy(id), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var touch = WriteOperation.Touch(id, AsArray(payload), expires.ToUnixTimeMilliseconds());
        await Write(touch, cancellationToken);
        return await touch.Completion > 0;
    }

    /// <inheritdoc />
    /// <remarks>Completes once the write has committed, as <see cref="SetAsync"/> does.</remarks>
    public ValueTask IndexAsync(string user, string id, SessionIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        return Write(WriteOperation.Index(user, id, entry), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<IndexedSession>> ListAsync(string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<IReadOnlyList<IndexedSession>>(cancellationToken);
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposal) is not null, this);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return new ValueTask<IReadOnlyList<IndexedSession>>(_readers.ReadIndexAsync(user, now, cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>Completes once the write has committed, as <see cref="DestroyAsync"/> does.</remarks>
    public ValueTask RemoveAsync(string user, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        return Write(WriteOperation.Unindex(user, id), cancellationToken);
    }

    /// <summary>
    /// Closes the store: stops accepting writes, commits every pending one, stops the sweeper, checkpoints the
    /// write-ahead log into the database, closes the connections and releases the database to the next owner.
    /// </summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public ValueTask DisposeAsync()
    {
        lock (_disposeLock)
        {
            _disposal ??= CloseAsync();
        }

        return new ValueTask(_disposal);
    }

    /// <summary>
    /// Closes the store as <see cref="DisposeAsync"/> does, on the calling thread, for a container disposed
    /// synchronously: it waits for the writer's thread to commit every pending write, not for a task. Does nothing when
    /// the store is closed or closing already.
    /// </summary>
    public void Dispose()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_disposeLock)
        {
            if (_disposal is not null)
            {
                return;
            }

            _disposal = closed.Task;
        }

        try
        {
            Close();
        }
        finally
        {
            // A DisposeAsync meanwhile waits for this close; its fault, if any, is thrown here only.
            closed.SetResult();
        }
    }

    private ValueTask Write(WriteOperation operation, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return new ValueTask(_writer.EnqueueAsync(operation, cancellationToken));
    }

    private static byte[] AsArray(ReadOnlyMemory<byte> payload) =>
        // The caller waits until the write commits, so a whole array it hands over can be bound without a copy.
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();

    private async Task CloseAsync()
    {
        try
        {
            var pending = _writer.Pending;

            // The sweeper is told to stop before the writer refuses writes, so its last enqueue fails as "stopping",
            // not as a sweep fault; a sweep batch already queued is drained with the rest.
            var sweeperStopped = _sweeper.StopAsync();
            await _writer.DrainAsync();
            await sweeperStopped;
            await _readers.StopAsync();
            CloseDatabase(pending);
        }
        finally
        {
            ReleaseFiles();
        }
    }

    private void Close()
    {
        try
        {
            var pending = _writer.Pending;

            // As CloseAsync, but without waiting for the sweeper's loop, which is a task: once the writer is drained it
            // refuses the loop's next batch, and the loop ends on its own.
            _sweeper.Stop();
            _writer.Drain();
            CloseDatabase(pending);
        }
        finally
        {
            ReleaseFiles();
        }
    }

    private void CloseDatabase(int pending)
    {
        _readers.Dispose();
        _checkpointer.Stop(); // the writer's own checkpoint below then finds no other under way
        try
        {
            if (!_writer.Checkpoint())
            {
                _logger.CheckpointIncomplete(Path, null);
            }
        }
        catch (Exception ex)
        {
            // Committed writes are safe in the write-ahead log; closing must still release the file.
            _logger.CheckpointIncomplete(Path, ex);
        }

        _logger.Closed(Path, pending);
    }

    private void ReleaseFiles()
    {
        _readers.Dispose();
        _checkpointer.Stop();
        _writer.Dispose();
        _lockFile.Dispose();
    }
}
