using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Sqlite;

namespace ServerSessions.Tests.Stores;

public sealed class SqliteSessionStoreConformanceTests : SessionStoreConformanceTests
{
    private readonly TempDirectory _folder = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    protected override ISessionStore CreateStore(FakeTimeProvider time) =>
        new SqliteSessionStore(new SqliteSessionStoreOptions { Path = _folder.File("sessions.db") }, time, NullLogger<SqliteSessionStore>.Instance);
}
