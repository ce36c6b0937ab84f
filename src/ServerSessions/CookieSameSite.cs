namespace ServerSessions;

/// <summary>The session cookie's <c>SameSite</c> attribute (express-session's <c>cookie.sameSite</c>).</summary>
public enum CookieSameSite
{
    /// <summary><c>SameSite=Lax</c>: sent on top-level navigations and same-site requests. The default.</summary>
    Lax,

    /// <summary><c>SameSite=Strict</c>: sent on same-site requests only.</summary>
    Strict,

    /// <summary><c>SameSite=None</c>: sent on cross-site requests too; browsers require <c>Secure</c> with it.</summary>
    None,

    /// <summary>No <c>SameSite</c> attribute: the browser's default applies.</summary>
    Unspecified,

    /// <summary><c>None</c> on HTTPS requests, <c>Lax</c> on plain HTTP ones.</summary>
    Auto,
}
