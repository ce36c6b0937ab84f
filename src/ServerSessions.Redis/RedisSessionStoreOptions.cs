namespace ServerSessions.Redis;

/// <summary>Options of <see cref="RedisSessionStore"/>, bound from <c>Session:Redis</c>.</summary>
public sealed class RedisSessionStoreOptions
{
    /// <summary>
    /// The StackExchange.Redis configuration string: one endpoint (<c>127.0.0.1:6379</c>), or several for a Redis
    /// Cluster (<c>10.0.0.1:7000,10.0.0.2:7000</c>), with options such as <c>password=…</c>, <c>ssl=true</c> or
    /// <c>defaultDatabase=1</c>. Required; no default.
    /// </summary>
    /// <remarks>
    /// The store always connects with <c>abortConnect=false</c> (it starts while Redis is down and reconnects by itself)
    /// and fails commands fast while disconnected; <c>connectTimeout</c>, <c>syncTimeout</c> and <c>asyncTimeout</c> come
    /// from <see cref="OperationTimeout"/>.
    /// </remarks>
    public string? Configuration { get; set; }

    /// <summary>
    /// What precedes the session ID in each key. Default <c>sess:</c>, connect-redis's, so an express-session app with
    /// connect-redis on the same Redis shares the sessions. It may be empty; it must not contain <c>{</c> or <c>}</c>,
    /// which would make it a Redis Cluster hash tag and put every session in one slot.
    /// </summary>
    public string KeyPrefix { get; set; } = "sess:";

    /// <summary>
    /// What precedes each key of the index of users' sessions (used by signing in, to list and end a user's sessions).
    /// Default <c>user-sessions:</c>: outside <see cref="KeyPrefix"/>, so an express-session app that scans
    /// <c>sess:*</c> never meets them. It must not be empty, must not start with <see cref="KeyPrefix"/> nor be the start
    /// of it, and must not contain <c>{</c> or <c>}</c> (each user's keys are hash-tagged by the store).
    /// </summary>
    public string IndexKeyPrefix { get; set; } = "user-sessions:";

    /// <summary>
    /// How long connecting, and each command, may take before it fails; a failed command makes the request answer
    /// <c>503</c>. Default 2 seconds.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
