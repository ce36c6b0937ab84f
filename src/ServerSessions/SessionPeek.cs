using Microsoft.AspNetCore.Http;

namespace ServerSessions;

/// <summary>
/// What a request's session cookie names, read once, and a look at the stored session taken without the session's turn
/// (no lock, no lease): what authentication needs to know who is signed in. The look is one store read, kept so that a
/// load that takes no turn either (a read-only endpoint, LastWriteWins) reads nothing more. A load that takes the turn
/// reads again under it: a read made before the turn may miss a write made just before the turn was given up.
/// </summary>
internal sealed class SessionPeek(HttpContext context, SessionRuntime runtime)
{
    private IncomingSessionCookie? _cookie;
    private SessionRecord? _record;
    private bool _read;

    /// <summary>The request's session cookie, read, verified and counted (when rejected) once per request.</summary>
    public IncomingSessionCookie Cookie => _cookie ??= IncomingSessionCookie.Read(context, runtime);

    /// <summary>
    /// The stored session the cookie names, read without a turn, once per request; <see langword="null"/> with no cookie
    /// (nothing is read then), an unknown or expired ID. A failed read is not kept: the next call reads again.
    /// </summary>
    public async ValueTask<SessionRecord?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!_read && Cookie.Id is { } id)
        {
            _record = await runtime.GuardedStore.GetAsync(id, cancellationToken);
            _read = true;
        }

        return _record;
    }

    /// <summary>
    /// The stored session for a load without a turn: the look's read when one was taken (once: a later reload reads
    /// the store again), else a read now.
    /// </summary>
    public ValueTask<SessionRecord?> TakeAsync(string id, CancellationToken cancellationToken)
    {
        if (_read)
        {
            _read = false;
            var record = _record;
            _record = null;
            return ValueTask.FromResult(record);
        }

        return runtime.GuardedStore.GetAsync(id, cancellationToken);
    }
}
