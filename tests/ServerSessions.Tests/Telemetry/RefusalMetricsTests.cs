using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests.Telemetry;

/// <summary>
/// Every 503 and 429 of the session's turn and the new-session limit counted by its cause
/// (<c>server_sessions.requests.refused</c>), and each wait for a turn measured with how it ended
/// (<c>server_sessions.turn.wait.duration</c>).
/// </summary>
public sealed class RefusalMetricsTests
{
    private const string Refused = "server_sessions.requests.refused";
    private const string TurnWait = "server_sessions.turn.wait.duration";

    private static SessionLocks Locks(SessionTestHost host) => host.Services.GetRequiredService<SessionRuntime>().Locks;

    private static void AssertRefused(TelemetryCapture telemetry, string cause, int status)
    {
        var refusal = Assert.Single(telemetry.Of(Refused));
        Assert.Equal((cause, status), (refusal.Tag("server_sessions.refusal.cause"), refusal.Tag("http.response.status_code")));
        Assert.Equal("{request}", refusal.Unit);
    }

    [Fact]
    public async Task WaitPastLockTimeout_IsRefusedAsLockWait_AndMeasuredAsATimedOutWait()
    {
        var hold = new HoldGate();
        TimerWatch? timers = null;
        await using var host = await SessionTestHost.StartAsync(hold.Map, services: TimerWatch.Install(watch => timers = watch));
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;

        var waiter = host.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => timers!.Started(TimeSpan.FromSeconds(10)) == 1, "the waiter to start its LockTimeout timer");
        host.Time.Advance(TimeSpan.FromSeconds(10));
        using (var response = await waiter.Within("the waiter's 503 after LockTimeout"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        hold.Release();
        (await holder.Within("the released holder's response")).Dispose();
        AssertRefused(telemetry, "lock_wait", 503);
        var timedOut = Assert.Single(telemetry.Of(TurnWait, ("server_sessions.turn.outcome", "timeout")));
        Assert.Equal(10, timedOut.Value); // on the app's clock, moved by exactly LockTimeout
        Assert.Single(telemetry.Of(TurnWait, ("server_sessions.turn.outcome", "acquired"))); // the holder's
    }

    [Fact]
    public async Task RequestPastMaxWaiters_IsRefusedAsWaiterLimit_AndMeasuredAsARefusedWait()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(hold.Map, o => o.MaxWaiters = 1);
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;
        var waiter = host.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 1, "one request to wait behind the holder");

        using (var refused = await host.SendAsync("/count", cookie).Within("the refusal past MaxWaiters"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        AssertRefused(telemetry, "waiter_limit", 503);
        Assert.Single(telemetry.Of(TurnWait, ("server_sessions.turn.outcome", "refused")));
        hold.Release();
        (await holder.Within("the released holder's response")).Dispose();
        (await waiter.Within("the waiter's response")).Dispose();
        Assert.Equal(3, telemetry.Of(TurnWait).Count); // the holder's and the waiter's acquired, the refused one
    }

    [Fact]
    public async Task WriteAfterMaxHoldTime_IsRefusedAsHoldLimit()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(hold.Map);
        var cookie = await FirstVisitAsync(host);
        using var telemetry = TelemetryCapture.Start(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;

        host.Time.Advance(TimeSpan.FromMinutes(2)); // the default MaxHoldTime
        hold.Release();
        using (var response = await holder.Within("the overstaying holder's response"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        AssertRefused(telemetry, "hold_limit", 503);
    }

    [Fact]
    public async Task WaitPastLockTimeoutForAnotherNodesLease_IsRefusedAsLeaseWait_AndMeasuredAsATimedOutWait()
    {
        // Two hosts on one lease store, as two processes share Redis, on one fake clock; the store's timers are watched.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var storeClock = new TimerWatch(clock);
        var shared = new InMemoryLeaseStore(storeClock);
        var hold = new HoldGate();
        await using var a = await SessionTestHost.StartAsync(hold.Map, store: _ => shared, clock: clock);
        await using var b = await SessionTestHost.StartAsync(hold.Map, store: _ => shared, clock: clock);
        var cookie = await FirstVisitAsync(a);
        using var telemetry = TelemetryCapture.Start(b);
        var holder = a.SendAsync("/hold", cookie);
        await hold.Inside;

        var waiter = b.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => storeClock.Started(TimeSpan.FromSeconds(10)) == 1, "node b to wait for node a's lease");
        // In steps, so that node a's renewals (every third of the lease's 10 s) keep its lease: one jump would lapse it.
        foreach (var step in new[] { 4, 4, 2 })
        {
            clock.Advance(TimeSpan.FromSeconds(step));
        }

        using (var response = await waiter.Within("node b's 503 after LockTimeout"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        hold.Release();
        (await holder.Within("node a's response")).Dispose();
        AssertRefused(telemetry, "lease_wait", 503);
        Assert.Single(telemetry.Of(TurnWait, ("server_sessions.turn.outcome", "timeout")));
        Assert.NotEmpty(telemetry.Of("server_sessions.store.operation.duration", ("server_sessions.store.operation", "lease.acquire")));
    }

    [Fact]
    public async Task NewSessionPastTheLimit_IsRefused429AsNewSessionLimit()
    {
        await using var host = await SessionTestHost.StartAsync(
            app => app.MapGet("/count", Count),
            o =>
            {
                o.NewSessionLimit.PermitsPerMinute = 1;
                o.NewSessionLimit.Burst = 1;
            });
        using var telemetry = TelemetryCapture.Start(host);
        await FirstVisitAsync(host);

        using (var response = await host.SendAsync("/count"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        AssertRefused(telemetry, "new_session_limit", 429);
    }
}
