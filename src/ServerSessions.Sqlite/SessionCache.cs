namespace ServerSessions.Sqlite;

/// <summary>
/// The sessions read or written lately, kept in memory so that a read costs no SQLite query. Coherent because the
/// store owns its database (no other process writes it) and every write goes through the one writer, which applies
/// its batch here right after the batch commits, in the batch's order.
/// </summary>
/// <remarks>
/// Bounded to about <c>capacity</c> entries in two generations: entries go into the current one; when it holds half
/// the capacity it becomes the previous one and the older previous one is dropped, so the least recently used go first
/// without per-entry bookkeeping. A read that finds an entry in the previous generation moves it to the current one.
/// </remarks>
internal sealed class SessionCache
{
    private readonly Lock _lock = new();
    private readonly int _generationSize;
    private Dictionary<string, SessionRecord> _current;
    private Dictionary<string, SessionRecord> _previous = new(StringComparer.Ordinal);
    private long _commits;

    public SessionCache(int capacity)
    {
        _generationSize = Math.Max(1, capacity / 2);
        _current = new Dictionary<string, SessionRecord>(StringComparer.Ordinal);
    }

    /// <summary>How many batches have been applied; a read that began before one may not fill the cache.</summary>
    public long Commits => Volatile.Read(ref _commits);

    /// <summary>How many sessions are cached.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _current.Count + _previous.Count;
            }
        }
    }

    /// <summary>The cached session <paramref name="id"/>, if it is cached and expires after <paramref name="now"/> (Unix ms).</summary>
    public bool TryGet(string id, long now, out SessionRecord? record)
    {
        lock (_lock)
        {
            if (_current.TryGetValue(id, out var found) || Promote(id, out found))
            {
                if (found.Expires.ToUnixTimeMilliseconds() > now)
                {
                    record = found;
                    return true;
                }

                // Expired: the file's row is as good as gone (and the sweep deletes it), so is this entry.
                _current.Remove(id);
                record = null;
                return true;
            }
        }

        record = null;
        return false;
    }

    /// <summary>
    /// Caches what a read found, unless a batch committed since <paramref name="commitsBefore"/> (read before the read
    /// began): the read may have missed that batch's write of this session, which the cache then already holds.
    /// </summary>
    public void AddRead(string id, SessionRecord record, long commitsBefore)
    {
        lock (_lock)
        {
            if (_commits == commitsBefore && !_current.ContainsKey(id) && !_previous.ContainsKey(id))
            {
                Put(id, record);
            }
        }
    }

    /// <summary>Applies a committed batch, in order: <paramref name="rows"/> holds each write's changed row count.</summary>
    public void Apply(List<WriteOperation> batch, int[] rows)
    {
        lock (_lock)
        {
            _commits++;
            for (var i = 0; i < batch.Count; i++)
            {
                var operation = batch[i];
                switch (operation.Kind)
                {
                    case WriteKind.Set:
                        // Copied: the caller may reuse its buffer once the write has committed.
                        Put(operation.Id!, new SessionRecord(operation.Payload.AsSpan().ToArray(), DateTimeOffset.FromUnixTimeMilliseconds(operation.Value)));
                        break;
                    case WriteKind.Touch when rows[i] > 0 && Find(operation.Id!, out var found):
                        Put(operation.Id!, found with { Expires = DateTimeOffset.FromUnixTimeMilliseconds(operation.Value) });
                        break;
                    case WriteKind.Touch or WriteKind.Destroy:
                        _current.Remove(operation.Id!);
                        _previous.Remove(operation.Id!);
                        break;
                }

                // Sweeps delete expired rows only, which reads of the cache treat as absent (and drop) already.
            }
        }
    }

    private bool Find(string id, out SessionRecord record) => _current.TryGetValue(id, out record) || _previous.TryGetValue(id, out record);

    private bool Promote(string id, out SessionRecord record)
    {
        if (!_previous.Remove(id, out record))
        {
            return false;
        }

        Put(id, record);
        return true;
    }

    private void Put(string id, SessionRecord record)
    {
        _previous.Remove(id);
        _current[id] = record;
        if (_current.Count >= _generationSize)
        {
            _previous = _current;
            _current = new Dictionary<string, SessionRecord>(Math.Min(_generationSize, 1024), StringComparer.Ordinal);
        }
    }
}
