using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServerSessions;

/// <summary>
/// A store that can tell whether it is able to serve now (the SQLite store: its database writable; the Redis store: Redis
/// answering). The store packages' stores implement it; the health checks of <c>AddServerSessionsStore</c> and the store
/// packages ask it, bounded by <see cref="ServerSessionOptions.StoreTimeout"/>.
/// </summary>
internal interface IHealthCheckedSessionStore
{
    /// <summary>
    /// Healthy, or unhealthy with a description for the log, which names no session ID, secret or password. It may throw;
    /// it stops when <paramref name="cancellationToken"/> is canceled.
    /// </summary>
    Task<HealthCheckResult> CheckHealthAsync(CancellationToken cancellationToken);
}
