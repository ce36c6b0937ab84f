namespace ServerSessions;

/// <summary>
/// Keeps sessions by ID. The contract is express-session's: <c>get</c>, <c>set</c> and <c>destroy</c> are
/// required, <c>touch</c> is how an unmodified session stays alive.
/// </summary>
/// <remarks>
/// <para>
/// A store sees only an ID, opaque payload bytes and an expiry; serialization, signing and cookie rules stay in
/// the middleware. A missing, unknown or expired ID is "not found" (<see langword="null"/>), never an error:
/// exceptions are for faults only (the store is unreachable, the disk is full). The middleware answers a fault
/// with <c>503 Service Unavailable</c> and never replaces the stored session with an empty one.
/// </para>
/// <para>
/// Every method may be called concurrently for different IDs and for the same ID. A store shared by several
/// processes serializes the requests of one session across them by also implementing <see cref="IServerSessionLeaseStore"/>
/// (a lease taken with the load and released with the save); a store whose layout must carry express-session's <c>cookie</c> envelope
/// (connect-redis) derives it from the payload and expiry it is given.
/// </para>
/// </remarks>
public interface IServerSessionStore
{
    /// <summary>Reads a session.</summary>
    /// <param name="id">The session ID.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/> when the ID is unknown or the session has expired.</returns>
    ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates or replaces a session. When this completes, the write is as durable as the store promises.</summary>
    /// <param name="id">The session ID.</param>
    /// <param name="record">The payload and expiry to keep.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask SetAsync(string id, SessionRecord record, CancellationToken cancellationToken);

    /// <summary>Deletes a session. Deleting an unknown ID is not an error.</summary>
    /// <param name="id">The session ID.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    ValueTask DestroyAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the expiry of an existing, unexpired session without rewriting its payload, only while the session still
    /// holds exactly <paramref name="payload"/>: what the caller read (<see cref="GetAsync"/>) or last wrote. Checked and
    /// moved in one atomic operation, so a touch never undoes a save made since the caller read the session (a longer
    /// MaxAge, a logout). Touching an unknown or expired ID does nothing: it must not bring the session back.
    /// </summary>
    /// <param name="id">The session ID.</param>
    /// <param name="payload">The payload the caller read or last wrote, byte for byte as the store returned or was given it.</param>
    /// <param name="expires">The new expiry. One already past deletes the session (when the payload matches).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether the session matched and its expiry moved; <see langword="false"/> (nothing changed) when it is gone or holds another payload.</returns>
    ValueTask<bool> TouchAsync(string id, ReadOnlyMemory<byte> payload, DateTimeOffset expires, CancellationToken cancellationToken);
}
