using System.Data;
using Microsoft.Data.Sqlite;

namespace ServerSessions.Sqlite;

/// <summary>A read connection with its prepared selects (a session, a user's index); used by one caller at a time, lent by <see cref="SessionReaderPool"/>.</summary>
internal sealed class SessionReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _select;
    private readonly SqliteParameter _id;
    private readonly SqliteParameter _now;
    private readonly SqliteCommand _selectIndex;
    private readonly SqliteParameter _user;
    private readonly SqliteParameter _indexNow;

    public SessionReader(SqliteConnection connection)
    {
        _connection = connection;
        _select = connection.CreateCommand();
        _select.CommandText = SessionTable.Select;
        _id = _select.Parameters.Add("$id", SqliteType.Text);
        _now = _select.Parameters.Add("$now", SqliteType.Integer);
        _select.Prepare();
        _selectIndex = connection.CreateCommand();
        _selectIndex.CommandText = SessionIndexTable.Select;
        _user = _selectIndex.Parameters.Add(new SqliteParameter { ParameterName = "$user" }); // text or blob: SessionIndexTable.UserKey
        _indexNow = _selectIndex.Parameters.Add("$now", SqliteType.Integer);
        _selectIndex.Prepare();
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

    /// <summary>Reads <paramref name="user"/>'s index entries that expire after <paramref name="now"/> (Unix milliseconds).</summary>
    public IReadOnlyList<IndexedSession> ReadIndex(string user, long now)
    {
        _user.Value = SessionIndexTable.UserKey(user);
        _indexNow.Value = now;
        using var reader = _selectIndex.ExecuteReader();
        var entries = new List<IndexedSession>();
        while (reader.Read())
        {
            entries.Add(new IndexedSession(
                reader.GetString(0),
                new SessionIndexEntry(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4))));
        }

        return entries;
    }

    public void Dispose()
    {
        _select.Dispose();
        _selectIndex.Dispose();
        _connection.Dispose();
    }
}
