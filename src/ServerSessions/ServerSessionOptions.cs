using System.Text.Json;

namespace ServerSessions;

/// <summary>
/// Options of the session middleware, named as express-session names them. Bound from the configuration section
/// given to <c>AddServerSessions</c> (<c>Session</c> by convention, so <c>Session__Secret</c> works from the environment).
/// </summary>
public sealed class ServerSessionOptions
{
    /// <summary>
    /// The secret that signs the session cookie (HMAC-SHA256). Set this or <see cref="Secrets"/>, not both. When
    /// neither is set, a 256-bit secret is generated: kept in <see cref="SecretFile"/> and reused after restarts when
    /// there is one, else a fresh one each start (every cookie from before a restart is then refused).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>
    /// Secrets for rotation: the first signs new cookies, every one verifies. A cookie verified by an older secret
    /// is signed again with the first. Set this or <see cref="Secret"/>, not both.
    /// </summary>
    public IList<string>? Secrets { get; set; }

    /// <summary>
    /// Where a generated secret is kept when neither <see cref="Secret"/> nor <see cref="Secrets"/> is set. Default:
    /// set by the store (the SQLite store puts it beside its database); with none, a fresh secret each start.
    /// </summary>
    public string? SecretFile { get; set; }

    /// <summary>The session cookie's name. Default <c>connect.sid</c>, as in express-session.</summary>
    public string Name { get; set; } = "connect.sid";

    /// <summary>The session cookie's attributes.</summary>
    public SessionCookieOptions Cookie { get; set; } = new();

    /// <summary>
    /// Whether a session that the request did not modify is written back to the store anyway. Default
    /// <see langword="false"/>: unmodified sessions are only touched (their expiry moved).
    /// </summary>
    public bool Resave { get; set; }

    /// <summary>
    /// Whether a new session that the request did not modify is stored and given a cookie. Default
    /// <see langword="false"/>: visitors who never store anything cost nothing.
    /// </summary>
    public bool SaveUninitialized { get; set; }

    /// <summary>
    /// Whether every response that uses the session sets the cookie again, restarting its <see cref="SessionCookieOptions.MaxAge"/>.
    /// Default <see langword="false"/>.
    /// </summary>
    public bool Rolling { get; set; }

    /// <summary>What <see cref="ServerSession.Unset"/> does to the stored session. Default <see cref="UnsetBehavior.Keep"/>.</summary>
    public UnsetBehavior Unset { get; set; }

    /// <summary>
    /// How long a session lives in the store without a request that uses it. Default none, meaning the cookie's
    /// <see cref="SessionCookieOptions.MaxAge"/> when it has one, else one day (connect-redis's default).
    /// </summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>
    /// How long a session may live however active it is; an older one is replaced by a fresh session with a new
    /// ID. Default none.
    /// </summary>
    public TimeSpan? AbsoluteTimeout { get; set; }

    /// <summary>
    /// The largest serialized session, in bytes. A request that grows its session past it fails with
    /// <see cref="SessionDataException"/> and leaves the stored session as it was. Default 64 KiB.
    /// </summary>
    public int MaxSessionSize { get; set; } = 64 * 1024;

    /// <summary>
    /// Which registered store keeps the sessions (<c>Memory</c>, <c>Sqlite</c>, …). Default: the only store
    /// registered besides the memory store, or the memory store.
    /// </summary>
    public string? Store { get; set; }

    /// <summary>
    /// What happens when requests of one session overlap. Default <see cref="SessionConcurrency.Serialized"/>: they
    /// take turns, so no update is lost.
    /// </summary>
    public SessionConcurrency Concurrency { get; set; } = SessionConcurrency.Serialized;

    /// <summary>
    /// How long a request waits for an earlier request of the same session before it gives up with <c>503</c> and
    /// <c>Retry-After</c> (<see cref="SessionConcurrency.Serialized"/> only). Default 10 seconds. On a store shared by
    /// several processes (<see cref="IServerSessionLeaseStore"/>) it is also the duration of the lease a request holds in the
    /// store, renewed every third of it while the request runs, so a killed process frees its sessions within it.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many requests of one session may wait for it at once in this process (<see cref="SessionConcurrency.Serialized"/>
    /// only). One more is answered <c>503</c> with <c>Retry-After</c> at once, without waiting, so one cookie cannot park
    /// any number of requests. Default 1000.
    /// </summary>
    public int MaxWaiters { get; set; } = 1000;

    /// <summary>
    /// How long a request may hold its session, from taking its turn until it is done with it
    /// (<see cref="SessionConcurrency.Serialized"/> only). Past it the next waiting request goes on, a lease in the store
    /// is given up, and the request's later save, destroy or regenerate is refused with <c>503</c> (a touch is skipped). At
    /// least <see cref="LockTimeout"/>. Default 2 minutes.
    /// </summary>
    public TimeSpan MaxHoldTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long one store operation may take before the request gives up on it and answers <c>503</c>, so a hung store
    /// costs a bounded wait, not a hung request. Default 5 seconds.
    /// </summary>
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The seconds a <c>503</c> answer to a store fault asks the client to wait (<c>Retry-After</c>). Default 5.
    /// </summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>
    /// How many new sessions one client address may start (<c>Session:NewSessionLimit:PermitsPerMinute</c> and
    /// <c>:Burst</c>). Default 600 a minute with bursts of 600; <c>PermitsPerMinute</c> 0 turns the limit off. A request
    /// over the limit gets <c>429 Too Many Requests</c> with <c>Retry-After</c>, and nothing is stored.
    /// </summary>
    public NewSessionLimitOptions NewSessionLimit { get; set; } = new();

    /// <summary>How session values are written as JSON. Default <see cref="JsonSerializerOptions.Web"/>.</summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = JsonSerializerOptions.Web;
}
