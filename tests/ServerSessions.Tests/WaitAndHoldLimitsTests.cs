using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests;

/// <summary>
/// Session:MaxWaiters and Session:MaxHoldTime: one cookie can park only so many requests, a request holds its session only
/// so long, and a flooded session slows no other. Proven with gates and the fake clock, not timings.
/// </summary>
public sealed class WaitAndHoldLimitsTests
{
    [Fact]
    public async Task RequestPastMaxWaiters_IsAnswered503AtOnce_WhileTheOthersWaitTheirTurn()
    {
        var hold = new HoldGate();
        var log = new LogLines();
        await using var host = await SessionTestHost.StartAsync(hold.Map, o => o.MaxWaiters = 5, log.AddTo);
        var cookie = await FirstVisitAsync(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;

        // Five wait; the sixth and seventh find the queue full and are answered at once, while the session is still held.
        var requests = Enumerable.Range(0, 7).Select(_ => host.SendAsync("/count", cookie)).ToArray();
        await Bounded.UntilAsync(() => requests.Count(r => r.IsCompleted) == 2, "two requests past MaxWaiters to be answered");
        Assert.Equal(5, Locks(host).WaitingCount);
        Assert.False(holder.IsCompleted);
        var refused = requests.Where(r => r.IsCompleted).ToArray();
        foreach (var answer in refused)
        {
            using var response = await answer;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        hold.Release();
        (await holder.Within("the released holder's response")).Dispose();
        var waited = await Task.WhenAll(requests.Except(refused)).Within("the five waiters' responses");
        Assert.All(waited, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Array.ForEach(waited, response => response.Dispose());
        Assert.Equal("8", await host.GetStringAsync("/count", cookie)); // 1, the holder's 2, the five waiters' 3..7

        // The flood is logged once, as a warning with the session's hashed ID, not once per refused request.
        var warning = Assert.Single(log.All, line => line.EventId == 2050);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.DoesNotContain(SetCookies.IdOf(cookie), warning.Message, StringComparison.Ordinal);
        Assert.Equal(2, log.All.Count(line => line.EventId == 2051 && line.Level == LogLevel.Debug));
        Assert.DoesNotContain(log.All, line => line.EventId == 2022); // not the per-request busy warning
    }

    [Fact]
    public async Task WaiterThatGaveUp_NoLongerCountsTowardMaxWaiters()
    {
        var hold = new HoldGate();
        TimerWatch? timers = null;
        await using var host = await SessionTestHost.StartAsync(hold.Map, o => o.MaxWaiters = 1, TimerWatch.Install(watch => timers = watch));
        var cookie = await FirstVisitAsync(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;

        // The only waiter gives up after LockTimeout (it stays in the queue until the lock is handed on, but not counted).
        var first = host.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => timers!.Started(TimeSpan.FromSeconds(10)) == 1, "the waiter to start its LockTimeout timer");
        host.Time.Advance(TimeSpan.FromSeconds(10));
        using (var gaveUp = await first.Within("the waiter's 503 after LockTimeout"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, gaveUp.StatusCode);
        }

        // Its place is free: the next request waits its turn instead of being refused.
        var second = host.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 1, "the next request to wait in the freed place");
        Assert.False(second.IsCompleted);
        hold.Release();
        (await holder.Within("the released holder's response")).Dispose();
        using var counted = await second.Within("the second waiter's response");
        Assert.Equal("3", await counted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FloodedSession_DoesNotDelayAnotherSessionOrANewVisitor()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(hold.Map, o => o.MaxWaiters = 3);
        var flooded = await FirstVisitAsync(host);
        var other = await FirstVisitAsync(host);
        var holder = host.SendAsync("/hold", flooded);
        await hold.Inside;
        var flood = Enumerable.Range(0, 10).Select(_ => host.SendAsync("/count", flooded)).ToArray();
        await Bounded.UntilAsync(() => flood.Count(r => r.IsCompleted) == 7, "the seven requests past MaxWaiters to be refused");

        // Held, with a full queue and refusals going on: another session and a new visitor are served at once.
        Assert.Equal("2", await host.GetStringAsync("/count", other));
        Assert.Equal("1", await host.GetStringAsync("/count"));
        using (var refused = await host.SendAsync("/count", flooded))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        Assert.Equal(3, Locks(host).WaitingCount);
        Assert.False(holder.IsCompleted);

        hold.Release();
        (await holder.Within("the released holder's response")).Dispose();
        foreach (var response in await Task.WhenAll(flood).Within("every flooding request's answer"))
        {
            response.Dispose();
        }

        Assert.Equal("6", await host.GetStringAsync("/count", flooded)); // 1, the holder's 2, three waiters' 3..5
    }

    [Fact]
    public async Task HolderPastMaxHoldTime_LetsTheNextWaiterIn_AndItsLateSaveIsRefusedWith503()
    {
        // The defaults: a hold of 2 minutes, a wait of 10 seconds.
        var hold = new HoldGate();
        TimerWatch? timers = null;
        var log = new LogLines();
        await using var host = await SessionTestHost.StartAsync(
            hold.Map, services: services => { TimerWatch.Install(watch => timers = watch)(services); log.AddTo(services); });
        var cookie = await FirstVisitAsync(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;

        // The holder is 5 s short of its limit when a request comes, which would wait 10 s: it goes on after 5.
        host.Time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(5));
        var waiter = host.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 1, "the request to queue behind the held session");
        await Bounded.UntilAsync(() => timers!.Started(TimeSpan.FromSeconds(5)) == 1, "the lock to watch the holder's remaining 5 s");
        host.Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.False(waiter.IsCompleted, "The waiter went on before the holder's MaxHoldTime had passed.");
        host.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("2", await (await waiter.Within("the waiter's response once the hold ended")).Content.ReadAsStringAsync());
        Assert.False(holder.IsCompleted);

        // The holder wakes up, counts its visit and tries to save: refused, and the waiter's write stands.
        hold.Release();
        using var late = await holder.Within("the overstaying holder's response");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
        Assert.NotNull(late.Headers.RetryAfter);
        Assert.Equal("3", await host.GetStringAsync("/count", cookie));
        Assert.Single(log.All, line => line is { EventId: 2052, Level: LogLevel.Warning });
        Assert.Single(log.All, line => line is { EventId: 2054, Level: LogLevel.Warning });
    }

    [Fact]
    public async Task RequestAfterAHoldEnded_TakesTheSessionOverAtOnce_AndTheHoldersDestroyIsRefused()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/logout", async (ServerSession session) =>
            {
                await hold.EnterAsync();
                await session.DestroyAsync();
                return "bye";
            });
        });
        var cookie = await FirstVisitAsync(host);
        var holder = host.SendAsync("/logout", cookie);
        await hold.Inside;

        // Nobody waited while the hold ran out: the next request does not wait for the overstaying holder at all.
        host.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("2", await host.GetStringAsync("/count", cookie).Within("a request after the hold ended, served without a wait"));

        hold.Release();
        using var refused = await holder.Within("the overstaying holder's response");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("3", await host.GetStringAsync("/count", cookie)); // not destroyed
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HolderPastMaxHoldTime_ThatChangedNothing_IsAnswered_WithoutACookieForTheTouchItSkipped(bool rolling)
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/count", Count);
                app.MapGet("/report", async (ServerSession session) =>
                {
                    var visits = session.Get<int>("visits");
                    await hold.EnterAsync();
                    return visits;
                });
            },
            o =>
            {
                o.Rolling = rolling;
                o.Cookie.MaxAge = TimeSpan.FromHours(1);
            });
        var cookie = await FirstVisitAsync(host);
        var report = host.SendAsync("/report", cookie);
        await hold.Inside;
        host.Time.Advance(TimeSpan.FromMinutes(3));
        hold.Release();

        // A slow read has nothing to lose: its touch is skipped, not turned into an error.
        using var response = await report.Within("the slow read's response");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Set-Cookie"), "a cookie promising an expiry the store never got");
        Assert.Equal("2", await host.GetStringAsync("/count", cookie));
    }

    private static SessionLocks Locks(SessionTestHost host) => host.Services.GetRequiredService<SessionRuntime>().Locks;
}
