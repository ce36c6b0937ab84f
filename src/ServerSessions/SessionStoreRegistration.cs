namespace ServerSessions;

/// <summary>A store that <see cref="ServerSessionOptions.Store"/> can choose by name.</summary>
internal sealed record SessionStoreRegistration(string Name, Func<IServiceProvider, IServerSessionStore> Factory, bool Shared);
