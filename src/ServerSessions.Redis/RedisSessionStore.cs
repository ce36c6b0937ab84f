using Microsoft.Extensions.Logging;
using System.Text;
using StackExchange.Redis;

namespace ServerSessions.Redis;

/// <summary>
/// Keeps sessions in Redis (or a Redis Cluster), one string key per session in connect-redis's layout, so several app
/// instances, and express-session apps using connect-redis, share them.
/// </summary>
/// <remarks>
/// <para>
/// Each session is the key <c><see cref="RedisSessionStoreOptions.KeyPrefix"/>&lt;id&gt;</c> holding the session's JSON
/// with express-session's <c>cookie</c> object, and expires when the session does (<c>SET … PX</c>). Every method is
/// one round trip on one key: a load reads the value and the time it has left (<c>GET</c>, <c>PTTL</c>; a key without an
/// expiry, which no ServerSessions node writes, costs a second <c>PTTL</c>), a save is one
/// <c>SET</c>, a touch is one script (a <c>PEXPIRE</c> if the value is still the one the toucher read or wrote), a destroy is one <c>UNLINK</c>.
/// </para>
/// <para>
/// Requests of one session on different app instances take turns through a lease (<see cref="IServerSessionLeaseStore"/>):
/// the key <c>{&lt;prefix&gt;&lt;id&gt;}:lock</c>, hash-tagged with the session key so that it shares the session's
/// cluster slot, holds the holder's token and expires with the lease (<c>SET … PX</c>). Taking the lease and loading
/// the session is one round trip of plain commands (and a script only when the lease was taken); saving (and releasing
/// with it), deleting under the lease, renewing and releasing are each a script; the release of a lease another instance asked for is published on <c>&lt;prefix&gt;released</c>, which
/// wakes the instances waiting for that session. Only ServerSessions instances honour the lease: an express app sharing
/// the keys writes regardless.
/// </para>
/// <para>
/// No instant crosses between the app and Redis: an expiry is sent as the time left until it by the store's
/// <see cref="TimeProvider"/> (<c>PX</c>), and a load turns the time Redis says a key has left back into an instant on that
/// clock. So a node whose clock is off, or a <see cref="TimeProvider"/> other than the wall clock, does not shorten or
/// lengthen the sessions it writes: Redis expires each key after the duration it was given, by its own clock.
/// </para>
/// <para>
/// Faults are exceptions from the methods: while Redis is unreachable commands fail at once instead of queueing, and
/// a command that gets no answer fails after <see cref="RedisSessionStoreOptions.OperationTimeout"/>. The connection
/// is re-established in the background. Needs Redis 7.0 or later (or Valkey) for <c>SET … NX GET</c>; each server's version
/// (from <c>INFO</c>, or the configuration's <c>version=</c> where <c>INFO</c> is denied) is checked as the store connects
/// to it, and while one is older every operation fails with a message that says so.
/// </para>
/// <para>
/// The index of each signed-in user's sessions (<see cref="IServerSessionIndexStore"/>) lives outside the sessions' keys,
/// under <see cref="RedisSessionStoreOptions.IndexKeyPrefix"/>: per user a hash of entries and a sorted set of their
/// expiries, in one slot, named by a hash of the user (never the name itself), each expiring with the user's last entry.
/// </para>
/// </remarks>
public sealed class RedisSessionStore : IServerSessionLeaseStore, IServerSessionIndexStore, IHealthCheckedSessionStore, IAsyncDisposable, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisReleaseSignal _releases;
    private readonly byte[] _keyPrefix;
    private readonly string _lockPrefix;
    private readonly ConnectRedisLayout _layout;
    private readonly TimeProvider _time;
    private readonly RedisSessionIndex _index;
    private readonly RedisSessionRead _read;
    private readonly Lock _disposeLock = new();
    private Task? _disposal;

    /// <summary>
    /// Creates the store and starts connecting in the background; the constructor never waits for Redis, and the
    /// store works as soon as Redis is reachable.
    /// </summary>
    /// <param name="options">The Redis configuration, key prefix and timeout.</param>
    /// <param name="cookie">The session cookie's settings, written into each value as express-session's <c>cookie</c> object.</param>
    /// <param name="timeProvider">The clock expiries are instants on: each is sent to Redis as the time until it by this clock, and read back as now plus the time Redis says is left.</param>
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

        _keyPrefix = Encoding.UTF8.GetBytes(options.KeyPrefix);
        _lockPrefix = "{" + options.KeyPrefix;
        _layout = new ConnectRedisLayout(cookie);
        _time = timeProvider;
        _read = new RedisSessionRead(_layout, timeProvider);
        _index = new RedisSessionIndex(options.IndexKeyPrefix, timeProvider);
        _connection = new RedisConnection(options, logger);
        _releases = new RedisReleaseSignal(_connection, options.KeyPrefix + "released", options.OperationTimeout);
    }

    /// <summary>The Redis key of the session <paramref name="id"/>: the prefix's bytes, then the ID (no string concatenated per call).</summary>
    internal RedisKey Key(string id) => ((RedisKey)id).Prepend(_keyPrefix);

    /// <summary>The Redis key of <paramref name="user"/>'s index entries (a hash); their expiries are the sorted set at this and <c>:expires</c>.</summary>
    internal RedisKey IndexKey(string user) => _index.EntriesKey(user);

    /// <summary>The Redis key of the lease on the session <paramref name="id"/>: hash-tagged with the session's key, so in its slot.</summary>
    internal RedisKey LockKey(string id) => _lockPrefix + id + "}:lock";

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
        var (reading, remaining) = RedisSessionRead.Queue(batch, key);
        batch.Execute();
        TimeSpan? left;
        try
        {
            left = await Bounded(remaining, cancellationToken); // replies come in order: the other two are in too
        }
        catch
        {
            Observe(taking);
            Observe(reading);
            throw;
        }

        var owner = await taking;
        var value = await reading;
        if (owner.IsNull)
        {
            return new SessionLease(true, await _read.ToRecordAsync(database, key, value, left, cancellationToken), TimeSpan.Zero);
        }

        // Taken, perhaps by this holder: the script decides atomically, and marks another's lease contended.
        var result = await Bounded(
            database.ScriptEvaluateAsync(RedisScripts.Lease, [key, lockKey], [holder, milliseconds]),
            cancellationToken);
        var parts = (RedisResult[])result!;
        if ((long)parts[0] == 0)
        {
            return new SessionLease(false, null, TimeSpan.FromMilliseconds(Math.Max(0, (long)parts[1])));
        }

        return new SessionLease(true, parts.Length == 1 ? null : _read.ToRecord((byte[])parts[1]!, (long)parts[2]), TimeSpan.Zero);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        var result = await Bounded(database.ScriptEvaluateAsync(RedisScripts.Renew, [LockKey(id)], [holder, LeaseMilliseconds(duration)]), cancellationToken);
        return (long)result == 1;
    }

    /// <inheritdoc />
    /// <exception cref="SessionDataException">The session has a value named <c>cookie</c>, which connect-redis's layout reserves.</exception>
    public async ValueTask<bool> SetLeasedAsync(string id, SessionRecord record, string holder, bool release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        var milliseconds = MillisecondsUntil(record.Expires);
        var expired = milliseconds <= 0;
        RedisValue value = expired ? RedisValue.EmptyString : (RedisValue)_layout.ToStored(record.Payload, record.Expires);
        RedisValue ttl = expired ? RedisValue.EmptyString : milliseconds;
        var result = await Bounded(
            database.ScriptEvaluateAsync(
                RedisScripts.SetLeased,
                [Key(id), LockKey(id)],
                [holder, value, ttl, release ? "1" : "0", _releases.Channel, id]),
            cancellationToken);
        return (long)result == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> DestroyLeasedAsync(string id, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        var result = await Bounded(database.ScriptEvaluateAsync(RedisScripts.DestroyLeased, [Key(id), LockKey(id)], [holder]), cancellationToken);
        return (long)result == 1;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseLeaseAsync(string id, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(holder);
        var database = await DatabaseAsync(cancellationToken);
        await Bounded(database.ScriptEvaluateAsync(RedisScripts.Release, [LockKey(id)], [holder, _releases.Channel, id]), cancellationToken);
    }

    /// <inheritdoc />
    public async Task WaitForReleaseAsync(string id, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var waiter = await _releases.ListenAsync(id, cancellationToken);
        try
        {
            // Registered first, then checked: a release published between the caller's failed attempt and now is not
            // missed. The check marks whoever holds the lease now (perhaps a newer holder than the one the failed
            // attempt marked) as contended, so that its release is published too.
            var database = await DatabaseAsync(cancellationToken);
            if ((long)await Bounded(database.ScriptEvaluateAsync(RedisScripts.MarkContended, [LockKey(id)]), cancellationToken) == 0)
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
            _releases.StopListening(id, waiter);
        }
    }

    /// <inheritdoc />
    public async ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var database = await DatabaseAsync(cancellationToken);
        var key = Key(id);
        var batch = database.CreateBatch();
        var (reading, remaining) = RedisSessionRead.Queue(batch, key);
        batch.Execute();
        TimeSpan? left;
        try
        {
            left = await Bounded(remaining, cancellationToken); // replies come in order: the value is in too
        }
        catch
        {
            Observe(reading);
            throw;
        }

        return await _read.ToRecordAsync(database, key, await reading, left, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="SessionDataException">The session has a value named <c>cookie</c>, which connect-redis's layout reserves.</exception>
    public async ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var database = await DatabaseAsync(cancellationToken);
        var milliseconds = MillisecondsUntil(record.Expires);
        if (milliseconds <= 0)
        {
            await Bounded(database.KeyDeleteAsync(Key(id)), cancellationToken);
            return;
        }

        var value = _layout.ToStored(record.Payload, record.Expires);
        await Bounded(database.StringSetAsync(Key(id), value, TimeSpan.FromMilliseconds(milliseconds)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DestroyAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var database = await DatabaseAsync(cancellationToken);
        await Bounded(database.KeyDeleteAsync(Key(id)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_layout.TouchCondition(payload) is not { } condition)
        {
            return false;
        }

        var database = await DatabaseAsync(cancellationToken);

        // Like connect-redis's touch, a PEXPIRE that leaves the value (and its cookie.expires) alone, but only while the
        // value is the session this caller read or wrote: one script, one round trip. A key Redis has expired or that was
        // deleted stays gone; a new expiry that has already passed deletes the key.
        var milliseconds = MillisecondsUntil(expires);
        RedisValue ttl = milliseconds <= 0 ? RedisValue.EmptyString : milliseconds;
        var result = await Bounded(
            database.ScriptEvaluateAsync(RedisScripts.Touch, [Key(id)], [ttl, condition.OriginalMaxAge, condition.Sha1]),
            cancellationToken);
        return (long)result == 1;
    }

    /// <inheritdoc />
    public async ValueTask IndexAsync(string user, string id, SessionIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        await _index.IndexAsync(await DatabaseAsync(cancellationToken), user, id, entry, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<IndexedSession>> ListAsync(string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return await _index.ListAsync(await DatabaseAsync(cancellationToken), user, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string user, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        await _index.RemoveAsync(await DatabaseAsync(cancellationToken), user, id, cancellationToken);
    }

    /// <summary>Closes the connection. Every write has completed by then: none are queued.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public ValueTask DisposeAsync()
    {
        lock (_disposeLock)
        {
            _disposal ??= _connection.CloseAsync();
        }

        return new ValueTask(_disposal);
    }

    /// <summary>Closes the connection without blocking on a task (a container disposed synchronously); as <see cref="DisposeAsync"/> otherwise.</summary>
    public void Dispose()
    {
        lock (_disposeLock)
        {
            if (_disposal is null)
            {
                _connection.Close();
                _disposal = Task.CompletedTask;
            }
        }
    }

    // A command whose reply is no longer awaited still reports its failure, or the runtime would call it unobserved.
    /// <inheritdoc />
    Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> IHealthCheckedSessionStore.CheckHealthAsync(CancellationToken cancellationToken) =>
        RedisHealthProbe.CheckAsync(_connection, cancellationToken);

    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static RedisValue LeaseMilliseconds(TimeSpan duration) => Math.Max(1, (long)Math.Ceiling(duration.TotalMilliseconds));

    // The time to live Redis is given for an expiry on the app's clock, rounded up: a session is never cut short by the
    // rounding. Zero or less: the expiry has passed.
    private long MillisecondsUntil(DateTimeOffset expires) => (long)Math.Ceiling((expires - _time.GetUtcNow()).TotalMilliseconds);

    private ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposal is not null, this);
        return _connection.DatabaseAsync(cancellationToken);
    }

    // The client gives up on a command after OperationTimeout; a caller that cancels stops waiting sooner, though a
    // command already sent may still apply.
    internal static Task<T> Bounded<T>(Task<T> operation, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? operation.WaitAsync(cancellationToken) : operation;
}
