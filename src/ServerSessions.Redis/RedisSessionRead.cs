using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// How a session is read from Redis: its value and the time its key has left, written together as two plain commands
/// (one round trip), turned into a record whose expiry is the store's now plus that time.
/// </summary>
internal sealed class RedisSessionRead(ConnectRedisLayout layout, TimeProvider time)
{
    // Two plain commands written together: a script doing the same costs Redis several times as much. The value before
    // the time left: a key that expires or goes in between reads as missing; one created in between is not seen. The
    // typed PTTL, not an ad-hoc one: after a command it does not know, the client sends SELECT again before the next
    // one, a command more per load.
    public static (Task<RedisValue> Reading, Task<TimeSpan?> Remaining) Queue(IBatch batch, RedisKey key) =>
        (batch.StringGetAsync(key), batch.KeyTimeToLiveAsync(key));

    // The typed PTTL reports "no key" and "no expiry" alike (null). A value without a time left is rare (a key written
    // without expiry by another app, or one that went between the two commands): Redis is asked which, as PTTL's raw
    // reply, as the only load that costs a second round trip.
    public async ValueTask<SessionRecord?> ToRecordAsync(IDatabase database, RedisKey key, RedisValue value, TimeSpan? left, CancellationToken cancellationToken)
    {
        if (value.IsNull)
        {
            return null;
        }

        var remainingMs = left is { } timeLeft
            ? (long)timeLeft.TotalMilliseconds
            : (long)await RedisSessionStore.Bounded(database.ExecuteAsync("PTTL", [key]), cancellationToken);
        return ToRecord((byte[])value!, remainingMs);
    }

    // remainingMs: PTTL's reply, -2 for a key gone, -1 for a key without expiry (never written by this store).
    public SessionRecord? ToRecord(byte[]? value, long remainingMs) => remainingMs switch
    {
        -2 or 0 => null,
        -1 => new SessionRecord(layout.FromStored(value ?? []), DateTimeOffset.MaxValue),
        _ => new SessionRecord(layout.FromStored(value ?? []), ExpiryIn(remainingMs)),
    };

    // Now plus the time left, on the store's clock; a time to live that reaches past the calendar's end (a peer's huge
    // TTL, a clock far behind) is a session that never expires.
    private DateTimeOffset ExpiryIn(long remainingMs)
    {
        var now = time.GetUtcNow();
        return remainingMs < (DateTimeOffset.MaxValue - now).TotalMilliseconds ? now.AddMilliseconds(remainingMs) : DateTimeOffset.MaxValue;
    }
}
