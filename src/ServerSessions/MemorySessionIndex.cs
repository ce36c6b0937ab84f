namespace ServerSessions;

/// <summary>
/// The memory store's index of users' sessions (<see cref="IServerSessionIndexStore"/>): per user, one entry per session.
/// Bounded twice: at most <see cref="MaxPerUser"/> entries per user, and at most as many entries in all as the store
/// holds sessions (<see cref="MemorySessionStoreOptions.MaxSessions"/>), since an entry whose session is gone is only a
/// stale candidate. A user's full index drops its expired entries and those whose session the store no longer holds,
/// and refuses a new entry while all are live (dropping one would hide a live session from "sign out everywhere"); a full index drops
/// every expired entry and every entry whose session the store no longer holds, then the least recently seen one. The
/// store's sweep deletes expired entries too. Thread-safe: one lock, never held while the store's is asked for.
/// </summary>
internal sealed class MemorySessionIndex
{
    /// <summary>The most entries one user keeps: far more sessions than a person uses, few enough to scan when full.</summary>
    public const int MaxPerUser = 1000;

    private readonly Dictionary<string, Dictionary<string, SessionIndexEntry>> _users = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly Func<string, bool> _holds;
    private int _count;

    /// <param name="capacity">The most entries in all.</param>
    /// <param name="holds">Whether the store still holds an unexpired session of that ID.</param>
    public MemorySessionIndex(int capacity, Func<string, bool> holds)
    {
        _capacity = capacity;
        _holds = holds;
    }

    /// <summary>How many entries the index keeps, expired ones not yet deleted included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public void Index(string user, string id, SessionIndexEntry entry, DateTimeOffset now)
    {
        if (UserIsFull(user, id))
        {
            // Only entries whose session is gone may go (asked of the store outside this lock): dropping a live one would
            // hide that session from "sign out everywhere".
            var gone = Snapshot(user).Where(candidate => candidate.Entry.Expires <= now || !_holds(candidate.Id)).ToList();
            lock (_lock)
            {
                foreach (var stale in gone)
                {
                    RemoveLocked(stale);
                }
            }
        }

        if (!TryIndex(user, id, entry, now))
        {
            // Full: the check of which sessions are gone asks the store, under its own lock, so outside this one.
            var candidates = Snapshot();
            var gone = candidates.Where(candidate => candidate.Entry.Expires <= now || !_holds(candidate.Id)).ToList();
            lock (_lock)
            {
                foreach (var stale in gone)
                {
                    RemoveLocked(stale); // unless indexed again meanwhile
                }

                if (_count >= _capacity && !Has(user, id)
                    && candidates.Where(Holds).MinBy(candidate => candidate.Entry.LastSeen) is { User: not null } oldest)
                {
                    RemoveLocked(oldest);
                }

                AddLocked(user, id, entry, now);
            }
        }
    }

    public IReadOnlyList<IndexedSession> List(string user, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_users.TryGetValue(user, out var sessions))
            {
                return [];
            }

            var listed = new List<IndexedSession>(sessions.Count);
            foreach (var (id, entry) in sessions)
            {
                if (entry.Expires > now)
                {
                    listed.Add(new IndexedSession(id, entry));
                }
            }

            return listed;
        }
    }

    public void Remove(string user, string id)
    {
        lock (_lock)
        {
            RemoveLocked(user, id);
        }
    }

    /// <summary>Deletes every expired entry.</summary>
    public void SweepExpired(DateTimeOffset now)
    {
        lock (_lock)
        {
            foreach (var (user, sessions) in _users)
            {
                foreach (var (id, entry) in sessions)
                {
                    if (entry.Expires <= now)
                    {
                        sessions.Remove(id);
                        _count--;
                    }
                }

                if (sessions.Count == 0)
                {
                    _users.Remove(user);
                }
            }
        }
    }

    // False when the index is full and the entry is a new one.
    private bool TryIndex(string user, string id, SessionIndexEntry entry, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_count >= _capacity && !Has(user, id))
            {
                return false;
            }

            AddLocked(user, id, entry, now);
            return true;
        }
    }

    private void AddLocked(string user, string id, SessionIndexEntry entry, DateTimeOffset now)
    {
        if (!_users.TryGetValue(user, out var sessions))
        {
            _users[user] = sessions = new Dictionary<string, SessionIndexEntry>(StringComparer.Ordinal);
        }

        if (!sessions.ContainsKey(id) && sessions.Count >= MaxPerUser)
        {
            throw new InvalidOperationException(
                $"This user already has {MaxPerUser} live sessions in the memory store's index; one more would hide another from " +
                "\"sign out everywhere\". End some of the user's sessions first.");
        }

        if (sessions.TryAdd(id, entry))
        {
            _count++;
        }
        else
        {
            sessions[id] = entry;
        }
    }

    private bool UserIsFull(string user, string id)
    {
        lock (_lock)
        {
            return _users.TryGetValue(user, out var sessions) && sessions.Count >= MaxPerUser && !sessions.ContainsKey(id);
        }
    }

    private bool Has(string user, string id) => _users.TryGetValue(user, out var sessions) && sessions.ContainsKey(id);

    private bool Holds((string User, string Id, SessionIndexEntry Entry) candidate) =>
        _users.TryGetValue(candidate.User, out var sessions) && sessions.TryGetValue(candidate.Id, out var entry) && entry == candidate.Entry;

    private void RemoveLocked((string User, string Id, SessionIndexEntry Entry) candidate)
    {
        if (Holds(candidate))
        {
            RemoveLocked(candidate.User, candidate.Id);
        }
    }

    private void RemoveLocked(string user, string id)
    {
        if (_users.TryGetValue(user, out var sessions) && sessions.Remove(id))
        {
            _count--;
            if (sessions.Count == 0)
            {
                _users.Remove(user);
            }
        }
    }

    private List<(string User, string Id, SessionIndexEntry Entry)> Snapshot(string? only = null)
    {
        lock (_lock)
        {
            var all = new List<(string, string, SessionIndexEntry)>(only is null ? _count : MaxPerUser);
            foreach (var (user, sessions) in _users)
            {
                if (only is not null && user != only)
                {
                    continue;
                }

                foreach (var (id, entry) in sessions)
                {
                    all.Add((user, id, entry));
                }
            }

            return all;
        }
    }
}
