using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Sqlite;

namespace ServerSessions.Tests.Stores;

public class SqliteSessionStoreConformanceTests : SessionStoreConformanceTests
{
    private readonly TempDirectory _folder = new();

    protected virtual int CacheSize => new SqliteSessionStoreOptions().CacheSize;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    protected override IServerSessionStore CreateStore(FakeTimeProvider time) => new SqliteSessionStore(
        new SqliteSessionStoreOptions { Path = _folder.File("sessions.db"), CacheSize = CacheSize }, time, NullLogger<SqliteSessionStore>.Instance);
}

/// <summary>The same contract with the in-memory cache off: every read is a query.</summary>
public sealed class UncachedSqliteSessionStoreConformanceTests : SqliteSessionStoreConformanceTests
{
    protected override int CacheSize => 0;
}
