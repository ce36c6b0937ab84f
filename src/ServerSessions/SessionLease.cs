namespace ServerSessions;

/// <summary>The outcome of <see cref="IServerSessionLeaseStore.GetAndLeaseAsync"/>.</summary>
/// <param name="Acquired">Whether the caller now holds the lease.</param>
/// <param name="Record">When acquired, the session, or <see langword="null"/> when not found.</param>
/// <param name="Remaining">When not acquired, how long the other holder's lease has left.</param>
public readonly record struct SessionLease(bool Acquired, SessionRecord? Record, TimeSpan Remaining);
