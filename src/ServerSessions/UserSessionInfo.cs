namespace ServerSessions;

/// <summary>One of a user's sessions, as <see cref="UserSessions"/> lists it.</summary>
/// <param name="Handle">Names the session to <see cref="UserSessions.RevokeAsync"/>; opaque, and never the session ID.</param>
/// <param name="Created">When the session began (before sign-in, when it was regenerated at sign-in).</param>
/// <param name="LastSeen">When the session was last used; may lag by up to a minute.</param>
/// <param name="UserAgent">The browser's <c>User-Agent</c>, as last seen (shortened to 256 characters).</param>
/// <param name="ClientAddress">The client's address, as last seen.</param>
/// <param name="IsCurrent">Whether this is the session of the request that asked.</param>
public sealed record UserSessionInfo(string Handle, DateTimeOffset Created, DateTimeOffset LastSeen, string? UserAgent, string? ClientAddress, bool IsCurrent);
