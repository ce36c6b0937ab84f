using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Sqlite;

namespace ServerSessions.Tests.Stores;

/// <summary>What the SQLite store promises about its session index beyond the contract (<see cref="SqliteSessionIndexConformanceTests"/>).</summary>
public sealed class SqliteSessionIndexTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _time = new(Start);

    private string DatabasePath => _folder.File("sessions.db");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Entries_SurviveClosingAndReopeningTheStore()
    {
        var entry = new SessionIndexEntry(Start, Start.AddHours(1).AddMilliseconds(3), "agent", "192.0.2.1");
        await using (var store = Open())
        {
            await store.IndexAsync("alice", "a", entry, None);
        }

        await using var reopened = Open();
        Assert.Equal(new IndexedSession("a", entry), Assert.Single(await reopened.ListAsync("alice", None)));
    }

    [Fact]
    public async Task AnAcknowledgedIndex_IsCommittedToTheFile_BeforeTheStoreCloses()
    {
        await using var store = Open();

        await store.IndexAsync("alice", "a", new SessionIndexEntry(Start, Start.AddHours(1), null, null), None);

        // Another connection sees it: it is in the write-ahead log, as a committed session is, so a killed process keeps it.
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM session_index WHERE user = 'alice' AND id = 'a'"));
    }

    [Fact]
    public async Task ADatabaseFromBeforeTheIndex_Opens_KeepsItsSessions_AndGainsTheIndex()
    {
        var expires = Start.AddHours(1).ToUnixTimeMilliseconds();
        using (var connection = Connect())
        {
            using var command = connection.CreateCommand();
            command.CommandText =
                "PRAGMA journal_mode = WAL;" +
                "CREATE TABLE sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;" +
                "CREATE INDEX sessions_expires ON sessions (expires);" +
                $"INSERT INTO sessions VALUES ('old', x'7b7d', {expires});";
            command.ExecuteNonQuery();
        }

        await using var store = Open();

        Assert.Equal("{}"u8.ToArray(), (await store.GetAsync("old", None))?.Payload.ToArray());
        await store.IndexAsync("alice", "old", new SessionIndexEntry(Start, Start.AddHours(1), "agent", null), None);
        Assert.Equal("old", Assert.Single(await store.ListAsync("alice", None)).Id);
    }

    [Fact]
    public async Task TheSweep_DeletesExpiredEntriesInBatches_AndKeepsLiveOnes()
    {
        await using var store = Open(options => options.SweepBatchSize = 100);
        await Task.WhenAll(Enumerable.Range(0, 250).Select(i =>
            store.IndexAsync($"user{i % 3}", $"old-{i}", new SessionIndexEntry(Start, Start.AddSeconds(10), null, null), None).AsTask()));
        await store.IndexAsync("user0", "live", new SessionIndexEntry(Start, Start.AddHours(1), null, null), None);
        _time.SetUtcNow(Start.AddSeconds(10));

        Assert.Equal(250, await store.Sweeper.SweepAsync(None));

        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM session_index"));
    }

    private SqliteSessionStore Open(Action<SqliteSessionStoreOptions>? configure = null)
    {
        var options = new SqliteSessionStoreOptions { Path = DatabasePath };
        configure?.Invoke(options);
        return new SqliteSessionStore(options, _time, NullLogger<SqliteSessionStore>.Instance);
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private long Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
