namespace ServerSessions;

/// <summary>
/// How many new sessions one client address may start (<c>Session:NewSessionLimit</c>), so a flood of cookie-less
/// requests cannot fill the store and push out everyone else's sessions. A request that carries a valid session is never
/// limited; only storing a session the request did not come with takes a permit.
/// </summary>
public sealed class NewSessionLimitOptions
{
    /// <summary>
    /// New sessions per minute each client address may start once its <see cref="Burst"/> is spent. Default 600, enough
    /// for a busy office behind one address. <c>0</c> turns the limit off.
    /// </summary>
    public int PermitsPerMinute { get; set; } = 600;

    /// <summary>
    /// New sessions a client address may start at once, before <see cref="PermitsPerMinute"/> paces it; refilled at that
    /// rate while the address starts none. Default 600: a full minute's worth.
    /// </summary>
    public int Burst { get; set; } = 600;
}
