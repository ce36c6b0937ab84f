using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Sqlite;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>What the SQLite store promises beyond the store contract (which <see cref="SqliteSessionStoreConformanceTests"/> covers).</summary>
public sealed class SqliteSessionStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempDirectory _folder = new();
    private readonly FakeTimeProvider _time = new(Start);

    private string DatabasePath => _folder.File("sessions.db");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sessions_SurviveClosingAndReopeningTheStore()
    {
        await using (var store = Open())
        {
            await store.SetAsync("a", Record("alpha", Start.AddHours(1)), None);
            await store.SetAsync("b", Record("beta", Start.AddHours(2)), None);
        }

        await using var reopened = Open();
        Assert.Equal(Bytes("alpha"), (await reopened.GetAsync("a", None))?.Payload.ToArray());
        Assert.Equal(Start.AddHours(2), (await reopened.GetAsync("b", None))?.Expires);
    }

    [Fact]
    public async Task DisposeAsync_CommitsEveryPendingWrite()
    {
        var store = Open();
        var writes = Enumerable.Range(0, 1000).Select(i => store.SetAsync($"id-{i}", Record($"value {i}", Start.AddHours(1)), None).AsTask()).ToList();

        await store.DisposeAsync();

        Assert.All(writes, write => Assert.True(write.IsCompletedSuccessfully));
        Assert.Equal(1000, Scalar("SELECT COUNT(*) FROM sessions"));
    }

    [Fact]
    public async Task DisposeAsync_LeavesNoWriteAheadLogBehind()
    {
        var store = Open();
        await store.SetAsync("a", Record("alpha", Start.AddHours(1)), None);
        Assert.True(new FileInfo(DatabasePath + "-wal").Length > 0, "The committed write is in the write-ahead log before the store closes.");

        await store.DisposeAsync();

        Assert.False(File.Exists(DatabasePath + "-wal") && new FileInfo(DatabasePath + "-wal").Length > 0);
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM sessions")); // checkpointed into the database file
    }

    [Fact]
    public async Task ClosedStore_RefusesReadsAndWrites_EvenOfCachedSessions()
    {
        var store = Open();
        await store.SetAsync("a", Record("alpha", Start.AddHours(1)), None); // cached
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.SetAsync("a", Record("alpha", Start.AddHours(1)), None).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("a", None).AsTask());
    }

    [Fact]
    public async Task SecondStoreOnTheSameFile_FailsNamingTheFileAndTheAlternative()
    {
        await using var first = Open();

        var error = Assert.Throws<InvalidOperationException>(() => Open());

        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("One process owns a SQLite session store", error.Message, StringComparison.Ordinal);
        Assert.Contains("Redis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CanceledWrite_IsNotApplied()
    {
        await using var store = Open();
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SetAsync("a", Record("alpha", Start.AddHours(1)), canceled.Token).AsTask());
        // Writes commit in order: once a later one has, an applied "a" would have committed too.
        await store.SetAsync("b", Record("beta", Start.AddHours(1)), None);

        Assert.Equal(Bytes("beta"), (await store.GetAsync("b", None))?.Payload.ToArray());
        Assert.Null(await store.GetAsync("a", None));
    }

    [Fact]
    public async Task Faults_AreThrown_NotReportedAsNotFound_AndLaterWritesStillCommit()
    {
        await using var store = Open();
        await store.SetAsync("a", Record("alpha", Start.AddHours(1)), None);
        Execute("DROP TABLE sessions");

        // "z" is in no cache: the read has to query.
        await Assert.ThrowsAsync<SqliteException>(() => store.GetAsync("z", None).AsTask());
        await Assert.ThrowsAsync<SqliteException>(() => store.SetAsync("b", Record("beta", Start.AddHours(1)), None).AsTask());

        Execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID");
        await store.SetAsync("c", Record("gamma", Start.AddHours(1)), None);
        Assert.Equal(Bytes("gamma"), (await store.GetAsync("c", None))?.Payload.ToArray());
    }

    [Fact]
    public async Task CachedSession_IsReadWithoutAQuery()
    {
        await using var store = Open();
        await store.SetAsync("a", Record("alpha", Start.AddHours(1)), None);

        // Changed behind the store's back, which its ownership of the file rules out: the read shows the cache answered.
        Execute("UPDATE sessions SET payload = X'00'");

        Assert.Equal(Bytes("alpha"), (await store.GetAsync("a", None))?.Payload.ToArray());
    }

    [Fact]
    public async Task Cache_FollowsTouchesAndDestroys()
    {
        await using var store = Open();
        await store.SetAsync("touched", Record("t", Start.AddMinutes(10)), None);
        await store.SetAsync("destroyed", Record("d", Start.AddMinutes(10)), None);
        await store.SetAsync("lapsed", Record("l", Start.AddMinutes(10)), None);
        Assert.NotNull(await store.GetAsync("touched", None));
        Assert.Equal(3, store.Cache!.Count); // all three cached now

        await store.TouchAsync("touched", Bytes("t"), Start.AddMinutes(30), None);
        await store.DestroyAsync("destroyed", None);
        _time.SetUtcNow(Start.AddMinutes(20));
        await store.TouchAsync("lapsed", Bytes("l"), Start.AddMinutes(40), None); // too late: a touch does not revive

        Assert.Equal(Start.AddMinutes(30), (await store.GetAsync("touched", None))?.Expires);
        Assert.Null(await store.GetAsync("destroyed", None));
        Assert.Null(await store.GetAsync("lapsed", None));
    }

    [Fact]
    public async Task Cache_StaysWithinCacheSize_AndEvictedSessionsAreReadFromTheFile()
    {
        await using var store = Open(options => options.CacheSize = 4);
        for (var i = 0; i < 10; i++)
        {
            await store.SetAsync($"id-{i}", Record($"value {i}", Start.AddHours(1)), None);
        }

        Assert.InRange(store.Cache!.Count, 1, 4);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(Bytes($"value {i}"), (await store.GetAsync($"id-{i}", None))?.Payload.ToArray());
        }

        Assert.InRange(store.Cache.Count, 1, 4);
    }

    [Fact]
    public async Task Cache_RefusesAReadThatBeganBeforeTheLastCommit()
    {
        await using var store = Open();
        await store.SetAsync("a", Record("new", Start.AddHours(1)), None); // committed, so cached
        await store.DestroyAsync("a", None);                              // and dropped from the cache again
        var commitsBefore = store.Cache!.Commits - 1;                      // a read that began before the destroy...
        store.Cache.AddRead("b", Record("b", Start.AddHours(1)), store.Cache.Commits); // (a read that began after it is cached)
        Assert.Equal(1, store.Cache.Count);

        store.Cache.AddRead("a", Record("old", Start.AddHours(1)), commitsBefore); // ...and found the older row

        Assert.Null(await store.GetAsync("a", None));
        Assert.Equal(1, store.Cache.Count);
    }

    [Fact]
    public async Task CorruptDatabaseFile_FailsToOpen_AndReleasesTheFile()
    {
        await File.WriteAllBytesAsync(DatabasePath, Enumerable.Repeat((byte)'x', 8192).ToArray());

        Assert.Throws<SqliteException>(() => Open());

        File.Delete(DatabasePath);
        await using var store = Open(); // the lock file was released
        Assert.Null(await store.GetAsync("a", None));
    }

    [Fact]
    public async Task Sweep_WalksTheTableInStretchesOfTheBatchSize_DeletingTheExpiredRows_AndKeepingLiveOnes()
    {
        await using var store = Open(options => options.SweepBatchSize = 500);
        await Task.WhenAll(Enumerable.Range(0, 1200).Select(i => store.SetAsync($"old-{i:D4}", Record("old", Start.AddSeconds(10)), None).AsTask()));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => store.SetAsync($"live-{i}", Record("live", Start.AddHours(1)), None).AsTask()));
        _time.SetUtcNow(Start.AddSeconds(10)); // expired, and not yet the sweeper's turn

        // In key order: the ten live rows, then old-0000 to old-0489; the next stretch starts after the last key read.
        Assert.Equal((490, "old-0489"), await store.Sweeper.SweepStretchAsync(string.Empty));
        Assert.Equal(710, Scalar("SELECT COUNT(*) FROM sessions WHERE id LIKE 'old-%'"));
        Assert.Equal((500, "old-0989"), await store.Sweeper.SweepStretchAsync("old-0489"));
        Assert.Equal((210, null), await store.Sweeper.SweepStretchAsync("old-0989")); // short: the table's end

        await Task.WhenAll(Enumerable.Range(0, 700).Select(i => store.SetAsync($"more-{i:D4}", Record("old", Start.AddSeconds(10)), None).AsTask()));
        Assert.Equal(700, await store.Sweeper.SweepAsync(None));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM sessions WHERE id NOT LIKE 'live-%'"));
        Assert.Equal(10, Scalar("SELECT COUNT(*) FROM sessions WHERE id LIKE 'live-%'"));
    }

    [Fact]
    public async Task ADatabaseFromBeforeIssue17_LosesItsExpiryIndex_AndKeepsItsSessions()
    {
        var expires = Start.AddHours(1).ToUnixTimeMilliseconds();
        Execute(
            "PRAGMA journal_mode = WAL;" +
            "CREATE TABLE sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;" +
            "CREATE INDEX sessions_expires ON sessions (expires);" +
            $"INSERT INTO sessions VALUES ('old', x'7b7d', {expires});");

        await using var store = Open();

        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sessions_expires'"));
        Assert.Equal("{}"u8.ToArray(), (await store.GetAsync("old", None))?.Payload.ToArray());
    }

    [Fact]
    public async Task TheLog_IsCheckpointedByTheStoresCheckpointer_NeverInsideACommit()
    {
        var connections = new List<SqliteConnection>();
        await using var store = Open(options => options.ConnectionOpened = connections.Add);

        // 1.5 KB sessions on 1 KiB pages: 1,000 of them write well over the 1,000 pages after which one is asked for.
        var payload = new string('x', 1500);
        for (var round = 0; round < 10; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => store.SetAsync($"s-{round}-{i}", Record(payload, Start.AddHours(1)), None).AsTask()));
        }

        await Bounded.UntilAsync(() => store.Checkpointer.Checkpoints > 0, "a passive checkpoint on the checkpointer's thread");

        // The writer (the first connection opened) never checkpoints on its own: SQLite's automatic checkpoint is off.
        Assert.Equal(0L, PragmaOf(connections[0], "wal_autocheckpoint"));
        Assert.Equal(1000, Scalar("SELECT COUNT(*) FROM sessions"));
    }

    [Fact]
    public async Task TheWriter_KeepsA32MiBPageCache_TheReadersSQLitesDefault()
    {
        var connections = new List<SqliteConnection>();
        await using var store = Open(options => options.ConnectionOpened = connections.Add);
        await store.SetAsync("a", Record("alpha", Start.AddHours(1)), None);

        // Negative: KiB. The writer is the first connection opened, the checkpointer the second.
        Assert.Equal(-32768L, PragmaOf(connections[0], "cache_size"));
        Assert.Equal(-2000L, PragmaOf(connections[1], "cache_size"));
    }

    [Fact]
    public async Task Sweeper_RunsEverySweepInterval()
    {
        await using var store = Open(options => options.SweepInterval = TimeSpan.FromMinutes(5));
        await store.SetAsync("old", Record("old", Start.AddMinutes(1)), None);
        await store.SetAsync("live", Record("live", Start.AddHours(1)), None);

        _time.Advance(TimeSpan.FromMinutes(5));

        // The sweep runs on the timer's thread; wait for it rather than for a guessed duration.
        await Bounded.UntilAsync(() => Scalar("SELECT COUNT(*) FROM sessions") == 1, "the timer's sweep to delete the expired session");

        Assert.Equal(["live"], Strings("SELECT id FROM sessions"));
    }

    [Fact]
    public async Task Schema_IsTheOneTheReadmeDocuments()
    {
        await using (Open())
        {
        }

        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "src", "ServerSessions.Sqlite", "README.md"));
        var schema = Strings("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type DESC, name");

        Assert.Equal(
            [
                "CREATE TABLE session_index (user TEXT NOT NULL, id TEXT NOT NULL, last_seen INTEGER NOT NULL, expires INTEGER NOT NULL, user_agent TEXT, client_address TEXT, PRIMARY KEY (user, id)) WITHOUT ROWID",
                "CREATE TABLE sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID",
                "CREATE INDEX session_index_expires ON session_index (expires)",
            ],
            schema);
        Assert.All(schema, statement => Assert.Contains(statement, readme, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rows_HoldThePayloadAndTheExpiryInUnixMilliseconds()
    {
        var expires = Start.AddMinutes(20).AddMilliseconds(345);
        await using var store = Open();

        await store.SetAsync("a", Record("alpha", expires), None);

        Assert.Equal(expires.ToUnixTimeMilliseconds(), Scalar("SELECT expires FROM sessions WHERE id = 'a'"));
        Assert.Equal(Bytes("alpha").Length, Scalar("SELECT length(payload) FROM sessions WHERE id = 'a' AND typeof(payload) = 'blob'"));
    }

    [Fact]
    public async Task Database_UsesWriteAheadLogging()
    {
        await using var store = Open();

        Assert.Equal(["wal"], Strings("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task NewDatabase_Has1KiBPages_AndAnExistingOneKeepsItsOwn()
    {
        await using (var store = Open())
        {
            Assert.Equal(1024, Scalar("PRAGMA page_size"));
        }

        File.Delete(DatabasePath);
        Execute("PRAGMA page_size = 4096; CREATE TABLE sessions (id TEXT PRIMARY KEY, payload BLOB NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID");
        await using var reopened = Open();
        await reopened.SetAsync("a", Record("alpha", Start.AddHours(1)), None);

        Assert.Equal(4096, Scalar("PRAGMA page_size"));
        Assert.Equal(Bytes("alpha"), (await reopened.GetAsync("a", None))?.Payload.ToArray());
    }

    [Fact]
    public async Task MissingFolder_IsCreated()
    {
        var path = Path.Combine(_folder.Path, "deeper", "still", "sessions.db");

        await using var store = new SqliteSessionStore(new SqliteSessionStoreOptions { Path = path }, _time, NullLogger<SqliteSessionStore>.Instance);

        Assert.Equal(path, store.Path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task FullDatabase_RefusesWritesThatNeedRoom_KeepsWhatItHolds_AndTakesThemAgainOnceSweptSessionsFreeRoom()
    {
        const long maxSize = 1 << 20;
        await using var store = Open(options => options.MaxDatabaseSize = maxSize);
        var big = new byte[16 * 1024];
        var stored = 0;
        SqliteException? full = null;
        for (; stored < 200 && full is null; stored++)
        {
            // Half of them expire in a minute, for the sweep to delete.
            var expires = Start.AddMinutes(stored % 2 == 0 ? 1 : 60);
            try
            {
                await store.SetAsync($"s{stored}", new SessionRecord(big, expires), None).AsTask().Within("a write");
            }
            catch (SqliteException ex)
            {
                full = ex;
            }
        }

        Assert.NotNull(full);
        Assert.Equal(13, full.SqliteErrorCode); // SQLITE_FULL: "database or disk is full"
        Assert.InRange(stored, 40, 70); // 1 MiB holds about 60 sessions of 16 KiB, not the 200 tried
        // The database's size, whether its last pages are in the file yet or still in the log (checkpoints run apart).
        Assert.InRange(Scalar("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"), maxSize / 2, maxSize);
        Assert.NotNull(await store.GetAsync("s1", None)); // everything committed before is still there

        _time.Advance(TimeSpan.FromMinutes(2));
        await store.Sweeper.SweepAsync(None).Within("the sweep");

        await store.SetAsync("after", new SessionRecord(big, Start.AddHours(1)), None).AsTask().Within("a write after the sweep");
        Assert.NotNull(await store.GetAsync("after", None));
    }

    [Fact]
    public void RelativePath_IsResolvedAgainstTheAppFolder()
    {
        var options = new SqliteSessionStoreOptions { Path = Path.Combine("data", "sessions.db") };

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "data", "sessions.db"), options.FullPath);
    }

    [Theory]
    [InlineData("Path")]
    [InlineData("Synchronous")]
    [InlineData("SweepInterval")]
    [InlineData("SweepBatchSize")]
    [InlineData("CacheSize")]
    [InlineData("MaxDatabaseSize")]
    public void InvalidOption_IsRejectedNamingTheSetting(string setting)
    {
        var options = new SqliteSessionStoreOptions { Path = DatabasePath };
        switch (setting)
        {
            case "Path": options.Path = " "; break;
            case "Synchronous": options.Synchronous = (SqliteSynchronous)7; break;
            case "SweepInterval": options.SweepInterval = TimeSpan.Zero; break;
            case "SweepBatchSize": options.SweepBatchSize = 0; break;
            case "CacheSize": options.CacheSize = -1; break;
            case "MaxDatabaseSize": options.MaxDatabaseSize = 1_000_000; break;
        }

        var error = Assert.Throws<ArgumentException>(() => new SqliteSessionStore(options, _time, NullLogger<SqliteSessionStore>.Instance));

        Assert.Contains($"Session:Sqlite:{setting}", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(DatabasePath));
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

    private void Execute(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long PragmaOf(SqliteConnection connection, string pragma)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {pragma}";
        return (long)command.ExecuteScalar()!;
    }

    private long Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private List<string> Strings(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ServerSessions.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The repository root (ServerSessions.slnx) is not above the test's folder.");
    }

    private static SessionRecord Record(string payload, DateTimeOffset expires) => new(Bytes(payload), expires);

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
