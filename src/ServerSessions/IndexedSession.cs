namespace ServerSessions;

/// <summary>One entry of a user's session index, as <see cref="IServerSessionIndexStore.ListAsync"/> returns it.</summary>
/// <param name="Id">The session ID: for the store and the middleware only, never shown to the app.</param>
/// <param name="Entry">What the index keeps about the session.</param>
public readonly record struct IndexedSession(string Id, SessionIndexEntry Entry);
