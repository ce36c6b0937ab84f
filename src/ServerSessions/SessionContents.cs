namespace ServerSessions;

/// <summary>
/// A session's contents as a request holds them: its ID, values (raw JSON), creation time and MaxAge, and how they stand
/// against the store, express's <c>isModified</c> and <c>isSaved</c> kept as counts of changes rather than hashes.
/// </summary>
/// <remarks>A struct, held in one field of <see cref="SessionLifecycle"/> and never copied, so a request allocates nothing for it.</remarks>
internal struct SessionContents
{
    private TimeSpan? _maxAgeOverride; // MaxAge set for this session: Zero for a browser-session cookie; null: the options'
    private int _changes;              // since loaded or started
    private int? _savedChanges;        // the changes the store holds: saved when equal to _changes; null when it holds none

    public string Id { get; private set; }

    /// <summary>The values, or <see langword="null"/> until the session is loaded or started.</summary>
    public Dictionary<string, byte[]>? Values { get; private set; }

    public long CreatedUnixMs { get; private set; }

    /// <summary>Whether the session was found in the store (rather than started by this request).</summary>
    public bool FromStore { get; private set; }

    /// <summary>Changed since loaded or started (express's <c>isModified</c>).</summary>
    public readonly bool IsModified => _changes > 0;

    /// <summary>The store holds exactly this state (express's <c>isSaved</c>).</summary>
    public readonly bool IsSaved => _savedChanges == _changes;

    /// <summary>Loaded with Resave off, or saved (express's <c>savedHash</c>).</summary>
    public readonly bool HasSavedState => _savedChanges is not null;

    /// <summary>The stored form of <see cref="ServerSession.MaxAge"/>: milliseconds, 0 for a browser-session cookie, null when not set.</summary>
    public readonly long? MaxAgeMs => _maxAgeOverride is { } set ? (long)set.TotalMilliseconds : null;

    public readonly TimeSpan? MaxAge(ServerSessionOptions options) =>
        _maxAgeOverride is { } set ? (set == TimeSpan.Zero ? null : set) : options.Cookie.MaxAge;

    /// <summary>Starts a new, empty session.</summary>
    public void StartNew(DateTimeOffset now)
    {
        Id = SessionIds.New();
        Values = [];
        CreatedUnixMs = now.ToUnixTimeMilliseconds();
        _maxAgeOverride = null;
        FromStore = false;
        _changes = 0;
        _savedChanges = null;
    }

    /// <summary>Takes the stored session <paramref name="id"/>: unchanged, and saved unless <paramref name="resave"/>.</summary>
    public void Load(string id, SessionPayload payload, DateTimeOffset now, bool resave)
    {
        Id = id;
        Apply(payload, now);
        FromStore = true;
        Reloaded(resave);
    }

    /// <summary>Takes the stored values, creation time and MaxAge, keeping the ID and the change counts.</summary>
    public void Apply(SessionPayload payload, DateTimeOffset now)
    {
        Values = payload.Values;
        CreatedUnixMs = payload.CreatedUnixMs > 0 ? payload.CreatedUnixMs : now.ToUnixTimeMilliseconds();
        _maxAgeOverride = payload.MaxAgeMs is { } ms ? (ms > 0 ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero) : null;
    }

    /// <summary>Unchanged since read from the store, and saved unless <paramref name="resave"/>.</summary>
    public void Reloaded(bool resave)
    {
        _changes = 0;
        _savedChanges = resave ? null : 0;
    }

    /// <summary>Gives the session a new ID and creation time (and no values when <paramref name="clearData"/>); nothing of it is stored.</summary>
    public void Regenerate(DateTimeOffset now, bool clearData)
    {
        Id = SessionIds.New();
        CreatedUnixMs = now.ToUnixTimeMilliseconds();
        if (clearData)
        {
            Values = [];
        }

        Unstored();
        _changes++;
    }

    /// <summary>Sets a value; returns whether it changed.</summary>
    public bool Set(string key, byte[] json)
    {
        if (Values!.TryGetValue(key, out var existing) && existing.AsSpan().SequenceEqual(json))
        {
            return false;
        }

        Values[key] = json;
        _changes++;
        return true;
    }

    /// <summary>Removes a value; returns whether there was one.</summary>
    public bool Remove(string key)
    {
        if (!Values!.Remove(key))
        {
            return false;
        }

        _changes++;
        return true;
    }

    /// <summary>Removes every value.</summary>
    public void Clear()
    {
        if (Values!.Count > 0)
        {
            Values.Clear();
            _changes++;
        }
    }

    /// <summary>Sets MaxAge; returns whether it changed.</summary>
    public bool SetMaxAge(TimeSpan? value)
    {
        var encoded = value ?? TimeSpan.Zero;
        if (_maxAgeOverride == encoded)
        {
            return false;
        }

        _maxAgeOverride = encoded;
        _changes++;
        return true;
    }

    /// <summary>The store now holds exactly this state.</summary>
    public void Saved() => _savedChanges = _changes;

    /// <summary>The store no longer holds this session.</summary>
    public void Unstored() => _savedChanges = null;

    public readonly byte[] Serialize() => SessionPayload.Serialize(Values!, CreatedUnixMs, MaxAgeMs);
}
