using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerSessions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the session store's health check.</summary>
public static class ServerSessionsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of whichever session store <c>Session:Store</c> chose, bounded by
    /// <see cref="ServerSessionOptions.StoreTimeout"/>: the SQLite store is healthy while its database is writable, the Redis
    /// store while Redis answers a PING, the memory store (and a store with no check of its own) always. The store is
    /// created by the first check if no request has created it yet. An unhealthy result's description, which the health
    /// check service logs, names no session ID, secret or password.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddHealthChecks</c>.</param>
    /// <param name="name">The check's name. Default <c>session-store</c>.</param>
    /// <param name="failureStatus">What a failure reports. Default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to select the check by, such as <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddHealthChecks().AddServerSessionsStore();
    /// app.MapHealthChecks("/readyz");
    /// </code>
    /// </example>
    public static IHealthChecksBuilder AddServerSessionsStore(
        this IHealthChecksBuilder builder, string name = "session-store", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        SessionStoreHealthCheck.Register(builder, name, null, failureStatus, tags);
}
