using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Sqlite;

namespace ServerSessions.Tests.Stores;

/// <summary>The index contract on SQLite, on the suite's fake clock: expired rows are deleted by the store's sweep.</summary>
public class SqliteSessionIndexConformanceTests : SessionIndexStoreConformanceTests
{
    private readonly TempDirectory _folder = new();

    protected virtual int CacheSize => new SqliteSessionStoreOptions().CacheSize;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    protected override IServerSessionIndexStore CreateStore(FakeTimeProvider time) => new SqliteSessionStore(
        new SqliteSessionStoreOptions { Path = _folder.File("sessions.db"), CacheSize = CacheSize }, time, NullLogger<SqliteSessionStore>.Instance);

    protected override async Task CleanUpAsync() => await ((SqliteSessionStore)Store).Sweeper.SweepAsync(None);

    protected override Task<long> StoredEntriesAsync(string user)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _folder.File("sessions.db"), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM session_index WHERE user = $user";
        command.Parameters.AddWithValue("$user", user);
        return Task.FromResult((long)command.ExecuteScalar()!);
    }
}

/// <summary>The same contract with the session cache off (the index is never cached; the sessions beside it are).</summary>
public sealed class UncachedSqliteSessionIndexConformanceTests : SqliteSessionIndexConformanceTests
{
    protected override int CacheSize => 0;
}
