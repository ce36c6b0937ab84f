using System.Runtime.InteropServices;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// The Redis store's index of users' sessions (<see cref="IServerSessionIndexStore"/>): per user, two keys in one cluster
/// slot, <c>&lt;IndexKeyPrefix&gt;{&lt;user hash&gt;}</c> (a hash: session ID → entry, <see cref="RedisIndexEntryFormat"/>)
/// and <c>&lt;IndexKeyPrefix&gt;{&lt;user hash&gt;}:expires</c> (a sorted set: session ID by expiry in Unix milliseconds).
/// The user hash is the SHA-256 of the user's UTF-16 code units, in hex, so no user name appears in the keyspace and no
/// name, whatever its characters, can reach another user's keys or pick their slot. Writing an entry and removing one are
/// each one script; listing is one <c>HGETALL</c>.
/// </summary>
internal sealed class RedisSessionIndex(string keyPrefix, TimeProvider time)
{
    /// <summary>The key of <paramref name="user"/>'s entries; the sorted set of their expiries is this and <c>:expires</c>.</summary>
    public RedisKey EntriesKey(string user) => keyPrefix + "{" + Hash(user) + "}";

    public async Task IndexAsync(IDatabase database, string user, string id, SessionIndexEntry entry, CancellationToken cancellationToken)
    {
        var entries = EntriesKey(user);
        await RedisSessionStore.Bounded(
            database.ScriptEvaluateAsync(
                RedisScripts.Index,
                [entries, ExpiriesKey(entries)],
                [id, RedisIndexEntryFormat.ToStored(entry), entry.Expires.ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds()]),
            cancellationToken);
    }

    public async Task<IReadOnlyList<IndexedSession>> ListAsync(IDatabase database, string user, CancellationToken cancellationToken)
    {
        var fields = await RedisSessionStore.Bounded(database.HashGetAllAsync(EntriesKey(user)), cancellationToken);
        var now = time.GetUtcNow();
        var listed = new List<IndexedSession>(fields.Length);
        foreach (var field in fields)
        {
            // An entry past its expiry may wait for the next write of the index (or the key's TTL) to be deleted.
            if (RedisIndexEntryFormat.FromStored((byte[])field.Value!) is { } entry && entry.Expires > now)
            {
                listed.Add(new IndexedSession(field.Name!, entry));
            }
        }

        return listed;
    }

    public async Task RemoveAsync(IDatabase database, string user, string id, CancellationToken cancellationToken)
    {
        var entries = EntriesKey(user);
        await RedisSessionStore.Bounded(database.ScriptEvaluateAsync(RedisScripts.Unindex, [entries, ExpiriesKey(entries)], [id]), cancellationToken);
    }

    private static RedisKey ExpiriesKey(RedisKey entries) => entries.Append(":expires");

    private static string Hash(string user)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(MemoryMarshal.AsBytes(user.AsSpan()), hash);
        return Convert.ToHexStringLower(hash);
    }
}
