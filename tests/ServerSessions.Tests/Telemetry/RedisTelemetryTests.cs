using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServerSessions.Tests.Infrastructure;
using ServerSessions.Tests.Stores;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Telemetry;

/// <summary>The Redis store's calls, on a real redis-server: measured and traced as <c>redis</c>, the lease's calls too.</summary>
[Trait("Clock", "Real")]
public sealed class RedisTelemetryTests : RedisTestsBase
{
    [Fact]
    public async Task RedisStoreCalls_AreMeasuredAndTracedAsRedis_LeaseCallsIncluded()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/count", Count),
            o => o.Store = "Redis",
            services => new ServerSessionsBuilder(services, null).AddRedisStore(redis =>
            {
                redis.Configuration = Server.ConfigurationString;
                redis.KeyPrefix = Prefix;
            }),
            clock: TimeProvider.System); // redis-server keeps the real clock: so must the leases
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);

        using (var response = await host.SendAsync("/count", cookie, configure: telemetry.Trace))
        {
            Assert.Equal("2", await response.Content.ReadAsStringAsync());
        }

        var redis = ("server_sessions.store", (object)"redis");
        var success = ("server_sessions.store.outcome", (object)"success");
        Assert.Single(telemetry.Of("server_sessions.store.operation.duration", redis, ("server_sessions.store.operation", "lease.acquire"), success));
        Assert.Single(telemetry.Of("server_sessions.store.operation.duration", redis, ("server_sessions.store.operation", "save"), success));
        Assert.Single(telemetry.Of("server_sessions.sessions.loaded", redis));
        Assert.Single(telemetry.Of("server_sessions.turn.wait.duration", ("server_sessions.turn.outcome", "acquired")));
        var wait = Assert.Single(telemetry.SessionSpans, span => span.DisplayName == "session turn wait");
        var lease = Assert.Single(telemetry.SessionSpans, span => span.DisplayName == "session lease.acquire");
        Assert.Equal(wait.SpanId, lease.ParentSpanId); // the lease is part of the turn's wait
        Assert.Equal(System.Diagnostics.ActivityKind.Client, lease.Kind);
        Assert.Equal("redis", lease.GetTagItem("server_sessions.store"));
    }
}
