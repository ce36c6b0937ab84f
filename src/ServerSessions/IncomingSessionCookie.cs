using Microsoft.AspNetCore.Http;

namespace ServerSessions;

/// <summary>
/// What the request's session cookie says: the session ID it carries once found, decoded, verified and well formed
/// (<see langword="null"/> when there is none or it was rejected), and whether it must be sent again signed with the
/// current secret. A request outside <see cref="SessionCookieOptions.Path"/> has no session at all.
/// </summary>
internal readonly record struct IncomingSessionCookie(string? Id, bool SignedWithOlderSecret, bool OutsideCookiePath)
{
    private const int MaxValueChars = 4096;

    public static IncomingSessionCookie Read(HttpContext context, SessionRuntime runtime)
    {
        var options = runtime.Options;
        if (!IsWithinCookiePath(context.Request, options.Cookie.Path))
        {
            // express-session ignores requests outside cookie.path: the browser would never send the cookie back, so storing
            // a session here would only leave an orphan record.
            return new(null, false, OutsideCookiePath: true);
        }

        Span<char> decoded = stackalloc char[256];
        if (!CookieHeaderParser.TryFind(context.Request.Headers.Cookie, options.Name, decoded, out var raw))
        {
            return default;
        }

        if (raw.Length > MaxValueChars)
        {
            runtime.RejectedCookies.Rejected(context, "oversized");
        }
        else if (!runtime.VerifiedCookies.TryVerify(raw, out var id, out var current))
        {
            runtime.RejectedCookies.Rejected(context, raw.StartsWith("s:", StringComparison.Ordinal) ? RejectedCookies.BadSignature : "unsigned");
        }
        else if (!SessionIds.IsWellFormed(id))
        {
            runtime.RejectedCookies.Rejected(context, "malformed id");
        }
        else
        {
            return new(id, SignedWithOlderSecret: !current, OutsideCookiePath: false);
        }

        return default;
    }

    private static bool IsWithinCookiePath(HttpRequest request, string cookiePath)
    {
        var path = request.PathBase.Add(request.Path).Value;
        return string.IsNullOrEmpty(path) ? cookiePath == "/" : path.StartsWith(cookiePath, StringComparison.Ordinal);
    }
}
