namespace ServerSessions;

/// <summary>
/// Optional for stores: an index of each signed-in user's sessions, so that an app can list a user's sessions and end
/// them (<c>UserSessions</c>: "sign out everywhere"). The session authentication scheme writes it when a user signs
/// in, and refreshes an entry at most once a minute per session while the session is in use; it never hands the
/// session IDs it holds to the app.
/// </summary>
/// <remarks>
/// <para>
/// An entry names a session and says when it lapses from the index (<see cref="SessionIndexEntry.Expires"/>): the
/// session's own expiry when it was last refreshed, plus a margin. The index is a set of candidates, not the truth:
/// <c>UserSessions</c> lists only the sessions the store still holds, so an entry whose session was destroyed,
/// regenerated away or has expired never shows, and is removed then (<see cref="RemoveAsync"/>). The store keeps the
/// index bounded by itself: an entry past its <see cref="SessionIndexEntry.Expires"/> is never returned and is
/// deleted in time (by a sweep, a TTL or the next write of the user's index).
/// </para>
/// <para>
/// Every method may be called concurrently, for one user and for many. The user is the serialized user the session
/// carries (Passport's <c>passport.user</c>): any string, which a store may hash but must not confuse with another.
/// </para>
/// </remarks>
public interface IServerSessionIndexStore : IServerSessionStore
{
    /// <summary>
    /// Records that session <paramref name="id"/> belongs to <paramref name="user"/>, replacing the entry it had (one entry
    /// per user and session).
    /// </summary>
    /// <param name="user">The serialized user.</param>
    /// <param name="id">The session ID.</param>
    /// <param name="entry">What to keep about the session, and until when.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the entry is as durable as the store's sessions are.</returns>
    ValueTask IndexAsync(string user, string id, SessionIndexEntry entry, CancellationToken cancellationToken);

    /// <summary>The entries of <paramref name="user"/>'s index that have not expired, in no particular order.</summary>
    /// <param name="user">The serialized user.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries; empty for a user with none.</returns>
    ValueTask<IReadOnlyList<IndexedSession>> ListAsync(string user, CancellationToken cancellationToken);

    /// <summary>Removes session <paramref name="id"/> from <paramref name="user"/>'s index; removing one that is not there is not an error.</summary>
    /// <param name="user">The serialized user.</param>
    /// <param name="id">The session ID.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the entry is gone.</returns>
    ValueTask RemoveAsync(string user, string id, CancellationToken cancellationToken);
}
