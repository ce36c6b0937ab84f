using Microsoft.Data.Sqlite;

namespace ServerSessions.Sqlite;

/// <summary>
/// One batch of the sweep, run by the writer in its transaction: reads the next stretch of the <c>sessions</c> table in
/// key order (at most <see cref="SqliteSessionStoreOptions.SweepBatchSize"/> rows after where the last batch stopped)
/// and deletes the expired rows among them. With no index on the expiry, this is how expired rows are found: a whole
/// sweep reads every row once, in stretches short enough that requests' writes queued behind one wait little.
/// </summary>
internal sealed class SweepStretch : IDisposable
{
    private readonly SqliteCommand _walk;
    private readonly SqliteCommand _delete;
    private readonly List<string> _expired = [];

    public SweepStretch(SqliteConnection connection)
    {
        _walk = connection.CreateCommand();
        _walk.CommandText = SessionTable.Walk;
        _walk.Parameters.Add("$after", SqliteType.Text);
        _walk.Parameters.Add("$limit", SqliteType.Integer);
        _walk.Prepare();
        _delete = connection.CreateCommand();
        _delete.CommandText = SessionTable.DeleteExpired;
        _delete.Parameters.Add("$id", SqliteType.Text);
        _delete.Parameters.Add("$now", SqliteType.Integer);
        _delete.Prepare();
    }

    /// <summary>
    /// Deletes the expired rows of the stretch <paramref name="operation"/> names; returns how many, and sets where the
    /// next stretch starts (none once this one reached the table's end).
    /// </summary>
    public int Apply(WriteOperation operation, long now)
    {
        _walk.Parameters[0].Value = operation.SweepAfter;
        _walk.Parameters[1].Value = operation.Value;
        string? last = null;
        var read = 0;
        using (var reader = _walk.ExecuteReader())
        {
            while (reader.Read())
            {
                last = reader.GetString(0);
                read++;
                if (reader.GetInt64(1) <= now)
                {
                    _expired.Add(last);
                }
            }
        }

        var deleted = 0;
        _delete.Parameters[1].Value = now;
        foreach (var id in _expired)
        {
            _delete.Parameters[0].Value = id;
            deleted += _delete.ExecuteNonQuery();
        }

        _expired.Clear();
        operation.SweepNext = read < operation.Value ? null : last;
        return deleted;
    }

    public void Dispose()
    {
        _walk.Dispose();
        _delete.Dispose();
    }
}
