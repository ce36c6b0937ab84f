using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using ServerSessions.Testing;
using ServerSessions.Tests.Infrastructure;

namespace ServerSessions.Tests;

/// <summary>
/// A stored session that cannot be parsed is logged (hashed ID, store, where it broke) and the visitor gets a new
/// session under a new ID; the corrupt record stays in the store exactly as it is, and the turn on it is given up at once.
/// </summary>
public sealed class CorruptSessionTests
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";

    // Bytes an app could have stored: a secret inside, then broken off.
    private static readonly byte[] Corrupt = Encoding.UTF8.GetBytes("{\"apiToken\":\"tok-7f3a9c-do-not-log\",\"cart\":[1,2");

    [Fact]
    public async Task CorruptStoredSession_GivesTheVisitorANewSessionWithANewId_LeavesTheRecord_AndLogsWithoutThePayload()
    {
        var log = new LogLines();
        await using var host = await StartAsync(log);
        var (pair, id) = await CorruptSessionAsync(host);

        using var response = await host.SendAsync("/count", pair);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", await response.Content.ReadAsStringAsync()); // a fresh session
        var newId = SetCookies.IdOf(SetCookies.Pair(response));
        Assert.NotEqual(id, newId);
        Assert.Equal(Corrupt, (await host.Memory.GetAsync(id, default))!.Value.Payload.ToArray()); // never overwritten
        Assert.Equal(0, host.Store.Count("destroy"));
        Assert.Equal("2", await host.GetStringAsync("/count", SetCookies.Pair(response)));

        var line = Assert.Single(log.WithEvent(2060));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains(new SessionLogId(id).ToString()!, line.Message, StringComparison.Ordinal);
        Assert.Contains("Recording store", line.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON (line 1, byte", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.All, l => l.Message.Contains("tok-7f3a9c", StringComparison.Ordinal) || l.Message.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CorruptStoredSession_GivesUpItsLockAtOnce()
    {
        var hold = new HoldGate();
        await using var host = await StartAsync(new LogLines(), hold.Map);
        var (pair, _) = await CorruptSessionAsync(host);
        var held = host.SendAsync("/hold", pair);
        await hold.Inside;

        // The held request found the record corrupt and went on with a new session: the corrupt ID's lock is free, so
        // another request with the same cookie need not wait out Session:LockTimeout (longer than this test's bound).
        Assert.Equal("1", await host.GetStringAsync("/count", pair).Within("a request beside the held one"));

        hold.Release();
        (await held.Within("the released request")).Dispose();
    }

    [Fact]
    public async Task CorruptOnReload_GivesTheRequestANewSession_AndLeavesTheRecord()
    {
        var log = new LogLines();
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var corrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(log, app => app.MapGet("/count", VisitCounter.Count), app => app.MapGet("/reload", async (ServerSession session) =>
        {
            var before = session.Id;
            loaded.SetResult();
            await corrupted.Task.Within("the test to corrupt the stored session");
            await session.ReloadAsync();
            return session.Id == before ? "same session" : $"new session, {session.Get<int>("visits")} visits";
        }));
        using var first = await host.SendAsync("/count");
        var pair = SetCookies.Pair(first);
        var id = SetCookies.IdOf(pair);

        var reload = host.SendAsync("/reload", pair);
        await loaded.Task.Within("the request to load its session");
        await host.Memory.SetAsync(id, new SessionRecord(Corrupt, host.Time.GetUtcNow().AddHours(1)), default);
        corrupted.SetResult();

        using var response = await reload.Within("the reloading request");
        Assert.Equal("new session, 0 visits", await response.Content.ReadAsStringAsync());
        Assert.Equal(Corrupt, (await host.Memory.GetAsync(id, default))!.Value.Payload.ToArray());
        Assert.Single(log.WithEvent(2060));
    }

    [Theory]
    [InlineData("{\"visits\":5,\"__created\":9223372036854775807}")]
    [InlineData("{\"visits\":5,\"__created\":-1}")]
    public async Task CreationTimeOutOfRange_IsACorruptSession_NotAnErrorOnEveryRequest(string stored)
    {
        var log = new LogLines();
        await using var host = await StartAsync(log);
        var pair = await VisitCounter.FirstVisitAsync(host);
        var id = SetCookies.IdOf(pair);
        var bytes = Encoding.UTF8.GetBytes(stored);
        await host.Memory.SetAsync(id, new SessionRecord(bytes, host.Time.GetUtcNow().AddHours(1)), default);

        using var response = await host.SendAsync("/count", pair);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", await response.Content.ReadAsStringAsync()); // a fresh session, not a 500 until it expires
        Assert.Equal(bytes, (await host.Memory.GetAsync(id, default))!.Value.Payload.ToArray());
        Assert.Contains("__created", Assert.Single(log.WithEvent(2060)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxAgeBeyondTheCookieLifetimeCap_IsHeldToIt_AndTheSessionCountsOn()
    {
        await using var host = await StartAsync(new LogLines());
        var pair = await VisitCounter.FirstVisitAsync(host);
        var id = SetCookies.IdOf(pair);
        var stored = $"{{\"visits\":5,\"__created\":{host.Time.GetUtcNow().ToUnixTimeMilliseconds()},\"__maxAge\":{long.MaxValue}}}";
        await host.Memory.SetAsync(id, new SessionRecord(Encoding.UTF8.GetBytes(stored), host.Time.GetUtcNow().AddHours(1)), default);

        using var response = await host.SendAsync("/count", pair);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("6", await response.Content.ReadAsStringAsync());
        var expires = (await host.Memory.GetAsync(id, default))!.Value.Expires;
        Assert.True(expires <= host.Time.GetUtcNow().AddDays(400), $"stored until {expires:O}, past the 400-day cap");
    }

    [Theory]
    [InlineData("[\"foo\",\"bar\"]", "not a JSON object")]
    [InlineData("{\"__created\":\"yesterday\"}", "reserved member")]
    [InlineData("{\"a\":1} trailing", "not valid JSON (line 1, byte")]
    public void ParseReasons_SayWhereAndHow_NeverWhat(string stored, string reason)
    {
        var error = Assert.Throws<SessionDataException>(() => SessionPayload.Parse(Encoding.UTF8.GetBytes(stored)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("foo", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("yesterday", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("trailing", error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    private static Task<SessionTestHost> StartAsync(LogLines log, params Action<WebApplication>[] maps) =>
        SessionTestHost.StartAsync(
            app =>
            {
                foreach (var map in maps.Length == 0 ? [a => a.MapGet("/count", VisitCounter.Count)] : maps)
                {
                    map(app);
                }
            },
            o =>
            {
                o.Secret = Secret;
                o.LockTimeout = Bounded.Limit * 2;
            },
            services: log.AddTo);

    private static async Task<(string Pair, string Id)> CorruptSessionAsync(SessionTestHost host)
    {
        var pair = await VisitCounter.FirstVisitAsync(host);
        var id = SetCookies.IdOf(pair);
        await host.Memory.SetAsync(id, new SessionRecord(Corrupt, host.Time.GetUtcNow().AddHours(1)), default);
        return (pair, id);
    }
}
