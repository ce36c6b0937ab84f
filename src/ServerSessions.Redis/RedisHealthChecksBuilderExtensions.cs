using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerSessions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Redis session store's health check.</summary>
public static class RedisHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that the Redis session store's Redis answers a PING, over the store's own connection, within
    /// <see cref="ServerSessionOptions.StoreTimeout"/>; unhealthy while Redis is down or hung, healthy again once the
    /// store has reconnected, and unhealthy when <c>Session:Store</c> chose another store. Its descriptions, which the
    /// health check service logs, never contain the configuration string (it may hold a password).
    /// <c>AddServerSessionsStore</c> checks whichever store is chosen instead.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddHealthChecks</c>.</param>
    /// <param name="name">The check's name. Default <c>session-store-redis</c>.</param>
    /// <param name="failureStatus">What a failure reports. Default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to select the check by, such as <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddRedisSessionStore(
        this IHealthChecksBuilder builder, string name = "session-store-redis", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        SessionStoreHealthCheck.Register(builder, name, "Redis", failureStatus, tags);
}
