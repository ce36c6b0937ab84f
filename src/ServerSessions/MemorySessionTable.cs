using System.Runtime.InteropServices;

namespace ServerSessions;

/// <summary>
/// The memory store's sessions, laid out for size: a hash table and a least-recently-used list in one array of
/// structs, with the payload array as the only object per session. A session costs its slot (56 bytes), a bucket
/// (4 to 8 bytes) and its payload: about half of what a dictionary of strings to entry objects cost (bench/RESULTS.md).
/// Not thread-safe: <see cref="MemorySessionStore"/> locks around every call. Slot numbers stay valid until the slot is
/// removed; <see cref="None"/> means no slot.
/// </summary>
internal sealed class MemorySessionTable
{
    public const int None = -1;

    // Slots live in fixed chunks (4096 × 56 bytes, on the large object heap), so growing never copies them, never
    // leaves an old array behind for the GC, and wastes at most one partly used chunk.
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;
    private const int WellFormed = -1;

    private Slot[][] _chunks = [];
    // Chains hold slot + 1, so that 0, a new array's value, is the end of a chain.
    private int[] _buckets = new int[16];
    private int _slotsUsed; // slots ever handed out; those below it and not free hold a session
    private int _free;      // removed slots (+ 1), chained through Next
    private int _newest = None;
    private int _oldest = None;

    public int Count { get; private set; }

    /// <summary>The least recently used session's slot.</summary>
    public int Oldest => _oldest;

    /// <summary>The slot of <paramref name="id"/>'s session, or <see cref="None"/>.</summary>
    public int Find(string id)
    {
        var wellFormed = SessionKey.TryParse(id, out var key);
        var otherId = wellFormed ? default : OtherIdBytes(id, out key);
        return Find(key, wellFormed, otherId);
    }

    /// <summary>Creates or replaces a session and makes it the most recently used; true when it was created.</summary>
    public bool Set(string id, byte[] payload, long expiresUnixMs)
    {
        var wellFormed = SessionKey.TryParse(id, out var key);
        var otherId = wellFormed ? default : OtherIdBytes(id, out key);
        var slot = Find(key, wellFormed, otherId);
        var stored = wellFormed ? payload : [.. otherId, .. payload];
        if (slot != None)
        {
            ref var existing = ref At(slot);
            existing.Payload = stored;
            existing.ExpiresUnixMs = expiresUnixMs;
            MoveToNewest(slot);
            return false;
        }

        slot = Allocate();
        ref var added = ref At(slot);
        added.Key = key;
        added.Payload = stored;
        added.ExpiresUnixMs = expiresUnixMs;
        added.OtherIdBytes = wellFormed ? WellFormed : otherId.Length;
        ref var bucket = ref _buckets[Bucket(key, _buckets.Length)];
        added.Next = bucket;
        bucket = slot + 1;
        LinkNewest(slot);
        if (++Count > _buckets.Length)
        {
            Rehash(_buckets.Length * 2);
        }

        return true;
    }

    /// <summary>Whether <paramref name="slot"/> holds a session (rather than having been removed).</summary>
    public bool Holds(int slot) => At(slot).Payload is not null;

    public long ExpiresUnixMs(int slot) => At(slot).ExpiresUnixMs;

    public void SetExpiresUnixMs(int slot, long expiresUnixMs) => At(slot).ExpiresUnixMs = expiresUnixMs;

    /// <summary>The stored payload, without the ID that a not well-formed ID's session keeps ahead of it.</summary>
    public ReadOnlyMemory<byte> Payload(int slot)
    {
        ref var entry = ref At(slot);
        return entry.OtherIdBytes == WellFormed ? entry.Payload : entry.Payload.AsMemory(entry.OtherIdBytes);
    }

    /// <summary>The next more recently used session's slot, or <see cref="None"/>.</summary>
    public int Newer(int slot) => At(slot).Newer;

    public void MoveToNewest(int slot)
    {
        if (slot != _newest)
        {
            Unlink(slot);
            LinkNewest(slot);
        }
    }

    public void Remove(int slot)
    {
        ref var entry = ref At(slot);
        ref var link = ref _buckets[Bucket(entry.Key, _buckets.Length)];
        while (link != slot + 1)
        {
            link = ref At(link - 1).Next;
        }

        link = entry.Next;
        Unlink(slot);
        entry = default;
        entry.Next = _free;
        _free = slot + 1;
        Count--;
    }

    // Any other string is keyed by a hash of its UTF-16 code units (exact even for lone surrogates), which are kept ahead
    // of the payload in the same array and compared on lookup: such IDs cost more, and only come from custom callers.
    private static ReadOnlySpan<byte> OtherIdBytes(string id, out SessionKey key)
    {
        var bytes = MemoryMarshal.AsBytes(id.AsSpan());
        var hash = new HashCode();
        hash.AddBytes(bytes);
        key = new SessionKey((uint)hash.ToHashCode(), (ulong)bytes.Length, 0);
        return bytes;
    }

    private static int Bucket(SessionKey key, int buckets) => key.GetHashCode() & (buckets - 1);

    private int Find(SessionKey key, bool wellFormed, ReadOnlySpan<byte> otherId)
    {
        for (var slot = _buckets[Bucket(key, _buckets.Length)] - 1; slot != None; slot = At(slot).Next - 1)
        {
            ref var entry = ref At(slot);
            if (entry.Key.Equals(key)
                && (wellFormed
                    ? entry.OtherIdBytes == WellFormed
                    : entry.OtherIdBytes == otherId.Length && entry.Payload.AsSpan(0, otherId.Length).SequenceEqual(otherId)))
            {
                return slot;
            }
        }

        return None;
    }

    private ref Slot At(int slot) => ref _chunks[slot >> ChunkBits][slot & (ChunkSize - 1)];

    private int Allocate()
    {
        if (_free != 0)
        {
            var reused = _free - 1;
            _free = At(reused).Next;
            return reused;
        }

        var chunk = _slotsUsed >> ChunkBits;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        }

        _chunks[chunk] ??= new Slot[ChunkSize];
        return _slotsUsed++;
    }

    private void Rehash(int buckets)
    {
        var rehashed = new int[buckets];
        for (var slot = 0; slot < _slotsUsed; slot++)
        {
            ref var entry = ref At(slot);
            if (entry.Payload is not null)
            {
                ref var bucket = ref rehashed[Bucket(entry.Key, buckets)];
                entry.Next = bucket;
                bucket = slot + 1;
            }
        }

        _buckets = rehashed;
    }

    private void LinkNewest(int slot)
    {
        ref var entry = ref At(slot);
        entry.Older = _newest;
        entry.Newer = None;
        if (_newest != None)
        {
            At(_newest).Newer = slot;
        }

        _newest = slot;
        if (_oldest == None)
        {
            _oldest = slot;
        }
    }

    private void Unlink(int slot)
    {
        ref var entry = ref At(slot);
        if (entry.Newer == None)
        {
            _newest = entry.Older;
        }
        else
        {
            At(entry.Newer).Older = entry.Older;
        }

        if (entry.Older == None)
        {
            _oldest = entry.Newer;
        }
        else
        {
            At(entry.Older).Newer = entry.Newer;
        }
    }

    [StructLayout(LayoutKind.Auto)]
    private struct Slot
    {
        public SessionKey Key;
        public byte[]? Payload;   // null in a free slot
        public long ExpiresUnixMs;
        public int Newer;
        public int Older;
        public int Next;          // the next slot + 1 in the bucket's chain (or in the free list); 0 at the end
        public int OtherIdBytes;  // WellFormed, or how many bytes of the ID precede the payload
    }
}
