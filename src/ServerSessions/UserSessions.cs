using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServerSessions;

/// <summary>
/// Every user's sessions, listed and revocable: "where am I signed in", "sign out that one", "sign out everywhere else".
/// Needs a store that keeps a session index (<see cref="IServerSessionIndexStore"/>: the Memory, SQLite and Redis stores
/// do). Lists only sessions the store still holds for the user (an expired, destroyed or regenerated one never shows),
/// and names them by an opaque handle, never by ID. A revoked session is destroyed under its turn, like a request of it
/// would, so a request of it in flight cannot save it back; its next request is anonymous, on every node.
/// </summary>
public sealed class UserSessions
{
    private const int ParallelReads = 16;
    private readonly SessionRuntime _runtime;
    private readonly SessionIndexing _indexing;
    private readonly byte[] _handleKey;

    internal UserSessions(SessionRuntime runtime, SessionIndexing indexing)
    {
        _runtime = runtime;
        _indexing = indexing;
        _handleKey = runtime.Signer.DeriveKey("ServerSessions.UserSessions.Handle");
    }

    /// <summary>Whether the store keeps a session index, so that the other members work.</summary>
    public bool IsSupported => _indexing.Index is not null;

    /// <summary>The sessions of the request's signed-in user, the request's own marked <see cref="UserSessionInfo.IsCurrent"/>, most recently seen first.</summary>
    /// <param name="context">The request.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The sessions.</returns>
    /// <exception cref="InvalidOperationException">Nobody is signed in on this request's session, or the store keeps no index.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    public async Task<IReadOnlyList<UserSessionInfo>> ListAsync(HttpContext context, CancellationToken cancellationToken = default)
    {
        var current = await CurrentAsync(context, cancellationToken);
        return await ListAsync(current.User, current.Id, cancellationToken);
    }

    /// <summary>The sessions of <paramref name="user"/> (the serialized user), most recently seen first; none is current.</summary>
    /// <param name="user">The serialized user, as sign-in stored it.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The sessions.</returns>
    /// <exception cref="InvalidOperationException">The store keeps no index.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    public Task<IReadOnlyList<UserSessionInfo>> ListAsync(string user, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return ListAsync(user, null, cancellationToken);
    }

    /// <summary>
    /// Ends one of the request's user's sessions, named by its handle. Ending the request's own session signs it out,
    /// as <c>SignOutAsync</c> does.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="handle">The handle <see cref="ListAsync(HttpContext, CancellationToken)"/> gave.</param>
    /// <param name="cancellationToken">Cancels the store's calls.</param>
    /// <returns>Whether a session of the user had that handle (and is now ended).</returns>
    /// <exception cref="InvalidOperationException">Nobody is signed in on this request's session, or the store keeps no index.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="SessionBusyException">The session was busy for longer than Session:LockTimeout; it is not ended.</exception>
    public async Task<bool> RevokeAsync(HttpContext context, string handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var current = await CurrentAsync(context, cancellationToken);
        foreach (var session in await LiveAsync(current.User, cancellationToken))
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Handle(session.Id)), Encoding.ASCII.GetBytes(handle)))
            {
                continue;
            }

            if (session.Id == current.Id)
            {
                await SignOutCurrentAsync(current.Session, current.User, RevocationScope.One, cancellationToken);
            }
            else
            {
                await EndAsync(current.User, session.Id, RevocationScope.One, cancellationToken);
            }

            return true;
        }

        return false;
    }

    /// <summary>Ends every session of the request's user but the request's own ("sign out everywhere else").</summary>
    /// <param name="context">The request.</param>
    /// <param name="cancellationToken">Cancels the store's calls.</param>
    /// <returns>How many sessions were ended.</returns>
    /// <exception cref="InvalidOperationException">Nobody is signed in on this request's session, or the store keeps no index.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="SessionBusyException">A session was busy for longer than Session:LockTimeout; those before it are ended.</exception>
    public async Task<int> RevokeOthersAsync(HttpContext context, CancellationToken cancellationToken = default)
    {
        var current = await CurrentAsync(context, cancellationToken);
        return await EndAllAsync(current.User, current.Id, RevocationScope.Others, cancellationToken);
    }

    /// <summary>Ends every session of the request's user, the request's own too, which is signed out as <c>SignOutAsync</c> does ("sign out everywhere").</summary>
    /// <param name="context">The request.</param>
    /// <param name="cancellationToken">Cancels the store's calls.</param>
    /// <returns>How many sessions were ended, the request's own included.</returns>
    /// <exception cref="InvalidOperationException">Nobody is signed in on this request's session, or the store keeps no index.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="SessionBusyException">A session was busy for longer than Session:LockTimeout; those before it are ended.</exception>
    public async Task<int> RevokeAllAsync(HttpContext context, CancellationToken cancellationToken = default)
    {
        var current = await CurrentAsync(context, cancellationToken);
        var ended = await EndAllAsync(current.User, current.Id, RevocationScope.All, cancellationToken);
        await SignOutCurrentAsync(current.Session, current.User, RevocationScope.All, cancellationToken);
        return ended + 1;
    }

    /// <summary>
    /// Ends every session of <paramref name="user"/> ("sign out everywhere", e.g. after a password reset by an
    /// administrator or a background job). Not from a request of one of that user's sessions: it would wait for its own
    /// session's turn until Session:LockTimeout; use <see cref="RevokeAllAsync(HttpContext, CancellationToken)"/> there.
    /// </summary>
    /// <param name="user">The serialized user, as sign-in stored it.</param>
    /// <param name="cancellationToken">Cancels the store's calls.</param>
    /// <returns>How many sessions were ended.</returns>
    /// <exception cref="InvalidOperationException">The store keeps no index.</exception>
    /// <exception cref="SessionStoreException">The store failed.</exception>
    /// <exception cref="SessionBusyException">A session was busy for longer than Session:LockTimeout; those before it are ended.</exception>
    public Task<int> RevokeAllAsync(string user, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return EndAllAsync(user, null, RevocationScope.All, cancellationToken);
    }

    private async Task<IReadOnlyList<UserSessionInfo>> ListAsync(string user, string? currentId, CancellationToken cancellationToken)
    {
        var now = _runtime.Time.GetUtcNow();
        return [.. (await LiveAsync(user, cancellationToken))
            .Select(s => new UserSessionInfo(
                Handle(s.Id),
                s.CreatedUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedUnixMs) : s.Entry.LastSeen,
                s.Id == currentId ? now : s.Entry.LastSeen,
                s.Entry.UserAgent,
                s.Entry.ClientAddress,
                s.Id == currentId))
            .OrderByDescending(s => s.LastSeen)];
    }

    private async Task<int> EndAllAsync(string user, string? exceptId, string scope, CancellationToken cancellationToken)
    {
        var ended = 0;
        foreach (var session in await LiveAsync(user, cancellationToken))
        {
            if (session.Id != exceptId)
            {
                await EndAsync(user, session.Id, scope, cancellationToken);
                ended++;
            }
        }

        return ended;
    }

    /// <summary>
    /// The user's indexed sessions that the store still holds for that user, read without their turns; entries whose
    /// session is gone (or now someone else's, or nobody's) are removed from the index.
    /// </summary>
    private async Task<LiveSession[]> LiveAsync(string user, CancellationToken cancellationToken)
    {
        var index = _indexing.Index ?? throw NoIndex();
        var entries = await _runtime.GuardedStore.CallAsync(
            static (s, ct) => s.Index.ListAsync(s.User, ct), (Index: index, User: user), StoreOperation.IndexList, cancellationToken);

        // A few reads at a time: a user with hundreds of entries must not fill the store's read queue (SQLite's is bounded).
        var sessions = new List<LiveSession>(entries.Count);
        foreach (var batch in entries.Chunk(ParallelReads))
        {
            sessions.AddRange((await Task.WhenAll(batch.Select(entry => LiveOrDroppedAsync(user, entry, cancellationToken)))).OfType<LiveSession>());
        }

        return [.. sessions];
    }

    private async Task<LiveSession?> LiveOrDroppedAsync(string user, IndexedSession entry, CancellationToken cancellationToken)
    {
        var record = await _runtime.GuardedStore.GetAsync(entry.Id, cancellationToken);
        if (record is { } found && Parse(found) is { } payload && PassportUser.Read(payload.Values) == user)
        {
            return new LiveSession(entry.Id, entry.Entry, payload.CreatedUnixMs);
        }

        await _indexing.RemoveAsync(user, entry.Id, cancellationToken);
        return null;
    }

    /// <summary>
    /// Ends session <paramref name="id"/> of <paramref name="user"/> the way a request of it would: with its turn (its
    /// lock, and its lease on a shared store) when sessions take turns, so a request of it in flight finishes first and
    /// cannot save it back; destroyed only if it still belongs to the user.
    /// </summary>
    private async Task EndAsync(string user, string id, string scope, CancellationToken cancellationToken)
    {
        if (_runtime.Options.Concurrency == SessionConcurrency.Serialized)
        {
            var turn = new SessionTurn(_runtime);
            try
            {
                if (await turn.TakeAndLoadAsync(id, cancellationToken) is { } record && Parse(record) is { } payload && PassportUser.Read(payload.Values) == user)
                {
                    await turn.DestroyAsync(id, cancellationToken);
                    Revoked(id, scope);
                }
            }
            finally
            {
                turn.End();
            }
        }
        else if (await _runtime.GuardedStore.GetAsync(id, cancellationToken) is { } record && Parse(record) is { } payload && PassportUser.Read(payload.Values) == user)
        {
            await _runtime.GuardedStore.DestroyAsync(id, cancellationToken);
            Revoked(id, scope);
        }

        await _indexing.RemoveAsync(user, id, cancellationToken);
    }

    private async Task SignOutCurrentAsync(ServerSession session, string user, string scope, CancellationToken cancellationToken)
    {
        await session.LoadAsync(cancellationToken);
        var id = session.Id;
        await session.DestroyAsync(cancellationToken);
        await _indexing.RemoveAsync(user, id, cancellationToken);
        Revoked(id, scope);
    }

    private async Task<CurrentSession> CurrentAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_indexing.Index is null)
        {
            throw NoIndex();
        }

        var session = context.Features.Get<ISessionFeature>() as ServerSession
            ?? throw new InvalidOperationException("UserSessions needs the request's session: call app.UseServerSessions() first.");
        var lifecycle = session.Lifecycle;
        string? id;
        string? user;
        if (lifecycle.IsLoaded)
        {
            id = lifecycle.Contents.Id;
            user = PassportUser.Read(lifecycle.Contents.Values!);
        }
        else
        {
            id = lifecycle.Peek.Cookie.Id;
            user = await lifecycle.Peek.ReadAsync(cancellationToken) is { } record && Parse(record) is { } payload ? PassportUser.Read(payload.Values) : null;
        }

        return user is null
            ? throw new InvalidOperationException("Nobody is signed in on this request's session.")
            : new CurrentSession(session, id!, user);
    }

    private void Revoked(string id, string scope)
    {
        _runtime.Logger.SessionRevoked(new SessionLogId(id));
        _runtime.Metrics.Revocations.Add(1, new KeyValuePair<string, object?>(SessionMetrics.RevocationScopeTag, scope));
    }

    private string Handle(string id)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_handleKey, Encoding.UTF8.GetBytes(id), mac);
        return Convert.ToBase64String(mac[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static SessionPayload? Parse(SessionRecord record) => SessionPayload.TryParse(record.Payload.Span);

    private InvalidOperationException NoIndex() => new(
        $"The session store '{_runtime.StoreName}' keeps no index of users' sessions (IServerSessionIndexStore), so they cannot be listed or revoked. " +
        "The Memory, Sqlite and Redis stores keep one.");

    // The server_sessions.revocation.scope tag: which of the user's sessions the call ended.
    private static class RevocationScope
    {
        public const string One = "one";
        public const string Others = "others";
        public const string All = "all";
    }

    private readonly record struct CurrentSession(ServerSession Session, string Id, string User);

    private readonly record struct LiveSession(string Id, SessionIndexEntry Entry, long CreatedUnixMs);
}
