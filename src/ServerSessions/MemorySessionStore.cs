using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServerSessions;

/// <summary>
/// Keeps sessions in this process's memory: bounded (least recently used evicted first) and expiry-aware (expired
/// sessions are never returned and are swept in the background). Sessions are lost when the process ends; use it for
/// tests, development and single-instance apps that can afford that.
/// </summary>
public sealed class MemorySessionStore : ISessionStore, IDisposable
{
    private const int SweepChunk = 1024;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;
    private Entry? _head; // most recently used
    private Entry? _tail; // least recently used
    private long _evictions;

    /// <summary>Creates a store.</summary>
    /// <param name="options">Capacity and sweep interval.</param>
    /// <param name="timeProvider">The clock that decides expiry; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where evictions are reported.</param>
    public MemorySessionStore(MemorySessionStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<MemorySessionStore>? logger = null)
    {
        options ??= new MemorySessionStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSessions, 1, "Session:Memory:MaxSessions");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.SweepInterval, TimeSpan.Zero, "Session:Memory:SweepInterval");
        _capacity = options.MaxSessions;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _sweeper = _time.CreateTimer(static state => ((MemorySessionStore)state!).SweepExpired(), this, options.SweepInterval, options.SweepInterval);
    }

    /// <summary>How many sessions were evicted because the store was full.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>How many sessions the store holds, expired ones not yet swept included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var now = Now();
        lock (_lock)
        {
            if (!_entries.TryGetValue(id, out var entry))
            {
                return ValueTask.FromResult<SessionRecord?>(null);
            }

            if (entry.ExpiresUnixMs <= now)
            {
                Remove(entry);
                return ValueTask.FromResult<SessionRecord?>(null);
            }

            MoveToFront(entry);
            return ValueTask.FromResult<SessionRecord?>(new SessionRecord(entry.Payload, DateTimeOffset.FromUnixTimeMilliseconds(entry.ExpiresUnixMs)));
        }
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken)
    {
        // The caller hands over a fresh array per write; copy only what isn't exactly one.
        var payload = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(record.Payload, out var segment)
            && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : record.Payload.ToArray();
        var expires = record.Expires.ToUnixTimeMilliseconds();
        long evicted = 0;
        lock (_lock)
        {
            if (_entries.TryGetValue(id, out var entry))
            {
                entry.Payload = payload;
                entry.ExpiresUnixMs = expires;
                MoveToFront(entry);
            }
            else
            {
                entry = new Entry(id, payload, expires);
                _entries.Add(id, entry);
                AddToFront(entry);
                if (_entries.Count > _capacity)
                {
                    Remove(_tail!);
                    evicted = Interlocked.Increment(ref _evictions);
                }
            }
        }

        // Warn on the first eviction and every thousandth after it: a full store is a sizing problem, not news per request.
        if (evicted == 1 || (evicted > 0 && evicted % 1000 == 0))
        {
            _logger.MemoryStoreEvicted(_capacity, evicted);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DestroyAsync(string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(id, out var entry))
            {
                Remove(entry);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TouchAsync(string id, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var now = Now();
        lock (_lock)
        {
            if (_entries.TryGetValue(id, out var entry))
            {
                if (entry.ExpiresUnixMs <= now)
                {
                    Remove(entry);
                }
                else
                {
                    entry.ExpiresUnixMs = expires.ToUnixTimeMilliseconds();
                    MoveToFront(entry);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _sweeper.Dispose();

    internal void SweepExpired()
    {
        // Walk from the least recently used end in chunks, so requests wait at most one chunk for the lock.
        var now = Now();
        Entry? cursor;
        lock (_lock)
        {
            cursor = _tail;
        }

        while (cursor is not null)
        {
            lock (_lock)
            {
                for (var i = 0; i < SweepChunk && cursor is not null; i++)
                {
                    var previous = cursor.Previous;
                    if (cursor.Linked && cursor.ExpiresUnixMs <= now)
                    {
                        Remove(cursor);
                    }

                    cursor = previous;
                }

                // An entry moved to the front while we were unlocked would send the walk back to the head; stop there.
                if (cursor is not null && !cursor.Linked)
                {
                    cursor = null;
                }
            }
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void AddToFront(Entry entry)
    {
        entry.Previous = null;
        entry.Next = _head;
        _head?.Previous = entry;
        _head = entry;
        _tail ??= entry;
        entry.Linked = true;
    }

    private void MoveToFront(Entry entry)
    {
        if (ReferenceEquals(entry, _head))
        {
            return;
        }

        Unlink(entry);
        AddToFront(entry);
    }

    private void Remove(Entry entry)
    {
        _entries.Remove(entry.Id);
        Unlink(entry);
    }

    private void Unlink(Entry entry)
    {
        if (entry.Previous is null)
        {
            _head = entry.Next;
        }
        else
        {
            entry.Previous.Next = entry.Next;
        }

        if (entry.Next is null)
        {
            _tail = entry.Previous;
        }
        else
        {
            entry.Next.Previous = entry.Previous;
        }

        entry.Previous = null;
        entry.Next = null;
        entry.Linked = false;
    }

    private sealed class Entry(string id, byte[] payload, long expiresUnixMs)
    {
        public string Id { get; } = id;

        public byte[] Payload { get; set; } = payload;

        public long ExpiresUnixMs { get; set; } = expiresUnixMs;

        public Entry? Previous { get; set; }

        public Entry? Next { get; set; }

        public bool Linked { get; set; }
    }
}
