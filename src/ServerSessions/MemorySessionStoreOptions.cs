namespace ServerSessions;

/// <summary>Options of <see cref="MemorySessionStore"/>, bound from <c>Session:Memory</c>.</summary>
public sealed class MemorySessionStoreOptions
{
    /// <summary>
    /// The most sessions kept. When full, storing a new session evicts the least recently used one, with a
    /// warning and a count in <see cref="MemorySessionStore.Evictions"/>. Default 100,000.
    /// </summary>
    public int MaxSessions { get; set; } = 100_000;

    /// <summary>How often expired sessions are removed. Default one minute; at most one day.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
