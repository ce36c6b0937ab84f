using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Telemetry;

/// <summary>A lease's background renewal outlives the request that took it: its span is no part of the request's trace.</summary>
public sealed class LeaseSpanTests
{
    [Fact]
    [Trait("Clock", "Real")]
    public async Task LeaseRenewal_WhileARequestHoldsTheSession_IsMeasured_ButNotTracedInsideTheRequest()
    {
        // The real clock: a real timer carries the context it was created in to its callbacks (a fake one runs them on
        // the test's thread), which is what would put the renewal inside the request's trace. A 1 s lease renews every
        // third of a second while the request is held.
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(
            hold.Map, o => o.LockTimeout = TimeSpan.FromSeconds(1), store: _ => new InMemoryLeaseStore(TimeProvider.System), clock: TimeProvider.System);
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);
        var holder = host.SendAsync("/hold", cookie, configure: telemetry.Trace);
        await hold.Inside;

        await Bounded.UntilAsync(
            () => telemetry.Of("server_sessions.store.operation.duration", ("server_sessions.store.operation", "lease.renew")).Count > 0,
            "the held lease's renewal");
        hold.Release();
        (await holder.Within("the holding request's response")).Dispose();

        var spans = telemetry.SessionSpans.Select(span => span.DisplayName).ToList();
        Assert.Contains("session lease.acquire", spans);
        Assert.DoesNotContain("session lease.renew", spans);
    }
}
