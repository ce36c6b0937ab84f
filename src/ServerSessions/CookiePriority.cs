namespace ServerSessions;

/// <summary>The session cookie's <c>Priority</c> attribute (express-session's <c>cookie.priority</c>).</summary>
public enum CookiePriority
{
    /// <summary>No <c>Priority</c> attribute. The default.</summary>
    Unspecified,

    /// <summary><c>Priority=Low</c>.</summary>
    Low,

    /// <summary><c>Priority=Medium</c>.</summary>
    Medium,

    /// <summary><c>Priority=High</c>.</summary>
    High,
}
