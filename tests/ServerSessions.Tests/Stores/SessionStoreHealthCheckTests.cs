using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerSessions.Testing;

namespace ServerSessions.Tests.Stores;

/// <summary>
/// The stores' health checks (<c>AddServerSessionsStore</c>, <c>AddSqliteSessionStore</c>, <c>AddRedisSessionStore</c>)
/// against a real SQLite file and a real redis-server.
/// </summary>
[Trait("Clock", "Real")]
public sealed class SessionStoreHealthCheckTests : IDisposable
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(1);
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task MemoryStore_IsHealthy()
    {
        await using var services = Build(new() { ["Session:Store"] = "Memory" }, checks => checks.AddServerSessionsStore());

        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    [Fact]
    public async Task Sqlite_Writable_IsHealthy_AndItsProbeWritesTheDatabase_LeavingSessionsAlone()
    {
        var path = _folder.File("data/sessions.db");
        await using var services = Build(new() { ["Session:Sqlite:Path"] = path }, checks => checks.AddSqliteSessionStore());
        var store = Store<Sqlite.SqliteSessionStore>(services);
        await store.SetAsync("kept", new SessionRecord("{\"a\":1}"u8.ToArray(), DateTimeOffset.UtcNow.AddHours(1)), CancellationToken.None);
        var walBefore = new FileInfo(path + "-wal").Length;

        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.True(new FileInfo(path + "-wal").Length > walBefore, "the probe committed no page to the write-ahead log");
        Assert.Equal("{\"a\":1}"u8.ToArray(), (await store.GetAsync("kept", CancellationToken.None))!.Value.Payload.ToArray());
    }

    [Fact]
    public async Task Sqlite_FolderRemoved_IsUnhealthy_NamingTheFile()
    {
        var path = _folder.File("data/sessions.db");
        await using var services = Build(new() { ["Session:Sqlite:Path"] = path }, checks => checks.AddServerSessionsStore());
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services)).Status);

        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains(path, report.Entries["session-store"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqlite_WriteLockHeldByAnotherConnection_IsUnhealthyWithinTheStoreTimeout_ThenHealthyAgain()
    {
        var path = _folder.File("sessions.db");
        await using var services = Build(new() { ["Session:Sqlite:Path"] = path }, checks => checks.AddServerSessionsStore());
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services)).Status);

        using (var other = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            other.Open();
            using var begin = other.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();

            var watch = Stopwatch.StartNew();
            var report = await CheckAsync(services);

            Assert.Equal(HealthStatus.Unhealthy, report.Status);
            Assert.Contains("StoreTimeout", report.Entries["session-store"].Description, StringComparison.Ordinal);
            Assert.InRange(watch.Elapsed, StoreTimeout - TimeSpan.FromMilliseconds(50), StoreTimeout + TimeSpan.FromSeconds(3));
        }

        // The writer gives the probe's write up after its own lock wait (5 s), or gets the lock now that it is free.
        await Bounded.UntilAsync(async () => (await CheckAsync(services)).Status == HealthStatus.Healthy, "the SQLite check healthy again");
    }

    [Fact]
    public async Task SqliteCheck_WhenAnotherStoreIsChosen_IsUnhealthy()
    {
        await using var services = Build(new() { ["Session:Store"] = "Memory", ["Session:Sqlite:Path"] = _folder.File("sessions.db") }, checks => checks.AddSqliteSessionStore());

        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("Memory", report.Entries["session-store-sqlite"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_Stopped_IsUnhealthyWithinTheStoreTimeout_AndHealthyAgainOnceRestarted()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var services = Build(
            new() { ["Session:Store"] = "Redis", ["Session:Redis:Configuration"] = redis.ConfigurationString, ["Session:Redis:OperationTimeout"] = "00:00:01" },
            checks => checks.AddRedisSessionStore());
        await Bounded.UntilAsync(async () => (await CheckAsync(services)).Status == HealthStatus.Healthy, "the Redis check healthy");

        await redis.StopAsync();
        var watch = Stopwatch.StartNew();
        var report = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.True(watch.Elapsed < StoreTimeout + TimeSpan.FromSeconds(1), $"the check took {watch.Elapsed}");

        await redis.RestartAsync();
        await Bounded.UntilAsync(async () => (await CheckAsync(services)).Status == HealthStatus.Healthy, "the Redis check healthy after the restart");
    }

    [Fact]
    public async Task Redis_Unreachable_IsUnhealthy_WithoutThePasswordInItsResult()
    {
        const string Password = "hunter2-do-not-log-me";
        await using var services = Build(
            new() { ["Session:Store"] = "Redis", ["Session:Redis:Configuration"] = $"127.0.0.1:1,password={Password}", ["Session:Redis:OperationTimeout"] = "00:00:01" },
            checks => checks.AddServerSessionsStore());

        var entry = (await CheckAsync(services)).Entries["session-store"];

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.DoesNotContain(Password, $"{entry.Description} {entry.Exception}", StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:1,", $"{entry.Description} {entry.Exception}", StringComparison.Ordinal);
    }

    private static T Store<T>(IServiceProvider services) =>
        Assert.IsType<T>(services.GetRequiredKeyedService<IServerSessionStore>(SessionStoreChoice.StoreKey));

    private static Task<HealthReport> CheckAsync(IServiceProvider services) =>
        services.GetRequiredService<HealthCheckService>().CheckHealthAsync().Within("a health check");

    private ServiceProvider Build(Dictionary<string, string?> settings, Action<IHealthChecksBuilder> addCheck)
    {
        settings.TryAdd("Session:Secret", Secret);
        settings.TryAdd("Session:Store", "Sqlite");
        settings.TryAdd("Session:StoreTimeout", StoreTimeout.ToString());
        settings.TryAdd("Session:Sqlite:Path", _folder.File("sessions.db"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddServerSessions(configuration.GetSection("Session")).AddSqliteStore().AddRedisStore();
        addCheck(services.AddHealthChecks());
        return services.BuildServiceProvider();
    }
}
