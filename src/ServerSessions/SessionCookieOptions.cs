namespace ServerSessions;

/// <summary>The session cookie's attributes, with express-session's names and defaults (<c>cookie.*</c>).</summary>
public sealed class SessionCookieOptions
{
    /// <summary>The cookie's <c>Path</c>. Default <c>/</c>.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The cookie's <c>Domain</c>. Default none: the cookie belongs to the request's host only.</summary>
    public string? Domain { get; set; }

    /// <summary>Whether the cookie carries <c>HttpOnly</c>, hiding it from scripts. Default <see langword="true"/>.</summary>
    public bool HttpOnly { get; set; } = true;

    /// <summary>When the cookie carries <c>Secure</c>. Default <see cref="CookieSecure.False"/>.</summary>
    public CookieSecure Secure { get; set; } = CookieSecure.False;

    /// <summary>The cookie's <c>SameSite</c>. Default <see cref="CookieSameSite.Lax"/>.</summary>
    public CookieSameSite SameSite { get; set; } = CookieSameSite.Lax;

    /// <summary>
    /// How long the cookie lives in the browser, counted from each response that sets it. Default none: a
    /// browser-session cookie with no <c>Expires</c>, sent once when the session starts. At most 400 days, browsers' cap.
    /// A session can override it (<see cref="ServerSession.MaxAge"/>, for "remember me").
    /// </summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Whether the cookie carries <c>Partitioned</c> (CHIPS). Default <see langword="false"/>.</summary>
    public bool Partitioned { get; set; }

    /// <summary>The cookie's <c>Priority</c>. Default <see cref="CookiePriority.Unspecified"/>.</summary>
    public CookiePriority Priority { get; set; }
}
