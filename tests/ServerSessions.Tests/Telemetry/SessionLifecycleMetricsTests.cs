using Microsoft.AspNetCore.Builder;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Telemetry;

/// <summary>The <c>server_sessions.sessions.*</c> counters: each counts its own event once, tagged with the store.</summary>
public sealed class SessionLifecycleMetricsTests
{
    private static readonly (string, object) Memory = ("server_sessions.store", "memory");

    private static Task<SessionTestHost> StartAsync() => SessionTestHost.StartAsync(
        app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/read", (ServerSession session) => session.Get<int>("visits"));
            app.MapGet("/regenerate", async (ServerSession session) =>
            {
                await session.RegenerateAsync();
                return "regenerated";
            });
            app.MapGet("/destroy", async (ServerSession session) =>
            {
                await session.DestroyAsync();
                return "destroyed";
            });
        },
        o => o.Store = "Memory"); // AddServerSessions' own memory store, so the tag is "memory"

    [Fact]
    public async Task NewSession_IsCountedCreatedAndSaved_NotLoaded()
    {
        await using var host = await StartAsync();
        using var telemetry = TelemetryCapture.Start(host);

        await FirstVisitAsync(host);

        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.created", Memory));
        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.saved", Memory));
        Assert.Equal(0, telemetry.Sum("server_sessions.sessions.loaded"));
        Assert.All(telemetry.Of("server_sessions.sessions.created"), m => Assert.Equal("{session}", m.Unit));
    }

    [Fact]
    public async Task ReturningSession_IsCountedLoaded_AndItsChangeSaved_NotCreated()
    {
        await using var host = await StartAsync();
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);

        Assert.Equal("2", await host.GetStringAsync("/count", cookie));

        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.loaded", Memory));
        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.saved", Memory));
        Assert.Equal(0, telemetry.Sum("server_sessions.sessions.created"));
    }

    [Fact]
    public async Task UnchangedSession_IsCountedTouched_NotSaved()
    {
        await using var host = await StartAsync();
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);

        Assert.Equal("1", await host.GetStringAsync("/read", cookie));

        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.touched", Memory));
        Assert.Equal(0, telemetry.Sum("server_sessions.sessions.saved"));
    }

    [Fact]
    public async Task DestroyedSession_IsCountedDestroyed()
    {
        await using var host = await StartAsync();
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);

        Assert.Equal("destroyed", await host.GetStringAsync("/destroy", cookie));

        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.destroyed", Memory));
        Assert.Equal(0, telemetry.Sum("server_sessions.sessions.saved"));
    }

    [Fact]
    public async Task RegeneratedSession_IsCountedRegenerated_ItsOldIdDestroyed_AndItsNewIdCreated()
    {
        await using var host = await StartAsync();
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);

        Assert.Equal("regenerated", await host.GetStringAsync("/regenerate", cookie));

        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.regenerated", Memory));
        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.destroyed", Memory));
        Assert.Equal(1, telemetry.Sum("server_sessions.sessions.created", Memory));
    }
}
