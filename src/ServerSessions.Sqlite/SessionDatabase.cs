using Microsoft.Data.Sqlite;

namespace ServerSessions.Sqlite;

/// <summary>Opens connections to the session database, each set up for its role: the one writer, or a reader.</summary>
internal sealed class SessionDatabase
{
    // Readers wait up to this long for a lock (in WAL mode only a connection in exclusive locking mode or a recovery holds
    // one they need), and Microsoft.Data.Sqlite's own retries of a busy statement stop at the same time.
    private const int ReaderBusyTimeoutMilliseconds = 5000;

    // The writer waits in slices, checking between them whether any caller still waits (SessionWriter.Lock).
    private const int WriterBusySliceMilliseconds = 20;

    // The writer's page cache: at most this much memory, taken only as the file's pages are used.
    private const int WriterCacheKibibytes = 32 * 1024;
    private readonly string _connectionString;
    private readonly SqliteSynchronous _synchronous;
    private readonly long? _maxSize;
    private readonly Action<SqliteConnection>? _opened;

    public SessionDatabase(string path, SqliteSynchronous synchronous, long? maxSize = null, Action<SqliteConnection>? opened = null)
    {
        _opened = opened;
        Path = path;
        _synchronous = synchronous;
        _maxSize = maxSize;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // The store keeps its own connections; Microsoft.Data.Sqlite's pool would keep the file open after disposal.
            Pooling = false,
            DefaultTimeout = ReaderBusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Opens the writer's connection: switches the file to WAL and creates the tables missing (a database from before the index gains it).</summary>
    public SqliteConnection OpenWriter()
    {
        // A new file gets 1 KiB pages (an existing one keeps its own): a commit writes each page it changed whole into the
        // log, and sessions are small rows scattered by random IDs, so larger pages make the log, and the checkpoints that
        // flush it, larger for the same writes (measured in bench/RESULTS.md).
        // No automatic checkpoints: WalCheckpointer runs them on its own connection, off the writer's path. A page cache
        // of WriterCacheKibibytes rather than SQLite's 2 MiB: every save looks its row up from the root, and with a
        // million sessions the pages on the way to the rows in use no longer fit in 2 MiB (2,000 pages of 1 KiB), so
        // each save read some of them back from the file.
        var synchronous = _synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
        var writer = Open(
            $"PRAGMA page_size = 1024; PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -{WriterCacheKibibytes}; {SessionTable.Create} {SessionIndexTable.Create}",
            WriterBusySliceMilliseconds);
        if (_maxSize is { } maxSize)
        {
            try
            {
                // A connection's own setting, not the file's: only the writer writes, so only the writer needs it.
                using var command = writer.CreateCommand();
                command.CommandText = "PRAGMA page_size";
                var pageSize = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                command.CommandText = $"PRAGMA max_page_count = {maxSize / pageSize}";
                command.ExecuteNonQuery();
            }
            catch
            {
                writer.Dispose();
                throw;
            }
        }

        return writer;
    }

    public SqliteConnection OpenReader() => Open(null, ReaderBusyTimeoutMilliseconds);

    /// <summary>Opens the checkpointer's connection; its passive checkpoints never wait on a lock, so its busy timeout is moot.</summary>
    public SqliteConnection OpenCheckpointer() => Open(null, ReaderBusyTimeoutMilliseconds);

    private SqliteConnection Open(string? setup, int busyTimeoutMilliseconds)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {busyTimeoutMilliseconds}; {setup}";
            command.ExecuteNonQuery();
            _opened?.Invoke(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
