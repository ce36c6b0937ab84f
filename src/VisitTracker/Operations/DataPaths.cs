using Microsoft.Extensions.Options;
using ServerSessions;
using ServerSessions.Sqlite;

namespace VisitTracker.Operations;

/// <summary>
/// Where VisitTracker keeps its data, logged at startup as absolute paths. Relative paths in its settings are resolved
/// against the working directory (a service sets its WorkingDirectory, or gives absolute paths), so the README's
/// <c>dotnet run --project src/VisitTracker</c> keeps <c>data/</c> in the repository, not in the build output.
/// </summary>
internal static class DataPaths
{
    public static void Log(WebApplication app, string usersDatabase)
    {
        var session = app.Services.GetRequiredService<IOptions<ServerSessionOptions>>().Value;
        var sessions = string.Equals(session.Store, "Sqlite", StringComparison.OrdinalIgnoreCase)
            ? app.Services.GetRequiredService<IOptions<SqliteSessionStoreOptions>>().Value.Path
                + (session.Secret is null && session.Secrets is not { Count: > 0 } ? $" (secret in {session.SecretFile})" : "")
            : $"the {session.Store} store";
        var keys = DataProtectionKeys.UsesRedis(app.Configuration) ? $"Redis ({DataProtectionKeys.RedisKey})" : DataProtectionKeys.Folder(usersDatabase);
        app.Logger.DataPaths(sessions, usersDatabase, keys);
    }
}
