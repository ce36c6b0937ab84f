namespace ServerSessions;

/// <summary>Options of <see cref="MemorySessionStore"/>, bound from <c>Session:Memory</c>.</summary>
public sealed class MemorySessionStoreOptions
{
    // The smallest MaxBytes accepted: below it the store would hold only a few of the largest sessions.
    internal const long MinMaxBytes = 1L << 20;

    /// <summary>
    /// The most sessions kept. When full, storing a new session evicts one: sessions stored once and not used since
    /// first, least recently used first, then those that came back, so a flood of new sessions cannot push returning
    /// visitors out. Each eviction is counted in <see cref="MemorySessionStore.Evictions"/>, with a warning on the first
    /// and every thousandth. Default 100,000.
    /// </summary>
    public int MaxSessions { get; set; } = 100_000;

    /// <summary>
    /// The most bytes kept: each session's payload plus about 96 bytes of the store's own per session. Evicts like
    /// <see cref="MaxSessions"/>; the smaller bound wins. Default a quarter of the memory the garbage collector may use
    /// (the machine's, or the container's limit), at most 1 GiB: enough for the default 100,000 sessions at up to
    /// 10 KiB each (a typical session is under 200 bytes), while 100,000 sessions at the largest allowed size (64 KiB)
    /// would otherwise take 6.4 GB. At least 1 MiB.
    /// </summary>
    public long MaxBytes { get; set; } = Math.Clamp(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4, MinMaxBytes, 1L << 30);

    /// <summary>How often expired sessions are removed. Default one minute.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
