using System.Diagnostics;

namespace ServerSessions.Sqlite;

/// <summary>
/// Work waiting for the store's own threads (the writer, the readers), bounded so that a stall fills it and then refuses
/// more at once instead of growing. Callers add without blocking; the threads block until work is queued. A monitor
/// rather than a channel because its readers are threads of their own, which wait by blocking, so they can be stopped
/// and joined without waiting on a task.
/// </summary>
internal sealed class WorkQueue<T>(int capacity)
{
    private readonly Queue<T> _items = new();
    private bool _completed;

    /// <summary>What <see cref="TryAdd"/> did.</summary>
    public enum Admission
    {
        Added,
        Full,
        Completed,
    }

    /// <summary>How many items wait.</summary>
    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Queues an item, unless the queue holds its capacity already or <see cref="Complete"/> has been called.</summary>
    public Admission TryAdd(T item)
    {
        lock (_items)
        {
            if (_completed)
            {
                return Admission.Completed;
            }

            if (_items.Count >= capacity)
            {
                return Admission.Full;
            }

            _items.Enqueue(item);
            Monitor.Pulse(_items); // wakes one waiting thread, if any
            return Admission.Added;
        }
    }

    /// <summary>Refuses items from now on; those already queued are still taken.</summary>
    public void Complete()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }

    /// <summary>
    /// Waits for items as <see cref="WaitForItems()"/> does, but first for up to <paramref name="spin"/> without
    /// blocking: yielding the core to whatever else is ready to run, and taking up work queued meanwhile without being
    /// woken. A blocked thread costs a context switch to fall asleep and another to be woken, which under load (a write
    /// queued every few dozen microseconds) cost more than the writes themselves (measured in bench/RESULTS.md).
    /// </summary>
    public bool WaitForItems(TimeSpan spin)
    {
        var until = Stopwatch.GetTimestamp() + (long)(spin.TotalSeconds * Stopwatch.Frequency);
        var spinner = default(SpinWait);

        // Read without the lock: a stale count only makes the thread spin once more, or block as it would have anyway.
        while (_items.Count == 0 && !Volatile.Read(ref _completed) && Stopwatch.GetTimestamp() < until)
        {
            spinner.SpinOnce(sleep1Threshold: -1); // spins, then yields; never sleeps a whole millisecond
        }

        return WaitForItems();
    }

    /// <summary>Blocks until items are queued; false once the queue is completed and empty.</summary>
    public bool WaitForItems()
    {
        lock (_items)
        {
            while (_items.Count == 0)
            {
                if (_completed)
                {
                    return false;
                }

                Monitor.Wait(_items);
            }

            return true;
        }
    }

    /// <summary>Moves up to <paramref name="max"/> queued items into <paramref name="batch"/>, without waiting.</summary>
    public void TakeBatch(List<T> batch, int max)
    {
        lock (_items)
        {
            while (batch.Count < max && _items.TryDequeue(out var item))
            {
                batch.Add(item);
            }
        }
    }

    /// <summary>Blocks until an item is queued and takes it; false once the queue is completed and empty.</summary>
    public bool TryTake(out T item)
    {
        lock (_items)
        {
            while (!_items.TryDequeue(out item!))
            {
                if (_completed)
                {
                    return false;
                }

                Monitor.Wait(_items);
            }

            return true;
        }
    }
}
