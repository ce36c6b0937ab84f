using System.Collections.Concurrent;

namespace ServerSessions.Sqlite;

/// <summary>
/// Read connections, opened on demand and kept for reuse (with their prepared statements). In WAL mode readers
/// neither block the writer nor each other, so concurrent requests each get their own.
/// </summary>
internal sealed class SessionReaderPool(SessionDatabase database) : IDisposable
{
    private static readonly int MaxIdle = Math.Max(4, Environment.ProcessorCount * 2);
    private readonly ConcurrentQueue<SessionReader> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    public SessionReader Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, typeof(SqliteSessionStore));
        if (_idle.TryDequeue(out var reader))
        {
            Interlocked.Decrement(ref _idleCount);
            return reader;
        }

        return new SessionReader(database.OpenReader());
    }

    public void Return(SessionReader reader)
    {
        if (_disposed)
        {
            reader.Dispose();
            return;
        }

        if (Interlocked.Increment(ref _idleCount) > MaxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            reader.Dispose();
            return;
        }

        _idle.Enqueue(reader);

        // Dispose may have emptied the queue between the check above and the enqueue.
        if (_disposed)
        {
            CloseIdle();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryDequeue(out var reader))
        {
            reader.Dispose();
        }
    }
}
