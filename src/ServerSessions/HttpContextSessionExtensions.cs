using Microsoft.AspNetCore.Http.Features;
using ServerSessions;

namespace Microsoft.AspNetCore.Http;

/// <summary>Reaches the request's <see cref="ServerSession"/> from an <see cref="HttpContext"/>.</summary>
public static class HttpContextSessionExtensions
{
    /// <summary>The request's session, not necessarily loaded yet (see <see cref="LoadSessionAsync"/>).</summary>
    /// <param name="context">The request.</param>
    /// <returns>The session.</returns>
    /// <exception cref="InvalidOperationException">The ServerSessions middleware is not in the pipeline.</exception>
    public static ServerSession GetServerSession(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ISessionFeature>()?.Session as ServerSession
            ?? throw new InvalidOperationException(
                "No ServerSession on this request: call app.UseServerSessions() before the endpoints (and after UseStaticFiles).");
    }

    /// <summary>The request's session, loaded from the store (once; later calls return at once).</summary>
    /// <param name="context">The request.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The loaded session.</returns>
    /// <exception cref="SessionStoreException">The store failed; the middleware answers 503.</exception>
    public static async ValueTask<ServerSession> LoadSessionAsync(this HttpContext context, CancellationToken cancellationToken = default)
    {
        var session = context.GetServerSession();
        await session.LoadAsync(cancellationToken);
        return session;
    }
}
