using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Tests.Infrastructure;
using ServerSessions.Tests.Stores;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Telemetry;

/// <summary>The stores' own instruments: the memory store's size and evictions, the SQLite store's write batches and commits.</summary>
public sealed class StoreMetricsTests
{
    [Fact]
    public async Task MemoryStore_ReportsItsSize_AndCountsEachEviction()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/count", Count),
            o => o.Store = "Memory",
            services => services.Configure<MemorySessionStoreOptions>(memory => memory.MaxSessions = 2));
        using var telemetry = TelemetryCapture.Start(host);

        for (var i = 0; i < 3; i++)
        {
            await FirstVisitAsync(host);
        }

        telemetry.Observe();
        var size = Assert.Single(telemetry.Of("server_sessions.memory.sessions"));
        Assert.Equal(("{session}", 2.0), (size.Unit, size.Value));
        var eviction = Assert.Single(telemetry.Of("server_sessions.memory.evictions"));
        Assert.Equal(1, eviction.Value);
    }

    [Fact]
    public async Task MemoryStoreMadeByHand_ReportsNothing()
    {
        // The test host's own store is made with `new`: only AddServerSessions' memory store knows the app's meter.
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count));
        using var telemetry = TelemetryCapture.Start(host);
        await FirstVisitAsync(host);

        telemetry.Observe();

        Assert.Empty(telemetry.Of("server_sessions.memory.sessions"));
        Assert.Single(telemetry.Of("server_sessions.sessions.created", ("server_sessions.store", "other")));
    }

    [Fact]
    public async Task SqliteStore_MeasuresEachWriteBatch_AndItsCommit()
    {
        using var directory = new TempDirectory();
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/count", Count),
            o => o.Store = "Sqlite",
            services => new ServerSessionsBuilder(services, null).AddSqliteStore(sqlite => sqlite.Path = directory.File("sessions.db")));
        using var telemetry = TelemetryCapture.Start(host);

        var cookie = await FirstVisitAsync(host);
        Assert.Equal("2", await host.GetStringAsync("/count", cookie));

        // One write per request, each committed before its response: two batches of one.
        var batches = telemetry.Of("server_sessions.sqlite.write_batch.size");
        Assert.Equal([1.0, 1.0], batches.Select(b => b.Value));
        Assert.All(batches, b => Assert.Equal("{operation}", b.Unit));
        var commits = telemetry.Of("server_sessions.sqlite.commit.duration");
        Assert.Equal(2, commits.Count);
        Assert.All(commits, c => Assert.True(c.Value is > 0 and < 60, $"A commit took {c.Value} s."));
        Assert.Equal(2, telemetry.Of("server_sessions.store.operation.duration", ("server_sessions.store", "sqlite"), ("server_sessions.store.operation", "save")).Count);
    }
}
