using static ServerSessions.MemorySessionTable;

namespace ServerSessions;

/// <summary>
/// The memory store's eviction policy, a segmented LRU in the spirit of Caffeine's: a session stored new waits on
/// probation and is promoted to the protected segment when it is used again (read, saved or touched), so a flood of
/// one-time sessions, such as every cookie-less request of a crawler or an attack, only ever pushes out other one-time
/// sessions. Protected keeps at most <see cref="ProtectedShare"/> of the store's sessions and bytes, its least recently
/// used session going back to probation's front; eviction takes probation's least recently used session first and
/// protected's only when probation is empty. Every operation is O(1) (a demotion or eviction per session that came in).
/// </summary>
internal sealed class SegmentedLru
{
    /// <summary>
    /// Caffeine's share. The rest stays for probation, so that a new session survives at least a fifth of the store's
    /// size in later new sessions before it is evicted: long enough for a real visitor's second request.
    /// </summary>
    public const double ProtectedShare = 0.8;

    private readonly MemorySessionTable _table;
    private readonly int _maxSessions;
    private readonly long _maxBytes;
    private readonly int _maxProtectedSessions;
    private readonly long _maxProtectedBytes;

    public SegmentedLru(MemorySessionTable table, int maxSessions, long maxBytes)
    {
        _table = table;
        _maxSessions = maxSessions;
        _maxBytes = maxBytes;
        _maxProtectedSessions = Math.Max(1, (int)(maxSessions * ProtectedShare));
        _maxProtectedBytes = (long)(maxBytes * ProtectedShare);
    }

    /// <summary>Counts a use of a session already stored: it becomes protected's most recently used.</summary>
    public void Used(int slot)
    {
        _table.MoveToNewest(slot, Segment.Protected);
        while (_table.CountOf(Segment.Protected) > 1
            && (_table.CountOf(Segment.Protected) > _maxProtectedSessions || _table.BytesOf(Segment.Protected) > _maxProtectedBytes))
        {
            _table.MoveToNewest(_table.Oldest(Segment.Protected), Segment.Probation);
        }
    }

    /// <summary>
    /// Evicts sessions until the store is within its bounds again, never <paramref name="kept"/> (the session just
    /// stored); returns how many.
    /// </summary>
    public int EvictOverflow(int kept)
    {
        var evicted = 0;
        while (_table.Count > _maxSessions || _table.Bytes > _maxBytes)
        {
            var victim = _table.Oldest(Segment.Probation);
            if (victim == None || victim == kept)
            {
                victim = _table.Oldest(Segment.Protected);
            }

            if (victim == None || victim == kept)
            {
                break;
            }

            _table.Remove(victim);
            evicted++;
        }

        return evicted;
    }
}
