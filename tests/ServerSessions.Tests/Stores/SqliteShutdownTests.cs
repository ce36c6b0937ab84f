using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServerSessions.Sqlite;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// However the app ends, writes the SQLite store accepted are committed: a graceful host shutdown, a host or a
/// container disposed synchronously, or the store disposed directly either way.
/// </summary>
public sealed class SqliteShutdownTests : IDisposable
{
    private const int Writes = 1000;
    private static readonly DateTimeOffset Expires = DateTimeOffset.UtcNow.AddDays(1);
    private readonly TempDirectory _folder = new();

    public enum Shutdown
    {
        /// <summary>What <c>app.Run()</c> does when the process is told to stop.</summary>
        StopThenDisposeAsync,

        /// <summary><c>using var app</c>: the host's synchronous Dispose.</summary>
        HostDispose,

        /// <summary>The container disposed synchronously: the store is disposed without a task to wait for.</summary>
        ContainerDispose,

        /// <summary>The container disposed asynchronously.</summary>
        ContainerDisposeAsync,
    }

    private string DatabasePath => _folder.File("sessions.db");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(Shutdown.StopThenDisposeAsync)]
    [InlineData(Shutdown.HostDispose)]
    [InlineData(Shutdown.ContainerDispose)]
    [InlineData(Shutdown.ContainerDisposeAsync)]
    public async Task EndingTheApp_CommitsEveryAcceptedWrite_AndReleasesTheDatabase(Shutdown shutdown)
    {
        var app = BuildApp();
        app.UseServerSessions();
        if (shutdown is Shutdown.StopThenDisposeAsync or Shutdown.HostDispose)
        {
            await app.StartAsync();
        }

        var store = app.Services.GetRequiredService<SessionRuntime>().Store;
        var writes = QueueWrites(store);

        switch (shutdown)
        {
            case Shutdown.StopThenDisposeAsync:
                await app.StopAsync();
                await app.DisposeAsync();
                break;
            case Shutdown.HostDispose:
                ((IDisposable)app).Dispose();
                break;
            case Shutdown.ContainerDispose:
                ((IDisposable)app.Services).Dispose();
                break;
            case Shutdown.ContainerDisposeAsync:
                await ((IAsyncDisposable)app.Services).DisposeAsync();
                break;
        }

        AssertCommittedAndReleased(writes);
    }

    [Fact]
    public void ServiceProviderDispose_CommitsEveryAcceptedWrite_AndReleasesTheDatabase()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!",
            ["Session:Sqlite:Path"] = DatabasePath,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddServerSessions(configuration.GetSection("Session")).AddSqliteStore();
        var provider = services.BuildServiceProvider();
        var writes = QueueWrites(provider.GetRequiredService<SessionRuntime>().Store);

        provider.Dispose();

        AssertCommittedAndReleased(writes);
    }

    [Fact]
    public async Task StoreDispose_CommitsEveryPendingWrite_AndCheckpoints()
    {
        var store = Open();
        var writes = QueueWrites(store);

        store.Dispose();

        AssertCommittedAndReleased(writes);
        Assert.False(File.Exists(DatabasePath + "-wal") && new FileInfo(DatabasePath + "-wal").Length > 0);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("id-0", CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task StoreDispose_AfterEitherDispose_DoesNothing_AndDisposeAsyncAfterDisposeCompletes()
    {
        var first = Open();
        await first.SetAsync("a", new SessionRecord(new byte[] { 1 }, Expires), CancellationToken.None);
        first.Dispose();
        first.Dispose();
        await first.DisposeAsync();

        var second = Open();
        await second.DisposeAsync();
        second.Dispose();

        Assert.Equal(1, Count());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.SetAsync("b", new SessionRecord(new byte[] { 1 }, Expires), CancellationToken.None).AsTask());
    }

    private WebApplication BuildApp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Session:Secret"] = "a-test-secret-of-at-least-32-bytes!!",
            ["Session:Sqlite:Path"] = DatabasePath,
        });
        builder.Services.AddServerSessions(builder.Configuration.GetSection("Session")).AddSqliteStore();
        return builder.Build();
    }

    private SqliteSessionStore Open() =>
        new(new SqliteSessionStoreOptions { Path = DatabasePath }, TimeProvider.System, NullLogger<SqliteSessionStore>.Instance);

    // Queued, not awaited: most are still waiting for the writer when the app ends.
    private static List<Task> QueueWrites(IServerSessionStore store) =>
        [.. Enumerable.Range(0, Writes).Select(i => store.SetAsync($"id-{i}", new SessionRecord(new byte[] { (byte)i }, Expires), CancellationToken.None).AsTask())];

    private void AssertCommittedAndReleased(List<Task> writes)
    {
        Assert.All(writes, write => Assert.True(write.IsCompletedSuccessfully));
        Assert.Equal(Writes, Count());

        // The lock file was released: another store can open the database.
        using var reopened = Open();
    }

    private long Count()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sessions";
        return (long)command.ExecuteScalar()!;
    }
}
