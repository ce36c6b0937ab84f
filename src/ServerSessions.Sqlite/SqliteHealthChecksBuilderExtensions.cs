using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerSessions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the SQLite session store's health check.</summary>
public static class SqliteHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that the SQLite session store's database is writable: its file is still where the store opened it,
    /// and a write through the store's writer (one that leaves every session as it was) commits within
    /// <see cref="ServerSessionOptions.StoreTimeout"/>. Unhealthy when <c>Session:Store</c> chose another store.
    /// <c>AddServerSessionsStore</c> checks whichever store is chosen instead.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddHealthChecks</c>.</param>
    /// <param name="name">The check's name. Default <c>session-store-sqlite</c>.</param>
    /// <param name="failureStatus">What a failure reports. Default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to select the check by, such as <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddSqliteSessionStore(
        this IHealthChecksBuilder builder, string name = "session-store-sqlite", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        SessionStoreHealthCheck.Register(builder, name, "Sqlite", failureStatus, tags);
}
