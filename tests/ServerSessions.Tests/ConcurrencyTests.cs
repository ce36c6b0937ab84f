using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ServerSessions.Sqlite;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;
using static ServerSessions.Tests.Infrastructure.VisitCounter;

namespace ServerSessions.Tests;

/// <summary>
/// Overlapping requests of one session: with Serialized concurrency no update is lost, other sessions are never
/// slowed, read-only endpoints run side by side. Timing claims are proven with gates, not stopwatches.
/// </summary>
public sealed class ConcurrencyTests
{
    private static async Task AssertNoLostUpdateAsync(SessionTestHost host)
    {
        var cookie = await FirstVisitAsync(host);
        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await host.SendAsync("/count", cookie);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return int.Parse(await response.Content.ReadAsStringAsync(), CultureInfo.InvariantCulture);
        })).Within("200 overlapping requests of one session, each waiting its turn");

        Assert.Equal(Enumerable.Range(2, 200), responses.Order());
        Assert.Equal("202", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task TwoHundredOverlappingRequests_OnMemory_LoseNoUpdate()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count));
        await AssertNoLostUpdateAsync(host);
    }

    [Fact]
    public async Task TwoHundredOverlappingRequests_OnSqlite_LoseNoUpdate()
    {
        var folder = Directory.CreateTempSubdirectory("serversessions-concurrency-");
        SqliteSessionStore? sqlite = null;
        try
        {
            await using (var host = await SessionTestHost.StartAsync(
                app => app.MapGet("/count", Count),
                store: time => sqlite = new SqliteSessionStore(
                    new SqliteSessionStoreOptions { Path = Path.Combine(folder.FullName, "sessions.db") }, time, NullLogger<SqliteSessionStore>.Instance)))
            {
                await AssertNoLostUpdateAsync(host);
            }
        }
        finally
        {
            if (sqlite is not null)
            {
                await sqlite.DisposeAsync();
            }

            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TwoNodesOnOneLeaseStore_TwoHundredOverlappingRequests_LoseNoUpdate()
    {
        // Two hosts, each with its own lock table, share one lease store as two processes share Redis: between them only
        // the store's lease serializes a session's requests. Its clock never moves, so a lease ends only by its release.
        var shared = new InMemoryLeaseStore(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await using var a = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count), store: _ => shared);
        await using var b = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count), store: _ => shared);
        var cookie = await FirstVisitAsync(a);

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? a : b).SendAsync("/count", cookie);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return int.Parse(await response.Content.ReadAsStringAsync(), CultureInfo.InvariantCulture);
        })).Within("200 overlapping requests of one session on two nodes, each waiting its turn");

        Assert.Equal(Enumerable.Range(2, 200), responses.Order());
        Assert.Equal("202", await b.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task SecondRequestOfASession_WaitsUntilTheFirstCommits()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(hold.Map);
        var cookie = await FirstVisitAsync(host);

        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;
        var waiter = host.SendAsync("/hold", cookie);

        // The waiter is queued behind the holder's lock, not inside the action.
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 1, "the second request to queue behind the held session");
        Assert.Equal(1, hold.Entered);
        Assert.False(waiter.IsCompleted);

        hold.Release();
        using var first = await holder.Within("the released holder's response");
        using var second = await waiter.Within("the waiter's response once the holder committed");
        Assert.Equal(("2", "3"), (await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task BurstOnOneSession_DoesNotDelayANewVisitorOrAnotherSession()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(hold.Map);
        var busy = await FirstVisitAsync(host);
        var other = await FirstVisitAsync(host);
        var holder = host.SendAsync("/hold", busy);
        await hold.Inside;
        var burst = Enumerable.Range(0, 20).Select(_ => host.SendAsync("/count", busy)).ToArray();
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 20, "20 requests of the busy session to queue behind its holder");

        // While the busy session is held and 20 more of its requests queue: a new visitor and another session are served at once.
        Assert.Equal("1", await host.GetStringAsync("/count"));
        Assert.Equal("2", await host.GetStringAsync("/count", other));
        Assert.False(holder.IsCompleted);
        Assert.DoesNotContain(burst, request => request.IsCompleted);

        hold.Release();
        using var held = await holder.Within("the released holder's response");
        Assert.Equal("2", await held.Content.ReadAsStringAsync());
        foreach (var response in await Task.WhenAll(burst).Within("the 20 queued requests, each in turn"))
        {
            response.Dispose();
        }

        Assert.Equal("23", await host.GetStringAsync("/count", busy));
    }

    [Fact]
    public async Task AbortedWaiter_LeavesTheQueue_AndWritesNothing()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(hold.Map);
        var cookie = await FirstVisitAsync(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;

        using var abort = new CancellationTokenSource();
        var request = new HttpRequestMessage(HttpMethod.Get, "/count");
        request.Headers.Add("Cookie", cookie);
        var waiter = host.Client.SendAsync(request, abort.Token);
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 1, "the request to queue behind the held session");
        await abort.CancelAsync();
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 0, "the aborted request to leave the queue");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.Within("the aborted request's cancellation"));

        hold.Release();
        using var held = await holder.Within("the released holder's response");
        Assert.Equal("2", await held.Content.ReadAsStringAsync());
        Assert.Equal("3", await host.GetStringAsync("/count", cookie)); // the aborted request counted nothing
    }

    [Fact]
    public async Task LoadRetriedAfterAStoreFailure_DoesNotWaitForItself()
    {
        SessionTestHost? self = null;
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/retry", async (HttpContext context) =>
            {
                self!.Store.Failures["get"] = new InvalidOperationException("the store is down");
                await Assert.ThrowsAsync<SessionStoreException>(() => context.LoadSessionAsync().AsTask());
                self.Store.Failures.Clear();
                return Count(await context.LoadSessionAsync()); // the first attempt's lock is this request's own
            });
        });
        self = host;
        var cookie = await FirstVisitAsync(host);
        Assert.Equal("2", await host.GetStringAsync("/retry", cookie).Within("the retried load, which must not wait for its own lock"));
        Assert.Equal("3", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task ReadOnlyEndpoints_RunInParallel_EvenBesideAWriter()
    {
        var hold = new HoldGate();
        var readers = new CountdownEvent(2);
        var bothReadersInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            hold.Map(app);
            app.MapGet("/read", async (ServerSession session) =>
            {
                if (readers.Signal())
                {
                    bothReadersInside.TrySetResult();
                }

                await bothReadersInside.Task.Within("both read-only requests to be inside at once"); // neither returns until then
                return session.Get<int>("visits").ToString(CultureInfo.InvariantCulture);
            }).WithMetadata(new ReadOnlySessionAttribute());
        });
        var cookie = await FirstVisitAsync(host);
        var writer = host.SendAsync("/hold", cookie);
        await hold.Inside;

        var reads = await Task.WhenAll(host.GetStringAsync("/read", cookie), host.GetStringAsync("/read", cookie))
            .Within("two read-only requests beside the held writer");
        Assert.Equal(["1", "1"], reads);
        Assert.False(writer.IsCompleted);
        hold.Release();
        (await writer.Within("the released writer's response")).Dispose();
    }

    [Fact]
    public async Task ReadOnlyEndpoint_WithResave_NeverWritesItsCopyBack()
    {
        var hold = new HoldGate();
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/count", Count);
                app.MapGet("/read", async (ServerSession session) =>
                {
                    var visits = session.Get<int>("visits");
                    await hold.EnterAsync();
                    return visits;
                }).WithMetadata(new ReadOnlySessionAttribute());
            },
            o => o.Resave = true);
        var cookie = await FirstVisitAsync(host);
        var reader = host.SendAsync("/read", cookie);
        await hold.Inside;

        Assert.Equal("2", await host.GetStringAsync("/count", cookie)); // a write while the reader holds its copy (visits 1)
        hold.Release();
        using var read = await reader.Within("the released reader's response");
        Assert.Equal("1", await read.Content.ReadAsStringAsync());
        Assert.Equal("3", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task WritingInAReadOnlyEndpoint_ThrowsAClearError()
    {
        InvalidOperationException? error = null;
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/read", (ServerSession session) =>
            {
                error = Assert.Throws<InvalidOperationException>(() => session.Set("visits", 99));
                session.Touch(); // allowed
                return "ok";
            }).WithMetadata(new ReadOnlySessionAttribute());
        });
        var cookie = await FirstVisitAsync(host);
        Assert.Equal("ok", await host.GetStringAsync("/read", cookie));
        Assert.Contains("read-only", error!.Message, StringComparison.Ordinal);
        Assert.Equal("2", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task LastWriteWins_LosesAnUpdate_WhenTwoRequestsOverlap()
    {
        var inside = 0;
        var bothInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await SessionTestHost.StartAsync(
            app =>
            {
                app.MapGet("/count", Count);
                app.MapGet("/overlap", async (ServerSession session) =>
                {
                    var visits = session.Get<int>("visits") + 1;
                    if (Interlocked.Increment(ref inside) == 2)
                    {
                        bothInside.TrySetResult();
                    }

                    await bothInside.Task.Within("both /overlap requests to be inside the action at once");
                    session.Set("visits", visits);
                    return visits;
                });
            },
            o => o.Concurrency = SessionConcurrency.LastWriteWins);
        var cookie = await FirstVisitAsync(host);
        await Task.WhenAll(host.GetStringAsync("/overlap", cookie), host.GetStringAsync("/overlap", cookie)).Within("two overlapping requests");
        Assert.Equal("3", await host.GetStringAsync("/count", cookie)); // 1 + two overlapping visits counted as one
    }

    [Fact]
    public async Task WaitingLongerThanLockTimeout_Answers503WithRetryAfter_AndWritesNothing()
    {
        var lockTimeout = TimeSpan.FromSeconds(10);
        var hold = new HoldGate();
        TimerWatch? timers = null;
        await using var host = await SessionTestHost.StartAsync(hold.Map, o => o.LockTimeout = lockTimeout, TimerWatch.Install(watch => timers = watch));
        var cookie = await FirstVisitAsync(host);
        var holder = host.SendAsync("/hold", cookie);
        await hold.Inside;

        var waiter = host.SendAsync("/count", cookie);
        await Bounded.UntilAsync(() => Locks(host).WaitingCount == 1, "the request to queue behind the held session");

        // The wait's timer starts just after the waiter is queued: advance once it exists, so no jump lands before it.
        await Bounded.UntilAsync(() => timers!.Started(lockTimeout) == 1, "the waiter to start its LockTimeout timer");
        host.Time.Advance(lockTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(waiter.IsCompleted, "The waiter gave up before LockTimeout had passed.");
        host.Time.Advance(TimeSpan.FromMilliseconds(1));

        using var busy = await waiter.Within("the waiter's 503 once LockTimeout had passed");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.True(busy.Headers.Contains("Retry-After"));

        hold.Release();
        (await holder.Within("the released holder's response")).Dispose();
        Assert.Equal("3", await host.GetStringAsync("/count", cookie)); // 1, the holder's 2, then 3: the 503 wrote nothing
    }

    [Fact]
    public async Task CompleteAsync_LetsTheNextRequestGoOn_AndLaterWritesThrow()
    {
        var hold = new HoldGate();
        InvalidOperationException? lateWrite = null;
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/slow", async (ServerSession session) =>
            {
                var visits = Count(session);
                await session.CompleteAsync();
                await hold.EnterAsync(); // slow work that doesn't need the session
                lateWrite = Assert.Throws<InvalidOperationException>(() => session.Set("late", true));
                return visits;
            });
        });
        var cookie = await FirstVisitAsync(host);
        var slow = host.SendAsync("/slow", cookie);
        await hold.Inside;

        Assert.Equal("3", await host.GetStringAsync("/count", cookie)); // not blocked by the slow request
        hold.Release();
        using var slowResponse = await slow.Within("the released slow request's response");
        Assert.Equal("2", await slowResponse.Content.ReadAsStringAsync());
        Assert.NotNull(lateWrite);
        Assert.Equal("4", await host.GetStringAsync("/count", cookie));
    }

    [Fact]
    public async Task FailedRequest_ReleasesTheSession()
    {
        await using var host = await SessionTestHost.StartAsync(app =>
        {
            app.MapGet("/count", Count);
            app.MapGet("/throw", string (ServerSession session) => throw new InvalidOperationException("boom"));
        });
        var cookie = await FirstVisitAsync(host);
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.SendAsync("/throw", cookie));
        Assert.Equal("2", await host.GetStringAsync("/count", cookie).Within("the next request, once the failed one released the session"));
    }

    [Fact]
    public async Task FailedSave_ReleasesTheSession_AndWritesNothing()
    {
        await using var host = await SessionTestHost.StartAsync(app => app.MapGet("/count", Count));
        var cookie = await FirstVisitAsync(host);
        host.Store.Failures["set"] = new InvalidOperationException("the store is down");
        using (var failed = await host.SendAsync("/count", cookie))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        host.Store.Failures.Clear();
        Assert.Equal(0, Locks(host).HeldCount);
        Assert.Equal("2", await host.GetStringAsync("/count", cookie).Within("the next request, once the failed one released the session"));
    }

    private static SessionLocks Locks(SessionTestHost host) =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<SessionRuntime>(host.Services).Locks;
}
