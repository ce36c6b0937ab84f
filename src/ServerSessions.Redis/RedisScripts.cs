namespace ServerSessions.Redis;

/// <summary>
/// The Lua scripts: the lease's, each checking the lock key and writing in one atomic step, and the touch, checking the
/// session's value (Redis 7 has no plain command for a write conditional on a key's value).
/// </summary>
internal static class RedisScripts
{
    // The lock key holds the holder's token, with '+' appended once another request found it taken: only then does the
    // release publish a wake-up, so an uncontended request costs no pub/sub message. (Tokens are hex: never a '+'.)

    // KEYS = session, lock; ARGV = holder, lease ms. Returns {0, lease ms left} when another holder has the lease (and
    // marks it contended), else takes it and returns {1} for a missing session or {1, value, ms it has left (-1: none)}.
    // Run when plain commands found the lease taken (see RedisSessionStore.GetAndLeaseAsync); it may be free again by
    // then. This holder's own lease is taken again, mark and all.
    public const string Lease = """
        local owner = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'GET', 'PX', ARGV[2])
        if owner then
            if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then
                if string.sub(owner, -1) ~= '+' then redis.call('SET', KEYS[2], owner .. '+', 'KEEPTTL') end
                return {0, redis.call('PTTL', KEYS[2])}
            end
            redis.call('SET', KEYS[2], owner, 'PX', ARGV[2])
        end
        local value = redis.call('GET', KEYS[1])
        if not value then return {1} end
        return {1, value, redis.call('PTTL', KEYS[1])}
        """;

    // KEYS = lock. Marks the lease contended, if someone holds it: returns 1 if so, 0 if it is free.
    public const string MarkContended = """
        local owner = redis.call('GET', KEYS[1])
        if not owner then return 0 end
        if string.sub(owner, -1) ~= '+' then redis.call('SET', KEYS[1], owner .. '+', 'KEEPTTL') end
        return 1
        """;

    // KEYS = lock; ARGV = holder, lease ms.
    public const string Renew = """
        local owner = redis.call('GET', KEYS[1])
        if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then return 0 end
        return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        """;

    // KEYS = session, lock; ARGV = holder, value, ms to live ('' deletes the session), '1' to release, channel, id.
    public const string SetLeased = """
        local owner = redis.call('GET', KEYS[2])
        if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then return 0 end
        if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
        if ARGV[4] == '1' then
            redis.call('DEL', KEYS[2])
            if owner ~= ARGV[1] then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
        end
        return 1
        """;

    // KEYS = session, lock; ARGV = holder. Deletes the session; the lease stays as it is (holder, mark and expiry).
    public const string DestroyLeased = """
        local owner = redis.call('GET', KEYS[2])
        if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """;

    // KEYS = session; ARGV = ms to live ('' deletes the session), originalMaxAge ('' compares the whole value), SHA-1 of
    // what follows the cookie object (ConnectRedisLayout.TouchCondition). Moves the expiry only while the value is still
    // the session the toucher read or wrote: a save since (a value, MaxAge) keeps its own expiry. Returns 1 if moved, else
    // 0. A session value without the layout's cookie object first (neither ServerSessions nor connect-redis writes one)
    // is not touched.
    public const string Touch = """
        local value = redis.call('GET', KEYS[1])
        if not value then return 0 end
        if ARGV[2] == '' then
            if redis.sha1hex(value) ~= ARGV[3] then return 0 end
        else
            local _, cookieEnd = string.find(value, '^{"cookie":%b{}')
            if not cookieEnd then return 0 end
            if string.match(string.sub(value, 1, cookieEnd), '"originalMaxAge":([^,}]*)') ~= ARGV[2] then return 0 end
            if redis.sha1hex(string.sub(value, cookieEnd + 1)) ~= ARGV[3] then return 0 end
        end
        if ARGV[1] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return 1
        """;

    // KEYS = lock; ARGV = holder, channel, id.
    public const string Release = """
        local owner = redis.call('GET', KEYS[1])
        if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then return 0 end
        redis.call('DEL', KEYS[1])
        if owner ~= ARGV[1] then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
        return 1
        """;

    // KEYS = a user's index: entries (hash: id → entry), expiries (sorted set: id by expiry, Unix ms); ARGV = id, entry,
    // expiry, now (Unix ms, the app's clock). Writes the entry, deletes those that have lapsed (a bounded number per
    // call), and gives both keys the time to live of the latest expiry left: a user's index lasts as long as its last entry.
    public const string Index = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
        local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4], 'LIMIT', 0, 1000)
        if #lapsed > 0 then
            redis.call('HDEL', KEYS[1], unpack(lapsed))
            redis.call('ZREM', KEYS[2], unpack(lapsed))
        end
        local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
        if #last == 0 then
            redis.call('DEL', KEYS[1], KEYS[2])
            return 0
        end
        local ttl = tonumber(last[2]) - tonumber(ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ttl)
        redis.call('PEXPIRE', KEYS[2], ttl)
        return 1
        """;

    // KEYS = a user's index: entries, expiries; ARGV = id. Both at once, so the two never disagree about an entry; Redis
    // deletes a hash or sorted set left empty.
    public const string Unindex = """
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return 1
        """;
}
