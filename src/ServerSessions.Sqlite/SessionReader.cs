using System.Data;
using Microsoft.Data.Sqlite;

namespace ServerSessions.Sqlite;

/// <summary>A read connection with its prepared select; used by one caller at a time, lent by <see cref="SessionReaderPool"/>.</summary>
internal sealed class SessionReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _select;
    private readonly SqliteParameter _id;
    private readonly SqliteParameter _now;

    public SessionReader(SqliteConnection connection)
    {
        _connection = connection;
        _select = connection.CreateCommand();
        _select.CommandText = SessionTable.Select;
        _id = _select.Parameters.Add("$id", SqliteType.Text);
        _now = _select.Parameters.Add("$now", SqliteType.Integer);
        _select.Prepare();
    }

    /// <summary>Reads a session that expires after <paramref name="now"/> (Unix milliseconds).</summary>
    public SessionRecord? Read(string id, long now)
    {
        _id.Value = id;
        _now.Value = now;
        using var reader = _select.ExecuteReader(CommandBehavior.SingleRow);
        if (!reader.Read())
        {
            return null;
        }

        return new SessionRecord(reader.GetFieldValue<byte[]>(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
    }

    public void Dispose()
    {
        _select.Dispose();
        _connection.Dispose();
    }
}
