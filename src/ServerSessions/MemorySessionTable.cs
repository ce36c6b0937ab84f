using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ServerSessions;

/// <summary>
/// The memory store's sessions, laid out for size: a hash table and two recency lists (the segments that
/// <see cref="SegmentedLru"/> moves sessions between) in one array of structs, with the payload array as the only
/// object per session. A session costs its slot (56 bytes), a bucket (4 to 8 bytes) and its payload array (24 bytes of
/// header, the payload rounded up to 8): <see cref="EntryOverhead"/> is that sum without the payload. Not thread-safe:
/// <see cref="MemorySessionStore"/> locks around every call. Slot numbers stay valid until the slot is removed;
/// <see cref="None"/> means no slot.
/// </summary>
internal sealed class MemorySessionTable
{
    public const int None = -1;

    /// <summary>
    /// Bytes a session costs beyond its payload's length: slot 56, bucket up to 8, array header 24, padding up to 7.
    /// Measured at 87 (bench/RESULTS.md); the worst case is counted, so the byte budget errs on the side of memory.
    /// </summary>
    public const int EntryOverhead = 96;

    // Slots live in fixed chunks (4096 × 56 bytes, on the large object heap), so growing never copies them, never
    // leaves an old array behind for the GC, and wastes at most one partly used chunk.
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;
    private const int OtherIdLengthBytes = sizeof(int);

    private Slot[][] _chunks = [];
    // Chains hold slot + 1, so that 0, a new array's value, is the end of a chain.
    private int[] _buckets = new int[16];
    private int _free;      // removed slots (+ 1), chained through Next
    private readonly SegmentList[] _segments = [new(), new()];

    /// <summary>The recency list a session is in.</summary>
    public enum Segment : byte
    {
        /// <summary>Stored new and not used since.</summary>
        Probation,

        /// <summary>Used again after it was stored.</summary>
        Protected,
    }

    public int Count { get; private set; }

    /// <summary>Payload bytes plus <see cref="EntryOverhead"/> per session, over all sessions.</summary>
    public long Bytes => _segments[0].Bytes + _segments[1].Bytes;

    /// <summary>Slots ever handed out: every session's slot is below it.</summary>
    public int SlotsUsed { get; private set; }

    public int CountOf(Segment segment) => _segments[(int)segment].Count;

    public long BytesOf(Segment segment) => _segments[(int)segment].Bytes;

    /// <summary>The least recently used session's slot in <paramref name="segment"/>, or <see cref="None"/>.</summary>
    public int Oldest(Segment segment) => _segments[(int)segment].Oldest;

    /// <summary>The slot of <paramref name="id"/>'s session, or <see cref="None"/>.</summary>
    public int Find(string id)
    {
        var wellFormed = SessionKey.TryParse(id, out var key);
        var otherId = wellFormed ? default : OtherIdBytes(id, out key);
        return Find(key, wellFormed, otherId);
    }

    /// <summary>
    /// Creates or replaces a session and returns its slot. A created one is the newest on probation; a replaced one
    /// keeps its place, for the caller to count the use.
    /// </summary>
    public int Set(string id, byte[] payload, long expiresUnixMs, out bool created)
    {
        var wellFormed = SessionKey.TryParse(id, out var key);
        var otherId = wellFormed ? default : OtherIdBytes(id, out key);
        var slot = Find(key, wellFormed, otherId);
        var stored = wellFormed ? payload : WithOtherId(otherId, payload);
        created = slot == None;
        if (!created)
        {
            ref var existing = ref At(slot);
            _segments[(int)existing.Segment].Bytes += stored.Length - existing.Payload!.Length;
            existing.Payload = stored;
            existing.ExpiresUnixMs = expiresUnixMs;
            return slot;
        }

        slot = Allocate();
        ref var added = ref At(slot);
        added.Key = key;
        added.Payload = stored;
        added.ExpiresUnixMs = expiresUnixMs;
        added.OtherId = !wellFormed;
        ref var bucket = ref _buckets[Bucket(key, _buckets.Length)];
        added.Next = bucket;
        bucket = slot + 1;
        LinkNewest(slot, Segment.Probation);
        if (++Count > _buckets.Length)
        {
            Rehash(_buckets.Length * 2);
        }

        return slot;
    }

    /// <summary>Whether <paramref name="slot"/> holds a session (rather than having been removed).</summary>
    public bool Holds(int slot) => At(slot).Payload is not null;

    public long ExpiresUnixMs(int slot) => At(slot).ExpiresUnixMs;

    public void SetExpiresUnixMs(int slot, long expiresUnixMs) => At(slot).ExpiresUnixMs = expiresUnixMs;

    /// <summary>The stored payload, without the ID that a not well-formed ID's session keeps ahead of it.</summary>
    public ReadOnlyMemory<byte> Payload(int slot)
    {
        ref var entry = ref At(slot);
        return entry.OtherId ? entry.Payload.AsMemory(OtherIdLengthBytes + OtherIdLength(entry.Payload!)) : entry.Payload;
    }

    /// <summary>Makes <paramref name="slot"/> the most recently used session of <paramref name="segment"/>.</summary>
    public void MoveToNewest(int slot, Segment segment)
    {
        if (slot != _segments[(int)segment].Newest)
        {
            Unlink(slot);
            LinkNewest(slot, segment);
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
    // of the payload in the same array, after their length, and compared on lookup: such IDs cost more, and only come
    // from custom callers.
    private static ReadOnlySpan<byte> OtherIdBytes(string id, out SessionKey key)
    {
        var bytes = MemoryMarshal.AsBytes(id.AsSpan());
        var hash = new HashCode();
        hash.AddBytes(bytes);
        key = new SessionKey((uint)hash.ToHashCode(), (ulong)bytes.Length, 0);
        return bytes;
    }

    private static byte[] WithOtherId(ReadOnlySpan<byte> otherId, byte[] payload)
    {
        var stored = new byte[OtherIdLengthBytes + otherId.Length + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(stored, otherId.Length);
        otherId.CopyTo(stored.AsSpan(OtherIdLengthBytes));
        payload.CopyTo(stored.AsSpan(OtherIdLengthBytes + otherId.Length));
        return stored;
    }

    private static int OtherIdLength(byte[] stored) => BinaryPrimitives.ReadInt32LittleEndian(stored);

    private static int Bucket(SessionKey key, int buckets) => key.GetHashCode() & (buckets - 1);

    private int Find(SessionKey key, bool wellFormed, ReadOnlySpan<byte> otherId)
    {
        for (var slot = _buckets[Bucket(key, _buckets.Length)] - 1; slot != None; slot = At(slot).Next - 1)
        {
            ref var entry = ref At(slot);
            if (entry.Key.Equals(key)
                && (wellFormed
                    ? !entry.OtherId
                    : entry.OtherId && OtherIdLength(entry.Payload!) == otherId.Length
                        && entry.Payload.AsSpan(OtherIdLengthBytes, otherId.Length).SequenceEqual(otherId)))
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

        var chunk = SlotsUsed >> ChunkBits;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        }

        _chunks[chunk] ??= new Slot[ChunkSize];
        return SlotsUsed++;
    }

    private void Rehash(int buckets)
    {
        var rehashed = new int[buckets];
        for (var slot = 0; slot < SlotsUsed; slot++)
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

    private void LinkNewest(int slot, Segment segment)
    {
        ref var entry = ref At(slot);
        var list = _segments[(int)segment];
        entry.Segment = segment;
        entry.Older = list.Newest;
        entry.Newer = None;
        if (list.Newest != None)
        {
            At(list.Newest).Newer = slot;
        }

        list.Newest = slot;
        if (list.Oldest == None)
        {
            list.Oldest = slot;
        }

        list.Count++;
        list.Bytes += entry.Payload!.Length + EntryOverhead;
    }

    private void Unlink(int slot)
    {
        ref var entry = ref At(slot);
        var list = _segments[(int)entry.Segment];
        if (entry.Newer == None)
        {
            list.Newest = entry.Older;
        }
        else
        {
            At(entry.Newer).Older = entry.Older;
        }

        if (entry.Older == None)
        {
            list.Oldest = entry.Newer;
        }
        else
        {
            At(entry.Older).Newer = entry.Newer;
        }

        list.Count--;
        list.Bytes -= entry.Payload!.Length + EntryOverhead;
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
        public bool OtherId;      // the ID is not well-formed: its length and bytes precede the payload
        public Segment Segment;
    }

    private sealed class SegmentList
    {
        public int Newest = None;
        public int Oldest = None;
        public int Count;
        public long Bytes;
    }
}
