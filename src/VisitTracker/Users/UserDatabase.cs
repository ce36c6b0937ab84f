using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace VisitTracker.Users;

/// <summary>
/// The users table in its SQLite file. Several processes on one machine may share the file (two nodes of the app, or
/// <c>add-user</c> beside a running app): it is in WAL mode, so readers never wait for the writer, and each connection
/// waits up to <see cref="BusyTimeoutMilliseconds"/> for another process's write to finish. Every signed-in request
/// looks its user up, so lookups reuse open connections with their statement prepared; the rare writes open their own.
/// </summary>
internal sealed class UserDatabase : IDisposable
{
    private const int BusyTimeoutMilliseconds = 5000;

    // COLLATE NOCASE: names differing only in ASCII case are one user (names are ASCII, see UserNames).
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS users (
            name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            security_stamp TEXT NOT NULL,
            created INTEGER NOT NULL
        ) WITHOUT ROWID
        """;

    // Idle lookups kept for reuse; more at once (a burst) are closed after use.
    private const int MaxIdleLookups = 16;

    private const string Find = "SELECT name, password_hash, security_stamp FROM users WHERE name = $name";

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly ConcurrentBag<SqliteCommand> _lookups = [];
    private int _idleLookups;

    /// <summary>Opens (creating if missing) the database at <paramref name="path"/> and its folder.</summary>
    public UserDatabase(string path, TimeProvider time)
    {
        _time = time;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Microsoft.Data.Sqlite's own retries of a busy statement stop when SQLite's busy timeout does.
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
            // The lookups keep their own connections; the writes are rare, and a pool would keep the file open after disposal.
            Pooling = false,
        }.ToString();

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA journal_mode = WAL; {Schema}";
        command.ExecuteNonQuery();
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The user named <paramref name="name"/> (in any ASCII case), or <see langword="null"/>.</summary>
    public async Task<UserRecord?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        var lookup = RentLookup();
        try
        {
            lookup.Parameters[0].Value = name;
            using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
            var user = await reader.ReadAsync(cancellationToken) ? new UserRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
            await reader.DisposeAsync();
            Return(lookup);
            return user;
        }
        catch
        {
            // A connection that failed is not reused.
            Close(lookup);
            throw;
        }
    }

    /// <summary>Adds the user; <see langword="false"/> when the name (in any ASCII case) is taken.</summary>
    public async Task<bool> TryAddAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO users (name, password_hash, security_stamp, created) VALUES ($name, $hash, $stamp, $created) ON CONFLICT DO NOTHING";
        command.Parameters.AddWithValue("$name", user.Name);
        command.Parameters.AddWithValue("$hash", user.PasswordHash);
        command.Parameters.AddWithValue("$stamp", user.SecurityStamp);
        command.Parameters.AddWithValue("$created", _time.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Replaces the user's hash, and the stamp when <paramref name="stamp"/> is given, if the hash is still
    /// <paramref name="expectedHash"/> (so two changes at once cannot both win); <see langword="false"/> otherwise.
    /// </summary>
    public async Task<bool> TryReplaceHashAsync(string name, string expectedHash, string hash, string? stamp, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE users SET password_hash = $hash, security_stamp = coalesce($stamp, security_stamp) WHERE name = $name AND password_hash = $expected";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$expected", expectedHash);
        command.Parameters.AddWithValue("$hash", hash);
        command.Parameters.AddWithValue("$stamp", (object?)stamp ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes the user; <see langword="false"/> when there was none.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM users WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public void Dispose()
    {
        while (_lookups.TryTake(out var lookup))
        {
            Close(lookup);
        }
    }

    private static void Close(SqliteCommand lookup)
    {
        lookup.Connection!.Dispose();
        lookup.Dispose();
    }

    private void Return(SqliteCommand lookup)
    {
        if (Interlocked.Increment(ref _idleLookups) <= MaxIdleLookups)
        {
            _lookups.Add(lookup);
        }
        else
        {
            Interlocked.Decrement(ref _idleLookups);
            Close(lookup);
        }
    }

    private SqliteCommand RentLookup()
    {
        if (_lookups.TryTake(out var lookup))
        {
            Interlocked.Decrement(ref _idleLookups);
            return lookup;
        }

        var connection = Open();
        lookup = connection.CreateCommand();
        lookup.CommandText = Find;
        lookup.Parameters.Add("$name", SqliteType.Text);
        lookup.Prepare();
        return lookup;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}");
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
