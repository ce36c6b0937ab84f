namespace ServerSessions;

/// <summary>What a user's session index keeps about one session (<see cref="IServerSessionIndexStore"/>).</summary>
/// <param name="LastSeen">When the session was last seen in use (refreshed at most once a minute).</param>
/// <param name="Expires">When the entry lapses from the index.</param>
/// <param name="UserAgent">The browser's <c>User-Agent</c> when the entry was written, shortened to 256 characters; <see langword="null"/> when it sent none.</param>
/// <param name="ClientAddress">The client's address when the entry was written (after forwarded headers); <see langword="null"/> when unknown.</param>
public readonly record struct SessionIndexEntry(DateTimeOffset LastSeen, DateTimeOffset Expires, string? UserAgent, string? ClientAddress);
