using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ServerSessions;

/// <summary>
/// Keeps sessions in this process's memory: bounded (least recently used evicted first) and expiry-aware (expired
/// sessions are never returned and are swept in the background). Sessions are lost when the process ends; use it for
/// tests, development and single-instance apps that can afford that.
/// </summary>
public sealed class MemorySessionStore : IServerSessionStore, IDisposable
{
    private const int SweepChunk = 1024;
    private readonly MemorySessionTable _table = new();
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;
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

            _table.MoveToNewest(slot);
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
        long evicted = 0;
        lock (_lock)
        {
            if (_table.Set(id, payload, expires) && _table.Count > _capacity)
            {
                _table.Remove(_table.Oldest);
                evicted = Interlocked.Increment(ref _evictions);
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
            _table.MoveToNewest(slot);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sweeper.Dispose();

    internal void SweepExpired()
    {
        // Walk from the least recently used end in chunks, so requests wait at most one chunk for the lock.
        var now = Now();
        int cursor;
        lock (_lock)
        {
            cursor = _table.Oldest;
        }

        while (cursor != MemorySessionTable.None)
        {
            lock (_lock)
            {
                // A slot removed while we were unlocked ends the walk. One removed and reused since holds a newer
                // session, and one moved to the front is the newest: the walk goes on from there and ends sooner.
                if (!_table.Holds(cursor))
                {
                    break;
                }

                for (var i = 0; i < SweepChunk && cursor != MemorySessionTable.None; i++)
                {
                    var newer = _table.Newer(cursor);
                    if (_table.ExpiresUnixMs(cursor) <= now)
                    {
                        _table.Remove(cursor);
                    }

                    cursor = newer;
                }
            }
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
