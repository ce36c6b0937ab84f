using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServerSessions;

/// <summary>
/// Keeps sessions in this process's memory: bounded in sessions and bytes, and expiry-aware (expired sessions are never
/// returned and are swept in the background). When full it evicts sessions stored once and not used since before
/// those that came back, least recently used first, so a flood of new sessions cannot push returning visitors out.
/// Sessions are lost when the process ends; use it for tests, development and single-instance apps that can afford that.
/// It keeps an index of each signed-in user's sessions too (<see cref="IServerSessionIndexStore"/>), bounded by
/// <see cref="MemorySessionStoreOptions.MaxSessions"/> entries in all and 1,000 per user.
/// </summary>
public sealed class MemorySessionStore : IServerSessionIndexStore, IDisposable
{
    private const int SweepChunk = 1024;
    private readonly MemorySessionTable _table = new();
    private readonly SegmentedLru _eviction;
    private readonly Lock _lock = new();
    private readonly int _maxSessions;
    private readonly long _maxBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;
    private readonly MemorySessionIndex _index;
    private readonly SessionMetrics? _metrics;
    private long _evictions;

    /// <summary>Creates a store.</summary>
    /// <param name="options">Bounds and sweep interval.</param>
    /// <param name="timeProvider">The clock that decides expiry; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where evictions are reported.</param>
    public MemorySessionStore(MemorySessionStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<MemorySessionStore>? logger = null)
        : this(options, timeProvider, logger, null)
    {
    }

    // AddServerSessions' store: its size and evictions are reported on the app's meter. One created by hand reports neither.
    internal MemorySessionStore(MemorySessionStoreOptions? options, TimeProvider? timeProvider, ILogger<MemorySessionStore>? logger, SessionMetrics? metrics)
    {
        options ??= new MemorySessionStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSessions, 1, "Session:Memory:MaxSessions");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, MemorySessionStoreOptions.MinMaxBytes, "Session:Memory:MaxBytes");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.SweepInterval, TimeSpan.Zero, "Session:Memory:SweepInterval");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SweepInterval, ServerSessionOptionsValidator.MaxWait, "Session:Memory:SweepInterval");
        _maxSessions = options.MaxSessions;
        _maxBytes = options.MaxBytes;
        _eviction = new SegmentedLru(_table, _maxSessions, _maxBytes);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _index = new MemorySessionIndex(_maxSessions, Holds);
        _metrics = metrics;
        metrics?.Observe(this);
        _sweeper = _time.CreateTimer(static state => ((MemorySessionStore)state!).SweepExpired(), this, options.SweepInterval, options.SweepInterval);
    }

    /// <summary>How many sessions were evicted because the store was full (of sessions or of bytes).</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>How many sessions the store holds, expired ones not yet swept included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _table.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var now = Now();
        lock (_lock)
        {
            var slot = _table.Find(id);
            if (slot == MemorySessionTable.None)
            {
                return ValueTask.FromResult<SessionRecord?>(null);
            }

            var expires = _table.ExpiresUnixMs(slot);
            if (expires <= now)
            {
                _table.Remove(slot);
                return ValueTask.FromResult<SessionRecord?>(null);
            }

            _eviction.Used(slot);
            return ValueTask.FromResult<SessionRecord?>(new SessionRecord(_table.Payload(slot), DateTimeOffset.FromUnixTimeMilliseconds(expires)));
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
        long evictions = 0;
        int evicted;
        lock (_lock)
        {
            var slot = _table.Set(id, payload, expires, out var created);
            if (!created)
            {
                _eviction.Used(slot);
            }

            evicted = _eviction.EvictOverflow(slot);
            if (evicted > 0)
            {
                evictions = Interlocked.Add(ref _evictions, evicted);
            }
        }

        if (evicted > 0)
        {
            _metrics?.Evictions.Add(evicted);
        }

        // Warn on the first eviction and on every thousandth after it: a full store is a sizing problem, not news per
        // request.
        if (evicted > 0 && (evictions == evicted || (evictions - evicted) / 1000 != evictions / 1000))
        {
            _logger.MemoryStoreEvicted(_maxSessions, _maxBytes, evictions);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DestroyAsync(string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var slot = _table.Find(id);
            if (slot != MemorySessionTable.None)
            {
                _table.Remove(slot);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var now = Now();
        lock (_lock)
        {
            var slot = _table.Find(id);
            if (slot == MemorySessionTable.None)
            {
                return ValueTask.FromResult(false);
            }

            if (_table.ExpiresUnixMs(slot) <= now)
            {
                _table.Remove(slot);
                return ValueTask.FromResult(false);
            }

            // Usually the very array this store handed out or was given, so no bytes are compared.
            var stored = _table.Payload(slot);
            if (!payload.Span.SequenceEqual(stored.Span))
            {
                return ValueTask.FromResult(false);
            }

            _table.SetExpiresUnixMs(slot, expires.ToUnixTimeMilliseconds());
            _eviction.Used(slot);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask IndexAsync(string user, string id, SessionIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        _index.Index(user, id, entry, _time.GetUtcNow());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<IndexedSession>> ListAsync(string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return ValueTask.FromResult(_index.List(user, _time.GetUtcNow()));
    }

    /// <inheritdoc />
    public ValueTask RemoveAsync(string user, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        _index.Remove(user, id);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _sweeper.Dispose();

    /// <summary>How many entries the session index keeps, expired ones not yet swept included.</summary>
    internal int IndexCount => _index.Count;

    internal void SweepExpired()
    {
        // Walk the slots in chunks, so that requests wait at most one chunk for the lock. Slots don't move, whatever
        // happens to the recency lists while the lock is released; a session stored meanwhile is new, not expired.
        var now = Now();
        int slotsUsed;
        lock (_lock)
        {
            slotsUsed = _table.SlotsUsed;
        }

        for (var start = 0; start < slotsUsed; start += SweepChunk)
        {
            lock (_lock)
            {
                for (var slot = start; slot < Math.Min(start + SweepChunk, slotsUsed); slot++)
                {
                    if (_table.Holds(slot) && _table.ExpiresUnixMs(slot) <= now)
                    {
                        _table.Remove(slot);
                    }
                }
            }
        }

        _index.SweepExpired(DateTimeOffset.FromUnixTimeMilliseconds(now));
    }

    // Whether an unexpired session of that ID is here: the index's test for a stale entry.
    private bool Holds(string id)
    {
        var now = Now();
        lock (_lock)
        {
            var slot = _table.Find(id);
            return slot != MemorySessionTable.None && _table.ExpiresUnixMs(slot) > now;
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
