namespace ServerSessions.Sqlite;

/// <summary>
/// The writes waiting for the writer's thread. Callers add without blocking; the writer blocks until some are queued
/// and takes them a batch at a time. A monitor rather than a channel because its one reader is a thread of its own,
/// which waits by blocking, so the writer can be stopped and joined without waiting on a task.
/// </summary>
internal sealed class WriteQueue
{
    private readonly Queue<WriteOperation> _operations = new();
    private bool _completed;

    /// <summary>How many operations wait for the writer.</summary>
    public int Count
    {
        get
        {
            lock (_operations)
            {
                return _operations.Count;
            }
        }
    }

    /// <summary>Queues an operation; false once <see cref="Complete"/> has been called.</summary>
    public bool TryAdd(WriteOperation operation)
    {
        lock (_operations)
        {
            if (_completed)
            {
                return false;
            }

            _operations.Enqueue(operation);
            if (_operations.Count == 1)
            {
                Monitor.Pulse(_operations); // the writer waits only on an empty queue
            }

            return true;
        }
    }

    /// <summary>Refuses operations from now on; those already queued are still taken.</summary>
    public void Complete()
    {
        lock (_operations)
        {
            _completed = true;
            Monitor.Pulse(_operations);
        }
    }

    /// <summary>
    /// Blocks until operations are queued, then moves up to <paramref name="max"/> of them into <paramref name="batch"/>;
    /// false once the queue is completed and empty.
    /// </summary>
    public bool TakeBatch(List<WriteOperation> batch, int max)
    {
        lock (_operations)
        {
            while (_operations.Count == 0)
            {
                if (_completed)
                {
                    return false;
                }

                Monitor.Wait(_operations);
            }

            while (batch.Count < max && _operations.TryDequeue(out var operation))
            {
                batch.Add(operation);
            }

            return true;
        }
    }
}
