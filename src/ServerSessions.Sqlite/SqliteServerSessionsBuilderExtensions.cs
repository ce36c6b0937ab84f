using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerSessions;
using ServerSessions.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite session store.</summary>
public static class SqliteServerSessionsBuilderExtensions
{
    private const string StoreName = "Sqlite";

    /// <summary>
    /// Registers <see cref="SqliteSessionStore"/> as the <c>Sqlite</c> store, with options from <c>Session:Sqlite</c>
    /// (a key there that no option has is a startup error) and then <paramref name="configure"/>. Unless
    /// <see cref="ServerSessionOptions.SecretFile"/> is set, a generated secret is kept beside the database as
    /// <c>session-secret</c>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddServerSessions</c>.</param>
    /// <param name="configure">Sets options after the configuration section is applied.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddServerSessions(builder.Configuration.GetSection("Session"))
    ///     .AddSqliteStore(sqlite => sqlite.Path = "/var/lib/myapp/sessions.db");
    /// </code>
    /// </example>
    public static ServerSessionsBuilder AddSqliteStore(this ServerSessionsBuilder builder, Action<SqliteSessionStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddStoreOptions(StoreName, configure).ValidateOnStart();
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<SqliteSessionStoreOptions>, SqliteSessionStoreOptionsValidator>());

        builder.Services.AddOptions<ServerSessionOptions>().PostConfigure<IOptions<SqliteSessionStoreOptions>>((session, sqlite) =>
            session.SecretFile ??= Path.Combine(Path.GetDirectoryName(sqlite.Value.FullPath)!, "session-secret"));

        return builder.AddStore(StoreName, services => new SqliteSessionStore(
            services.GetRequiredService<IOptions<SqliteSessionStoreOptions>>().Value,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILogger<SqliteSessionStore>>() ?? NullLogger<SqliteSessionStore>.Instance,
            services.GetService<SessionMetrics>()));
    }
}
