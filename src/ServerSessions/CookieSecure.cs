namespace ServerSessions;

/// <summary>When the session cookie carries the <c>Secure</c> attribute (express-session's <c>cookie.secure</c>).</summary>
public enum CookieSecure
{
    /// <summary>Never: the cookie is sent over plain HTTP too. The default, as in express-session.</summary>
    False,

    /// <summary>
    /// Always: the cookie is only set on HTTPS requests (as seen after forwarded headers); a plain HTTP request gets
    /// no <c>Set-Cookie</c> at all.
    /// </summary>
    True,

    /// <summary><c>Secure</c> on HTTPS requests, none on plain HTTP ones.</summary>
    Auto,
}
