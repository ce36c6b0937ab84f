namespace ServerSessions.Sqlite;

/// <summary>
/// The readers: threads of their own, each with its read connection (opened on its first read), taking uncached reads
/// from a bounded queue. In WAL mode readers neither block the writer nor each other.
/// </summary>
/// <remarks>
/// SQLite's calls block (Microsoft.Data.Sqlite's async methods run synchronously), so a read run by the request would
/// hold a thread-pool thread for as long as the disk takes; a stalled disk would then take the pool's threads one by one.
/// Here it holds one of these threads: the caller awaits a task, which the middleware gives up on after its
/// <c>StoreTimeout</c>, and once every reader is stuck and the queue is full, further reads fail at once.
/// </remarks>
internal sealed class SessionReaderPool : IDisposable
{
    private readonly SessionDatabase _database;
    private readonly SessionCache? _cache;
    private readonly WorkQueue<ReadOperation> _queue;
    private readonly Thread[] _threads;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;

    public SessionReaderPool(SessionDatabase database, SessionCache? cache, int queueCapacity)
    {
        _database = database;
        _cache = cache;
        _queue = new WorkQueue<ReadOperation>(queueCapacity);
        _threads = new Thread[ReaderCount];
        _running = _threads.Length;
        for (var i = 0; i < _threads.Length; i++)
        {
            // Background and unsafe (no captured ExecutionContext), as the writer's thread: see SessionWriter.
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"SQLite session reader {i + 1}" };
            _threads[i].UnsafeStart();
        }
    }

    /// <summary>How many reads run at once; more threads outlast more stalled reads, each costs a thread and a connection.</summary>
    public static int ReaderCount { get; } = Math.Max(4, Environment.ProcessorCount);

    /// <summary>
    /// Queues a read of session <paramref name="id"/>; the task completes with what a reader found. It fails at once,
    /// never queued, with <see cref="ObjectDisposedException"/> once the store is closing and with
    /// <see cref="InvalidOperationException"/> while the queue is full.
    /// </summary>
    public Task<SessionRecord?> ReadAsync(string id, long now, CancellationToken cancellationToken)
    {
        var read = new SessionRead(id, now, _cache);
        Queue(read, cancellationToken);
        return read.Completion;
    }

    /// <summary>Queues a read of <paramref name="user"/>'s session index; fails as <see cref="ReadAsync"/> does.</summary>
    public Task<IReadOnlyList<IndexedSession>> ReadIndexAsync(string user, long now, CancellationToken cancellationToken)
    {
        var read = new IndexRead(user, now);
        Queue(read, cancellationToken);
        return read.Completion;
    }

    /// <summary>Stops taking reads; the task completes once the readers have answered those queued and closed their connections.</summary>
    public Task StopAsync()
    {
        _queue.Complete();
        return _stopped.Task;
    }

    /// <summary>Stops taking reads and returns once the readers have answered those queued and closed their connections.</summary>
    public void Dispose()
    {
        _queue.Complete();
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
    }

    private void Queue(ReadOperation read, CancellationToken cancellationToken)
    {
        read.CancelWith(cancellationToken);
        switch (_queue.TryAdd(read))
        {
            case WorkQueue<ReadOperation>.Admission.Full:
                read.Fail(new InvalidOperationException(
                    "The SQLite session store's read queue is full (Session:Sqlite:ReadQueueLimit): every reader is waiting for the disk; the read was refused, not queued."));
                break;
            case WorkQueue<ReadOperation>.Admission.Completed:
                read.Fail(new ObjectDisposedException(nameof(SqliteSessionStore), "The SQLite session store is closed."));
                break;
        }
    }

    private void Run()
    {
        SessionReader? reader = null;
        try
        {
            while (_queue.TryTake(out var read))
            {
                if (!read.TryClaim())
                {
                    continue; // its caller gave up while it waited
                }

                try
                {
                    reader ??= new SessionReader(_database.OpenReader());
                    read.Run(reader);
                }
                catch (Exception ex)
                {
                    // Handed to the caller; a connection that failed is not used again.
                    reader?.Dispose();
                    reader = null;
                    read.Fail(ex);
                }
            }
        }
        finally
        {
            reader?.Dispose();
            if (Interlocked.Decrement(ref _running) == 0)
            {
                _stopped.SetResult();
            }
        }
    }
}
