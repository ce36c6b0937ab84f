namespace ServerSessions;

/// <summary>
/// Optional for stores shared by several processes (Redis): serializes the requests of one session across processes
/// with a lease kept in the store itself. With <see cref="SessionConcurrency.Serialized"/>, a request that may change the
/// session takes the lease as it loads the session, renews it while it runs, saves or deletes the session only while it
/// still holds it, and releases it as it finishes.
/// </summary>
/// <remarks>
/// <para>
/// A lease is held by one <c>holder</c> (a random token per request) and lapses by itself after the duration it was
/// taken or last renewed for, so a process that dies cannot hold a session for long. Every method is one operation in
/// the store, and each write is atomic with its check of the lease: a holder whose lease lapsed, or was taken by someone
/// else since, holds nothing: its renewals, saves, deletes and releases fail without effect.
/// </para>
/// <para>
/// The lease only excludes other users of this interface: a process that writes the store through
/// <see cref="IServerSessionStore"/> alone (or through another framework) is not held back by it.
/// </para>
/// </remarks>
public interface IServerSessionLeaseStore : IServerSessionStore
{
    /// <summary>
    /// In one operation: if nobody holds the session's lease, or <paramref name="holder"/> does, takes it for
    /// <paramref name="duration"/> and reads the session (as <see cref="IServerSessionStore.GetAsync"/> would); otherwise reads
    /// nothing. The read must see every write made under an earlier lease; it need not be atomic with taking the lease,
    /// since only the lease's holder writes.
    /// </summary>
    /// <param name="id">The session ID.</param>
    /// <param name="holder">Who takes the lease.</param>
    /// <param name="duration">How long the lease lasts unless renewed or released.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// <see cref="SessionLease.Acquired"/> with the record (<see langword="null"/> when not found), or not acquired with
    /// the time left on the other holder's lease.
    /// </returns>
    ValueTask<SessionLease> GetAndLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Extends the lease to <paramref name="duration"/> from now, if <paramref name="holder"/> still holds it.</summary>
    /// <param name="id">The session ID.</param>
    /// <param name="holder">The lease's holder.</param>
    /// <param name="duration">How long the lease lasts from now.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether the lease was still held (and is now extended); <see langword="false"/> when it was lost.</returns>
    ValueTask<bool> RenewLeaseAsync(string id, string holder, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>
    /// In one atomic operation: if <paramref name="holder"/> still holds the lease, creates or replaces the session (as
    /// <see cref="IServerSessionStore.SetAsync"/> would; a record that has already expired deletes it) and, when
    /// <paramref name="release"/>, releases the lease.
    /// </summary>
    /// <param name="id">The session ID.</param>
    /// <param name="record">The payload and expiry to keep.</param>
    /// <param name="holder">The lease's holder.</param>
    /// <param name="release">Whether to release the lease with the write.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether the write happened; <see langword="false"/> (nothing written) when the lease was lost.</returns>
    ValueTask<bool> SetLeasedAsync(string id, SessionRecord record, string holder, bool release, CancellationToken cancellationToken);

    /// <summary>
    /// In one atomic operation: if <paramref name="holder"/> still holds the lease, deletes the session (as
    /// <see cref="IServerSessionStore.DestroyAsync"/> would: deleting a session that is not there is not an error). The
    /// lease is kept: the request that destroys or regenerates the session goes on holding it until it saves with
    /// <c>release</c> or calls <see cref="ReleaseLeaseAsync"/>.
    /// </summary>
    /// <param name="id">The session ID.</param>
    /// <param name="holder">The lease's holder.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// Whether the delete happened (the session is gone, and the lease still held); <see langword="false"/> (nothing
    /// deleted) when the lease was lost.
    /// </returns>
    ValueTask<bool> DestroyLeasedAsync(string id, string holder, CancellationToken cancellationToken);

    /// <summary>Releases the lease if <paramref name="holder"/> holds it; otherwise does nothing.</summary>
    /// <param name="id">The session ID.</param>
    /// <param name="holder">The lease's holder.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the lease is released.</returns>
    ValueTask ReleaseLeaseAsync(string id, string holder, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until the session's lease is released (by any process) or is found free, or until <paramref name="maxWait"/>
    /// has passed, whichever comes first; it never throws for the timeout. A lease that lapses without a release may not
    /// be noticed before <paramref name="maxWait"/>.
    /// </summary>
    /// <param name="id">The session ID.</param>
    /// <param name="maxWait">The longest wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the caller should try <see cref="GetAndLeaseAsync"/> again.</returns>
    Task WaitForReleaseAsync(string id, TimeSpan maxWait, CancellationToken cancellationToken);
}
