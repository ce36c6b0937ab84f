using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ServerSessions.Sqlite;

/// <summary>
/// The health check's write: the database header's <c>user_version</c> written back unchanged, which makes SQLite write
/// and commit a page (so a full disk or a failing file shows) without touching a session or adding a table.
/// </summary>
internal static class WriteProbe
{
    public static int Apply(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        command.CommandText = $"PRAGMA user_version = {version.ToString(CultureInfo.InvariantCulture)}";
        command.ExecuteNonQuery();
        return 0;
    }
}
