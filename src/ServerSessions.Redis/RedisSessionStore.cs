using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// Keeps sessions in Redis (or a Redis Cluster), one string key per session in connect-redis's layout, so several app
/// instances, and express-session apps using connect-redis, share them.
/// </summary>
/// <remarks>
/// <para>
/// Each session is the key <c><see cref="RedisSessionStoreOptions.KeyPrefix"/>&lt;id&gt;</c> holding the session's JSON
/// with express-session's <c>cookie</c> object, and expires when the session does (<c>SET … PXAT</c>). Every method is
/// one round trip on one key: a load reads the expiry and the value (<c>PEXPIRETIME</c>, <c>GET</c>), a save is one
/// <c>SET</c>, a touch is a script that moves the expiry of a key that is still live, a destroy is one <c>UNLINK</c>.
/// </para>
/// <para>
/// Requests of one session on different app instances take turns through a lease (<see cref="ISessionLeaseStore"/>):
/// the key <c>{&lt;prefix&gt;&lt;id&gt;}:lock</c>, hash-tagged with the session key so that it shares the session's
/// cluster slot, holds the holder's token and expires with the lease (<c>SET … PX</c>). Taking the lease and loading
/// the session is one round trip of plain commands (and a script only when the lease was taken), saving and releasing
/// is a script; the release of a lease another instance asked for is published on <c>&lt;prefix&gt;released</c>, which
/// wakes the instances waiting for that session. Only ServerSessions instances honour the lease: an express app sharing
/// the keys writes regardless.
/// </para>
/// <para>
/// Expiry follows the store's <see cref="TimeProvider"/>: keys are written to expire at the session's instant, and a
/// key whose expiry has passed by that clock is neither returned nor touched, whatever Redis's clock says.
/// </para>
/// <para>
/// Faults are exceptions from the methods: while Redis is unreachable commands fail at once instead of queueing, and
/// a command that gets no answer fails after <see cref="RedisSessionStoreOptions.OperationTimeout"/>. The connection
/// is re-established in the background. Needs Redis 7.0 or later (or Valkey) for <c>PEXPIRETIME</c> and
/// <c>SET … NX GET</c>.
/// </para>
/// </remarks>
public sealed class RedisSessionStore : ISessionLeaseStore, IAsyncDisposable
{
    // ARGV[1] = now, ARGV[2] = the new expiry, in Unix ms by the store's clock. A key already expired by that clock stays
    // as it is (it is never returned again); a new expiry that has already passed deletes the key.
    private const string TouchScript = """
        local expires = redis.call('PEXPIRETIME', KEYS[1])
        if expires == -2 or (expires ~= -1 and expires <= tonumber(ARGV[1])) then return 0 end
        if tonumber(ARGV[2]) <= tonumber(ARGV[1]) then return redis.call('DEL', KEYS[1]) end
        return redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        """;

    // The lock key holds the holder's token, with '+' appended once another request found it taken: only then does the
    // release publish a wake-up, so an uncontended request costs no pub/sub message. (Tokens are hex: never a '+'.)

    // KEYS = session, lock; ARGV = holder, lease ms. Returns {0, lease ms left} when another holder has the lease (and
    // marks it contended), else takes it and returns {1} for a missing session or {1, value, absolute expiry in Unix ms}.
    // Run when plain commands found the lease taken (see GetAndLeaseAsync); it may be free again by then. This holder's
    // own lease is taken again, mark and all.
    private const string LeaseScript = """
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
        return {1, value, redis.call('PEXPIRETIME', KEYS[1])}
        """;

    // KEYS = lock. Marks the lease contended, if someone holds it: returns 1 if so, 0 if it is free.
    private const string MarkContendedScript = """
        local owner = redis.call('GET', KEYS[1])
        if not owner then return 0 end
        if string.sub(owner, -1) ~= '+' then redis.call('SET', KEYS[1], owner .. '+', 'KEEPTTL') end
        return 1
        """;

    // KEYS = lock; ARGV = holder, lease ms.
    private const string RenewScript = """
        local owner = redis.call('GET', KEYS[1])
        if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then return 0 end
        return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        """;

    // KEYS = session, lock; ARGV = holder, value, expiry in Unix ms ('' deletes the session), '1' to release, channel, id.
    private const string SetLeasedScript = """
        local owner = redis.call('GET', KEYS[2])
        if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then return 0 end
        if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3]) end
        if ARGV[4] == '1' then
            redis.call('DEL', KEYS[2])
            if owner ~= ARGV[1] then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
        end
        return 1
        """;

    // KEYS = lock; ARGV = holder, channel, id.
    private const string ReleaseScript = """
        local owner = redis.call('GET', KEYS[1])
        if owner ~= ARGV[1] and owner ~= ARGV[1] .. '+' then return 0 end
        redis.call('DEL', KEYS[1])
        if owner ~= ARGV[1] then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
        return 1
        """;

    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly string _releases;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _subscribeLock = new();
    private Task? _subscription;
    private readonly string _keyPrefix;
    private readonly ConnectRedisLayout _layout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _endpoints;
    private readonly TimeSpan _operationTimeout;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _failedEndpoints = new(StringComparer.Ordinal);
    private readonly Lock _disposeLock = new();
    private Task? _disposal;

    /// <summary>
    /// Creates the store and starts connecting in the background; the constructor never waits for Redis, and the
    /// store works as soon as Redis is reachable.
    /// </summary>
    /// <param name="options">The Redis configuration, key prefix and timeout.</param>
    /// <param name="cookie">The session cookie's settings, written into each value as express-session's <c>cookie</c> object.</param>
    /// <param name="timeProvider">The clock that decides expiry.</param>
    /// <param name="logger">Where the store reports its connection's failures and recoveries.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public RedisSessionStore(RedisSessionStoreOptions options, SessionCookieOptions cookie, TimeProvider timeProvider, ILogger<RedisSessionStore> logger)
        : this(options, cookie, timeProvider, (ILogger)logger)
    {
    }

    internal RedisSessionStore(RedisSessionStoreOptions options, SessionCookieOptions cookie, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cookie);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        var failures = RedisSessionStoreOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _keyPrefix = options.KeyPrefix;
        _releases = options.KeyPrefix + "released";
        _layout = new ConnectRedisLayout(cookie);
        _time = timeProvider;
        _logger = logger;
        _operationTimeout = options.OperationTimeout;
        var configuration = ClientConfiguration(options);
        _endpoints = Describe(configuration.EndPoints);
        _logger.Connecting(_endpoints, _keyPrefix, options.OperationTimeout);
        _connection = ConnectAsync(configuration);
    }

    /// <summary>The Redis key of the session <paramref name="id"/>.</summary>
    internal RedisKey Key(string id) => _keyPrefix + id;

    /// <summary>The Redis key of the lease on the session <paramref name="id"/>: hash-tagged with the session's key, so in its slot.</summary>
    internal RedisKey LockKey(string id) => "{" + _keyPrefix + id + "}:lock";

    /// <inheritdoc />
    public async ValueTask<SessionLease> GetAndLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        RedisKey key = Key(id), lockKey = LockKey(id);
        var milliseconds = LeaseMilliseconds(duration);

        // A free lease, the common case, is three plain commands written together, one round trip: SET NX GET takes the
        // lease (nil) or leaves a taken one alone (its owner), and the session is read either way. Among ServerSessions
        // nodes only the lease's holder writes, so the read that follows a granted SET sees the last holder's save.
        var batch = database.CreateBatch();
        var taking = batch.StringSetAndGetAsync(lockKey, holder, TimeSpan.FromMilliseconds((long)milliseconds), keepTtl: false, When.NotExists);
        var (expiring, reading) = QueueRead(batch, key);
        batch.Execute();
        RedisValue value;
        try
        {
            value = await Bounded(reading, cancellationToken); // replies come in order: the other two are in too
        }
        catch
        {
            Observe(taking);
            Observe(expiring);
            throw;
        }

        var owner = await taking;
        var expires = await expiring;
        if (owner.IsNull)
        {
            return new SessionLease(true, ToRecord(value, expires), TimeSpan.Zero);
        }

        // Taken, perhaps by this holder: the script decides atomically, and marks another's lease contended.
        var result = await Bounded(
            database.ScriptEvaluateAsync(LeaseScript, [key, lockKey], [holder, milliseconds]),
            cancellationToken);
        var parts = (RedisResult[])result!;
        if ((long)parts[0] == 0)
        {
            return new SessionLease(false, null, TimeSpan.FromMilliseconds(Math.Max(0, (long)parts[1])));
        }

        return new SessionLease(true, parts.Length == 1 ? null : ToRecord((byte[])parts[1]!, (long)parts[2]), TimeSpan.Zero);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        var result = await Bounded(database.ScriptEvaluateAsync(RenewScript, [LockKey(id)], [holder, LeaseMilliseconds(duration)]), cancellationToken);
        return (long)result == 1;
    }

    /// <inheritdoc />
    /// <exception cref="SessionDataException">The session has a value named <c>cookie</c>, which connect-redis's layout reserves.</exception>
    public async ValueTask<bool> SetLeasedAsync(string id, SessionRecord record, string holder, bool release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        var expired = record.Expires <= _time.GetUtcNow();
        RedisValue value = expired ? RedisValue.EmptyString : (RedisValue)_layout.ToStored(record.Payload, record.Expires);
        RedisValue expires = expired ? RedisValue.EmptyString : record.Expires.ToUnixTimeMilliseconds();
        var result = await Bounded(
            database.ScriptEvaluateAsync(
                SetLeasedScript,
                [Key(id), LockKey(id)],
                [holder, value, expires, release ? "1" : "0", _releases, id]),
            cancellationToken);
        return (long)result == 1;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseLeaseAsync(string id, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        await Bounded(database.ScriptEvaluateAsync(ReleaseScript, [LockKey(id)], [holder, _releases, id]), cancellationToken);
    }

    /// <inheritdoc />
    public async Task WaitForReleaseAsync(string id, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await SubscribeAsync(cancellationToken);
        var waiter = _waiters.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            // Registered first, then checked: a release published between the caller's failed attempt and now is not
            // missed. The check marks whoever holds the lease now (perhaps a newer holder than the one the failed
            // attempt marked) as contended, so that its release is published too.
            var database = await DatabaseAsync(cancellationToken);
            if ((long)await Bounded(database.ScriptEvaluateAsync(MarkContendedScript, [LockKey(id)]), cancellationToken) == 0)
            {
                return;
            }

            await waiter.Task.WaitAsync(maxWait, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The lease may have lapsed without a release (its holder died): the caller tries again.
        }
        finally
        {
            // Another waiter of this ID in this process sharing the entry then falls back on its own timeout.
            _waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(id, waiter));
        }
    }

    /// <inheritdoc />
    public async ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var database = await DatabaseAsync(cancellationToken);
        var batch = database.CreateBatch();
        var (expiring, reading) = QueueRead(batch, Key(id));
        batch.Execute();
        RedisValue value;
        try
        {
            value = await Bounded(reading, cancellationToken); // replies come in order: the expiry is in too
        }
        catch
        {
            Observe(expiring);
            throw;
        }

        return ToRecord(value, await expiring);
    }

    /// <inheritdoc />
    /// <exception cref="SessionDataException">The session has a value named <c>cookie</c>, which connect-redis's layout reserves.</exception>
    public async ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var database = await DatabaseAsync(cancellationToken);
        if (record.Expires <= _time.GetUtcNow())
        {
            await Bounded(database.KeyDeleteAsync(Key(id)), cancellationToken);
            return;
        }

        var value = _layout.ToStored(record.Payload, record.Expires);
        await Bounded(database.StringSetAsync(Key(id), value, new Expiration(record.Expires.UtcDateTime)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DestroyAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var database = await DatabaseAsync(cancellationToken);
        await Bounded(database.KeyDeleteAsync(Key(id)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask TouchAsync(string id, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var database = await DatabaseAsync(cancellationToken);
        RedisValue[] times = [_time.GetUtcNow().ToUnixTimeMilliseconds(), expires.ToUnixTimeMilliseconds()];
        await Bounded(database.ScriptEvaluateAsync(TouchScript, [Key(id)], times), cancellationToken);
    }

    /// <summary>Closes the connection. Every write has completed by then: none are queued.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public ValueTask DisposeAsync()
    {
        lock (_disposeLock)
        {
            _disposal ??= CloseAsync();
        }

        return new ValueTask(_disposal);
    }

    // A command whose reply is no longer awaited still reports its failure, or the runtime would call it unobserved.
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static RedisValue LeaseMilliseconds(TimeSpan duration) => Math.Max(1, (long)Math.Ceiling(duration.TotalMilliseconds));

    // A session is read with two plain commands written together, one round trip: a script doing the same costs Redis
    // several times as much. The expiry before the value: a key that expires or goes in between then reads as missing;
    // one created in between reads as never expiring (the typed call reports "no key" and "no expiry" alike), which only
    // the expiry check here sees.
    private static (Task<DateTime?> Expiring, Task<RedisValue> Reading) QueueRead(IBatch batch, RedisKey key) =>
        (batch.KeyExpireTimeAsync(key), batch.StringGetAsync(key));

    private SessionRecord? ToRecord(RedisValue value, DateTime? expires) =>
        value.IsNull ? null : ToRecord((byte[])value!, expires is { } at ? (long)(at - DateTime.UnixEpoch).TotalMilliseconds : -1);

    private SessionRecord? ToRecord(byte[]? value, long expiresMs)
    {
        var expires = expiresMs == -1 ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeMilliseconds(expiresMs);
        if (expiresMs == -2 || expires <= _time.GetUtcNow())
        {
            return null;
        }

        return new SessionRecord(_layout.FromStored(value ?? []), expires);
    }

    // One subscription per store, made on first need: each release names the session it frees.
    private Task SubscribeAsync(CancellationToken cancellationToken)
    {
        lock (_subscribeLock)
        {
            if (_subscription is null || _subscription.IsFaulted || _subscription.IsCanceled)
            {
                _subscription = SubscribeCoreAsync();
            }

            return _subscription.WaitAsync(cancellationToken);
        }
    }

    private async Task SubscribeCoreAsync()
    {
        var connection = _connection.IsCompletedSuccessfully ? _connection.Result : await _connection.WaitAsync(_operationTimeout);
        await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_releases), (_, message) =>
        {
            if (_waiters.TryRemove((string)message!, out var waiter))
            {
                waiter.TrySetResult();
            }
        }).WaitAsync(_operationTimeout);
    }

    private static ConfigurationOptions ClientConfiguration(RedisSessionStoreOptions options)
    {
        var configuration = ConfigurationOptions.Parse(options.Configuration!);
        var timeout = (int)options.OperationTimeout.TotalMilliseconds;

        // Start while Redis is down and reconnect by itself; never queue commands while disconnected (the default), so a
        // request during an outage fails at once with a 503 instead of waiting for a timeout.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectRetry = 1;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;

        // The default waits ConnectTimeout / 2 and more between attempts, growing to 10 s; sessions should come back
        // within a couple of seconds of Redis.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(500, 2000);
        return configuration;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);

        // The client reports every failed reconnection attempt; log the outage and the recovery once each.
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && _failedEndpoints.TryAdd(Describe(e.EndPoint), 0))
            {
                _logger.ConnectionFailed(Describe(e.EndPoint), e.FailureType, e.Exception);
            }
        };
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && _failedEndpoints.TryRemove(Describe(e.EndPoint), out byte _))
            {
                _logger.ConnectionRestored(Describe(e.EndPoint));
            }
        };
        if (!connection.IsConnected)
        {
            _logger.NotConnected(_endpoints);
            foreach (var endpoint in configuration.EndPoints)
            {
                _failedEndpoints.TryAdd(Describe(endpoint), 0);
            }
        }

        return connection;
    }

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposal is not null, this);

        // Only the first operations wait here, while the store's first connection attempt is under way.
        var connection = _connection.IsCompletedSuccessfully ? _connection.Result : await _connection.WaitAsync(_operationTimeout, cancellationToken);
        return connection.GetDatabase();
    }

    // The client gives up on a command after OperationTimeout; a caller that cancels stops waiting sooner, though a
    // command already sent may still apply.
    private static Task<T> Bounded<T>(Task<T> operation, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? operation.WaitAsync(cancellationToken) : operation;

    private async Task CloseAsync()
    {
        ConnectionMultiplexer connection;
        try
        {
            connection = await _connection;
        }
        catch (Exception)
        {
            return; // no connection was made: nothing to close
        }

        await connection.CloseAsync(allowCommandsToComplete: true);
        await connection.DisposeAsync();
        _logger.Closed(_endpoints);
    }

    private static string Describe(IEnumerable<EndPoint> endpoints) => string.Join(", ", endpoints.Select(Describe));

    private static string Describe(EndPoint? endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        null => "(unknown)",
        _ => endpoint.ToString() ?? "(unknown)",
    };
}
